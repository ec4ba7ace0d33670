"""Commitments API: action plans and commitments with their milestones (read-only, public)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets

from agora.commitments import selectors
from agora.commitments.models import ActionPlan, Commitment, Milestone


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2015-08"})
class MonthField(serializers.Field):
    """A month as ``YYYY-MM`` (stored as its first day)."""

    def to_representation(self, value: Any) -> str:
        return str(value.strftime("%Y-%m"))


class MilestoneSerializer(serializers.ModelSerializer):
    start = MonthField(source="start_month", read_only=True)
    end = MonthField(source="end_month", read_only=True)

    class Meta:
        model = Milestone
        fields = [
            "order",
            "activity",
            "responsible",
            "start",
            "end",
            "status",
            "weight",
            "evidence_links",
        ]


class CommitmentSerializer(serializers.ModelSerializer):
    cycle = serializers.IntegerField(source="plan.cycle", read_only=True)
    title = serializers.CharField(source="display_title", read_only=True)
    title_is_translation = serializers.BooleanField(
        read_only=True,
        help_text="El título es una traducción de Ágora del título en inglés de OGP.",
    )
    lead_entity = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    policy_areas = serializers.SlugRelatedField(slug_field="name_es", many=True, read_only=True)  # type: ignore[var-annotated]
    overdue = serializers.BooleanField(read_only=True)
    progress = serializers.FloatField(read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = Commitment
        fields = [
            "code",
            "cycle",
            "title",
            "title_is_translation",
            "ogp_title",
            "lead_entity",
            "lead_institution",
            "policy_areas",
            "ogp_values",
            "status",
            "progress",
            "overdue",
            "is_demo",
            "milestones",
        ]


class PlanSerializer(serializers.ModelSerializer):
    commitment_count = serializers.IntegerField(read_only=True)
    period = serializers.CharField(source="period_label", read_only=True)

    class Meta:
        model = ActionPlan
        fields = [
            "cycle",
            "title",
            "period_start",
            "period_end",
            "period",
            "status",
            "commitment_count",
            "is_demo",
        ]


@extend_schema(
    parameters=[
        OpenApiParameter("code", OpenApiTypes.STR, description="Código del compromiso (PE0065)."),
        OpenApiParameter("plan", OpenApiTypes.INT, description="Ciclo del plan (2015)."),
        OpenApiParameter(
            "entity",
            OpenApiTypes.STR,
            description="Código de la entidad responsable o corresponsable.",
        ),
        OpenApiParameter(
            "status", OpenApiTypes.STR, description="Estado del compromiso, o «vencido»."
        ),
    ]
)
class CommitmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Compromisos de los planes de gobierno abierto con sus hitos (meses como AAAA-MM)."""

    serializer_class = CommitmentSerializer
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[Commitment]:
        params = self.request.query_params
        filters = selectors.CommitmentFilters(
            plan=int(params["plan"]) if params.get("plan", "").isdigit() else None,
            entity=params.get("entity", ""),
            status=params.get("status", ""),
        )
        queryset = selectors.commitments_public(filters).prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.order_by("order"))
        )
        if code := params.get("code"):
            queryset = queryset.filter(code=code.strip().upper())
        return queryset


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """Planes de acción de gobierno abierto del Perú."""

    serializer_class = PlanSerializer
    lookup_field = "cycle"

    def get_queryset(self) -> QuerySet[ActionPlan]:
        from django.db.models import Count

        return ActionPlan.objects.annotate(commitment_count=Count("commitments")).order_by("-cycle")
