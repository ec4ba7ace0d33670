"""Inbox API for signed-in staff (read-only): the conversations of their entities and the
messages of each, scoped by the selectors exactly like the pages."""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, serializers, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from agora.core.models import User
from agora.directory.models import Platform
from agora.inbox import search, selectors
from agora.inbox.models import Attachment, Conversation, Message, Priority, Status
from agora.inbox.titles import conversation_title


class StaffOnly(permissions.BasePermission):
    """Signed-in, active people; what they see is scoped to their entities."""

    message = _("Inicie sesión con una cuenta del personal.")

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)


class ConversationSerializer(serializers.ModelSerializer):
    entity: serializers.Field = serializers.SlugRelatedField(slug_field="code", read_only=True)
    account = serializers.CharField(source="account.__str__", read_only=True)
    assignee = serializers.SerializerMethodField()
    labels = serializers.SerializerMethodField()
    subject = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = [
            "id",
            "entity",
            "account",
            "platform",
            "thread_kind",
            "subject",
            "author_name",
            "status",
            "priority",
            "assignee",
            "labels",
            "kind",
            "flags",
            "first_inbound_at",
            "last_inbound_at",
            "first_response_at",
            "resolved_at",
            "due_at",
            "breached_at",
            "message_count",
        ]

    def get_subject(self, obj: Conversation) -> str:
        """Masked, as in the list (agora/inbox/titles.py); the messages carry the full text."""
        return conversation_title(obj.subject) if obj.subject else ""

    def get_assignee(self, obj: Conversation) -> str | None:
        return obj.assignee.get_username() if obj.assignee else None

    def get_labels(self, obj: Conversation) -> list[str]:
        return [label.name for label in obj.labels.all()]


class AttachmentSerializer(serializers.ModelSerializer):
    """A photo, video, file, location, link, … of a message, as the platform gave it."""

    class Meta:
        model = Attachment
        fields = [
            "position",
            "kind",
            "url",
            "preview_url",
            "title",
            "latitude",
            "longitude",
            "mime_type",
            "platform_id",
        ]


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    revisions = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "direction",
            "author",
            "text",
            "sent_at",
            "edited_at",
            "deleted_at",
            "hidden_at",
            "send_status",
            "send_error",
            "kind",
            "flags",
            "revisions",
            "attachments",
        ]

    def get_author(self, obj: Message) -> str:
        if obj.author_user is not None:
            return obj.author_user.get_username()
        return obj.author_name

    def get_revisions(self, obj: Message) -> list[dict[str, str]]:
        return [
            {"text": r.text, "replaced_at": r.replaced_at.isoformat()} for r in obj.revisions.all()
        ]


class ConversationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("Estado"))
    priority = django_filters.ChoiceFilter(choices=Priority.choices, label=_("Prioridad"))
    platform = django_filters.ChoiceFilter(choices=Platform.choices, label=_("Plataforma"))
    entity = django_filters.CharFilter(field_name="entity__code", label=_("Código de entidad"))
    account = django_filters.NumberFilter(field_name="account_id", label=_("Id de la cuenta"))

    class Meta:
        model = Conversation
        fields: list[str] = []


class ConversationViewSet(viewsets.ReadOnlyModelViewSet):
    """Conversations of the entities the signed-in person works for (all for rector staff),
    newest citizen activity first; ``q`` keeps those with a message containing its words
    (as the inbox's search box); ``messages`` lists the thread of one."""

    serializer_class = ConversationSerializer
    lookup_value_regex = r"\d+"
    filterset_class = ConversationFilter
    authentication_classes = [SessionAuthentication]
    permission_classes = [StaffOnly]

    def get_queryset(self) -> QuerySet[Conversation]:
        user = cast(User, self.request.user)
        qs = selectors.api_conversations(user=user)
        q = self.request.query_params.get("q", "").strip() if self.action == "list" else ""
        if q:
            # Full-text search (agora/inbox/search.py): 400 with a Spanish message for words
            # that cannot be searched, 403 for someone who works for no entity.
            entity = self.request.query_params.get("entity", "").strip().lower()
            ids = search.conversation_ids_matching(
                user=user, q=q, filters=selectors.InboxFilters(entity=entity)
            )
            qs = qs.filter(pk__in=ids)
        return qs

    @action(detail=True, methods=["get"], filterset_class=None, serializer_class=MessageSerializer)
    def messages(self, request: Request, pk: str | None = None) -> Response:
        """The messages of one conversation, oldest first, with their earlier versions."""
        qs = selectors.api_conversation_messages(user=cast(User, request.user), pk=int(pk or 0))
        page = self.paginate_queryset(qs)
        serializer = MessageSerializer(page if page is not None else qs, many=True)
        if page is not None:
            return self.get_paginated_response(serializer.data)
        return Response(serializer.data)
