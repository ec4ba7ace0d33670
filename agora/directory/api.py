"""Directory API: entities, verified accounts, and the "is this account official?" look-up."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from agora.directory import selectors
from agora.directory.forms import MAX_QUERY
from agora.directory.models import (
    Branch,
    Entity,
    EntityType,
    Level,
    Platform,
    SocialAccount,
)


class AccountSerializer(serializers.ModelSerializer):
    entity: serializers.Field = serializers.SlugRelatedField(slug_field="code", read_only=True)
    handle = serializers.CharField(source="display_handle", read_only=True)

    class Meta:
        model = SocialAccount
        fields = [
            "id",
            "entity",
            "platform",
            "handle",
            "url",
            "platform_id",
            "status",
            "verified_at",
        ]


class NestedAccountSerializer(AccountSerializer):
    class Meta(AccountSerializer.Meta):
        fields = ["platform", "handle", "url", "platform_id", "verified_at"]


class EntitySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[assignment,var-annotated]
    verified_accounts = serializers.IntegerField(source="verified_count", read_only=True)

    class Meta:
        model = Entity
        fields = [
            "code",
            "name",
            "acronym",
            "branch",
            "level",
            "entity_type",
            "parent",
            "department",
            "department_code",
            "province",
            "ubigeo",
            "website",
            "verified_accounts",
        ]


class EntityDetailSerializer(EntitySerializer):
    accounts = NestedAccountSerializer(source="verified_accounts", many=True, read_only=True)
    functions = serializers.ListField(
        source="function_list", child=serializers.CharField(), read_only=True
    )

    class Meta(EntitySerializer.Meta):
        fields = [f for f in EntitySerializer.Meta.fields if f != "verified_accounts"] + [
            "description",
            "functions",
            "accounts",
        ]


def _choice_filter(choices: list[tuple[str, Any]], label: Any) -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(choices=choices, label=label, method="noop")


class EntityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Búsqueda por nombre o siglas"), method="noop", max_length=MAX_QUERY
    )
    branch = _choice_filter(Branch.choices, _("Poder u organismo"))
    level = _choice_filter(Level.choices, _("Nivel de gobierno"))
    entity_type = _choice_filter(EntityType.choices, _("Tipo de entidad"))
    department = django_filters.CharFilter(
        label=_("Código de departamento (INEI, dos dígitos)"), method="noop"
    )
    platform = _choice_filter(Platform.choices, _("Con cuenta verificada en"))
    ordering = _choice_filter([(key, key) for key in selectors.SORTS], _("Orden"))

    class Meta:
        model = Entity
        fields: list[str] = []

    def noop(self, queryset: QuerySet[Entity], name: str, value: Any) -> QuerySet[Entity]:
        return queryset

    def filter_queryset(self, queryset: QuerySet[Entity]) -> QuerySet[Entity]:
        data = self.form.cleaned_data
        department = data.get("department") or ""
        if department and not (len(department) == 2 and department.isdigit()):
            raise ValidationError(
                {"department": [_("Use el código INEI de dos dígitos, por ejemplo 15.")]}
            )
        return selectors.entity_search(
            q=data.get("q") or "",
            branch=data.get("branch") or "",
            level=data.get("level") or "",
            entity_type=data.get("entity_type") or "",
            department=department,
            platform=data.get("platform") or "",
            sort=data.get("ordering") or "",
        )


class EntityViewSet(viewsets.ReadOnlyModelViewSet):
    """Public entities of the Peruvian State, with their verified accounts."""

    lookup_field = "code"
    filterset_class = EntityFilter

    def get_queryset(self) -> QuerySet[Entity]:
        return selectors.entity_search().select_related("parent")

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return EntityDetailSerializer if self.action == "retrieve" else EntitySerializer

    def get_object(self) -> Entity:
        return selectors.entity_get_public(code=self.kwargs["code"])


class AccountFilter(django_filters.FilterSet):
    platform = django_filters.ChoiceFilter(choices=Platform.choices, label=_("Plataforma"))
    entity = django_filters.CharFilter(field_name="entity__code", label=_("Código de entidad"))

    class Meta:
        model = SocialAccount
        fields: list[str] = []


class LookupSerializer(serializers.Serializer):
    query = serializers.CharField()
    outcome = serializers.ChoiceField(
        choices=[
            "verificada",
            "suspendida",
            "retirada",
            "pendiente",
            "no_registrada",
            "falsa",
            "enlace",
            "invalida",
        ]
    )
    message = serializers.CharField()
    account = AccountSerializer(allow_null=True)
    entity = serializers.DictField(allow_null=True)
    similar = AccountSerializer(many=True)
    impersonated = serializers.DictField(
        allow_null=True, help_text=_("Entidad que la cuenta parece suplantar, si es una sola.")
    )
    ambiguous = serializers.BooleanField(
        help_text=_("Se parece a cuentas oficiales de varias entidades.")
    )


class AccountViewSet(viewsets.ReadOnlyModelViewSet):
    """Verified official accounts (open data: suspended, retired or pending ones are not listed)."""

    serializer_class = AccountSerializer
    filterset_class = AccountFilter

    def get_queryset(self) -> QuerySet[SocialAccount]:
        return selectors.opendata_verified_accounts()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                required=True,
                description=str(_("URL o nombre de usuario (@cuenta) que se desea comprobar.")),
            )
        ],
        responses=LookupSerializer,
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def lookup(self, request: Request) -> Response:
        """¿Es oficial esta cuenta? Answers verified, suspended, retired or not registered."""
        query = request.query_params.get("q", "")
        if not query.strip():
            raise ValidationError({"q": [_("Indique la URL o el nombre de usuario.")]})
        if len(query) > 500:
            raise ValidationError(
                {"q": [_("El texto es demasiado largo (máximo 500 caracteres).")]}
            )
        result = selectors.account_lookup(query=query)
        account = result.account
        return Response(
            {
                "query": result.query,
                "outcome": result.outcome,
                "message": str(selectors.lookup_message(result)),
                "account": AccountSerializer(account).data if account else None,
                "entity": {"code": account.entity.code, "name": account.entity.name}
                if account
                else None,
                "similar": AccountSerializer(result.similar or [], many=True).data,
                "impersonated": {
                    "code": result.impersonated.code,
                    "name": result.impersonated.name,
                }
                if result.impersonated
                else None,
                "ambiguous": result.ambiguous,
            }
        )
