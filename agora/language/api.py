"""API of citizen messages' classification and moderation for signed-in staff: read one
message's kind and flags, correct them (the next training run learns from it) or take one flag
away («No es amenaza»), hide or show it.
Scoped like the inbox: a person reaches only the messages of the entities they work for; any
other id is a 404."""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from agora.core.models import User
from agora.directory.models import Entity
from agora.inbox import moderation
from agora.inbox.api import StaffOnly
from agora.inbox.models import Direction, Message, ModerationAction
from agora.language import dismissal, services
from agora.language.models import Correction
from agora.language.taxonomy import Flag, Kind


class MessageClassificationSerializer(serializers.ModelSerializer):
    entity: serializers.Field = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "conversation",
            "entity",
            "platform",
            "sent_at",
            "kind",
            "flags",
            "model_version",
            "hidden_at",
        ]
        read_only_fields = fields


class CorrectionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices, label=_("tipo"))
    flags = serializers.ListField(
        child=serializers.ChoiceField(choices=Flag.choices),
        required=False,
        default=list,
        max_length=len(Flag.choices),
        label=_("alertas"),
    )


class DismissInputSerializer(serializers.Serializer):
    flag = serializers.ChoiceField(choices=Flag.choices, label=_("alerta"))


class CorrectionSerializer(serializers.ModelSerializer):
    entity: serializers.Field = serializers.SlugRelatedField(slug_field="code", read_only=True)
    by: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Correction
        fields = [
            "id",
            "message",
            "entity",
            "kind",
            "flags",
            "previous_kind",
            "previous_flags",
            "previous_model_version",
            "by",
            "at",
        ]
        read_only_fields = fields


class HideInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=moderation.REASON_MAX, label=_("motivo"))
    on_platform = serializers.BooleanField(
        required=False, default=False, label=_("también en la red social")
    )


class ShowInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=moderation.REASON_MAX, label=_("motivo"))


class ModerationActionSerializer(serializers.ModelSerializer):
    actor: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ModerationAction
        fields = [
            "id",
            "message",
            "action",
            "scope",
            "actor",
            "is_automatic",
            "model_version",
            "reason",
            "created_at",
            "platform_result",
            "platform_error",
        ]
        read_only_fields = fields


class MessageClassificationViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Citizen messages of the signed-in person's entities: kind, flags and moderation."""

    serializer_class = MessageClassificationSerializer
    lookup_value_regex = r"\d+"
    authentication_classes = [SessionAuthentication]
    permission_classes = [StaffOnly]

    def get_queryset(self) -> QuerySet[Message]:
        user = cast(User, self.request.user)
        return Message.objects.filter(
            entity__in=Entity.objects.for_staff(user), direction=Direction.ENTRANTE
        ).select_related("entity")

    @extend_schema(
        request=CorrectionInputSerializer,
        responses={201: CorrectionSerializer},
        summary="Corregir el tipo y las alertas de un mensaje",
    )
    @action(detail=True, methods=["post"], url_path="correction")
    def correction(self, request: Request, pk: str | None = None) -> Response:
        """Sets the message's kind and flags; stored with who and when, audited, and used by
        the next training run."""
        message = self.get_object()
        data = CorrectionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        correction = services.message_correct(
            actor=cast(User, request.user),
            message=message,
            kind=data.validated_data["kind"],
            flags=data.validated_data["flags"],
        )
        return Response(CorrectionSerializer(correction).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DismissInputSerializer,
        responses={200: MessageClassificationSerializer},
        summary="«No es amenaza / insulto / spam…»: quitar una alerta del mensaje",
    )
    @action(detail=True, methods=["post"], url_path="dismiss-flag")
    def dismiss_flag(self, request: Request, pk: str | None = None) -> Response:
        """Removes one flag and keeps the kind (a correction, audited, for the next training
        run); closes the message's open threat alert as dismissed and shows again what the
        flag hid. A replay changes nothing. The message as it is now."""
        message = self.get_object()
        data = DismissInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dismissal.message_flag_dismiss(
            actor=cast(User, request.user), message=message, flag=data.validated_data["flag"]
        )
        message.refresh_from_db()
        return Response(MessageClassificationSerializer(message).data)

    @extend_schema(
        request=HideInputSerializer,
        responses={201: ModerationActionSerializer(many=True)},
        summary="Ocultar un mensaje (nunca se borra)",
    )
    @action(detail=True, methods=["post"])
    def hide(self, request: Request, pk: str | None = None) -> Response:
        message = self.get_object()
        data = HideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actions = moderation.message_hide(
            actor=cast(User, request.user),
            message=message,
            reason=data.validated_data["reason"],
            on_platform=data.validated_data["on_platform"],
        )
        return Response(
            ModerationActionSerializer(actions, many=True).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=ShowInputSerializer,
        responses={201: ModerationActionSerializer(many=True)},
        summary="Mostrar de nuevo un mensaje oculto",
    )
    @action(detail=True, methods=["post"])
    def show(self, request: Request, pk: str | None = None) -> Response:
        message = self.get_object()
        data = ShowInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actions = moderation.message_show(
            actor=cast(User, request.user), message=message, reason=data.validated_data["reason"]
        )
        return Response(
            ModerationActionSerializer(actions, many=True).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses={200: CorrectionSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def corrections(self, request: Request, pk: str | None = None) -> Response:
        """Every correction of the message, oldest first."""
        message = self.get_object()
        rows = Correction.objects.filter(message=message).select_related("entity", "by")
        return Response(CorrectionSerializer(rows, many=True).data)
