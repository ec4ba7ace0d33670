"""Admin for action plans. Workflow changes (approving reports, scores, selection, reviews)
go through the services: reports are approved with an admin action, and the fields the
services compute are read-only here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from agora.commitments import services
from agora.commitments.models import (
    ActionPlan,
    Commitment,
    CommitmentUpdate,
    Evidence,
    IndependentReview,
    Milestone,
    PolicyArea,
    Proposal,
    ProposalGroup,
    SmartScore,
    Workshop,
    WorkshopParticipation,
)
from agora.core.admin import AuditedAdmin
from agora.core.errors import DomainError


@admin.register(ActionPlan)
class ActionPlanAdmin(AuditedAdmin):
    list_display = ("cycle", "title", "period_start", "period_end", "status", "is_demo")
    list_filter = ("status", "is_demo")
    filter_horizontal = ("evaluators",)
    raw_id_fields = ("commission",)


class ParticipationInline(admin.TabularInline):
    model = WorkshopParticipation
    extra = 0


@admin.register(Workshop)
class WorkshopAdmin(AuditedAdmin):
    list_display = ("place", "plan", "date", "date_text", "people", "is_demo")
    list_filter = ("plan",)
    inlines = [ParticipationInline]


@admin.register(Proposal)
class ProposalAdmin(AuditedAdmin):
    list_display = ("title", "plan", "source", "selected", "merged_into", "is_demo")
    list_filter = ("plan", "source", "selected", "is_demo")
    search_fields = ("title", "description")
    raw_id_fields = ("workshop", "entity", "merged_into", "created_by")
    readonly_fields = ("selected", "merged_into")


@admin.register(ProposalGroup)
class ProposalGroupAdmin(AuditedAdmin):
    list_display = ("__str__", "plan", "status", "similarity")
    list_filter = ("plan", "status")
    readonly_fields = ("status", "decided_by", "decided_at")


@admin.register(SmartScore)
class SmartScoreAdmin(AuditedAdmin):
    list_display = ("proposal", "evaluator", "criterion", "value")
    list_filter = ("criterion",)
    readonly_fields = ("proposal", "evaluator", "criterion", "value")


@admin.register(PolicyArea)
class PolicyAreaAdmin(AuditedAdmin):
    list_display = ("name_es", "name", "slug")


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ("order", "activity", "responsible", "start_month", "end_month", "status", "weight")
    readonly_fields = ("status",)


@admin.register(Commitment)
class CommitmentAdmin(AuditedAdmin):
    list_display = ("code", "display_title", "plan", "lead_entity", "status", "progress", "is_demo")
    list_filter = ("plan", "status", "is_demo", "policy_areas")
    search_fields = ("code", "title", "ogp_title")
    raw_id_fields = ("lead_entity",)
    filter_horizontal = ("supporting_entities", "policy_areas")
    readonly_fields = ("progress", "status")
    inlines = [MilestoneInline]


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    readonly_fields = ("file", "original_name", "mime_type", "size")


@admin.action(description=_("Aprobar y publicar los reportes seleccionados"))
def approve_updates(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[CommitmentUpdate]
) -> None:
    for update in queryset:
        try:
            services.update_approve(actor=request.user, update=update)  # type: ignore[arg-type]
        except DomainError as error:
            messages.error(request, f"{update}: {error.message}")


@admin.register(CommitmentUpdate)
class CommitmentUpdateAdmin(AuditedAdmin):
    list_display = ("commitment", "entity", "status", "created_at", "reviewed_by")
    list_filter = ("status",)
    readonly_fields = (
        "commitment",
        "milestone",
        "milestone_status",
        "text",
        "evidence_links",
        "entity",
        "author",
        "status",
        "reviewed_by",
        "reviewed_at",
        "review_note",
    )
    inlines = [EvidenceInline]
    actions = [approve_updates]


@admin.register(IndependentReview)
class IndependentReviewAdmin(AuditedAdmin):
    list_display = ("commitment", "potential_impact", "completion", "opened_government", "starred")
    readonly_fields = ("starred",)
