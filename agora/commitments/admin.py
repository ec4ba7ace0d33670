"""Admin for action plans. Workflow changes (approving reports, scores, selection, reviews)
go through the services: reports are approved with an admin action, the independent review
is saved by ``services.review_record``, workshops and milestones are checked by the services'
rules (Spanish errors on the form, nothing written), milestone edits refresh the commitment's
progress, and the fields the services compute are read-only here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from agora.commitments import permissions, services
from agora.commitments.models import (
    ActionPlan,
    Commitment,
    CommitmentUpdate,
    Evidence,
    IndependentReview,
    Milestone,
    MilestoneStatus,
    OgpValue,
    PolicyArea,
    Proposal,
    ProposalGroup,
    SmartScore,
    Workshop,
    WorkshopParticipation,
)
from agora.core.admin import AuditedAdmin
from agora.core.errors import DomainError


class RectorEditsAdmin(AuditedAdmin):
    """What the services reserve to the secretariat (rector staff) is edited in the admin by
    rector staff only; other staff may look."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return permissions.may_run_plans(request.user) and super().has_add_permission(
            request, *args
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.may_run_plans(request.user) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.may_run_plans(request.user) and super().has_delete_permission(
            request, obj
        )


@admin.register(ActionPlan)
class ActionPlanAdmin(AuditedAdmin):
    list_display = ("cycle", "title", "period_start", "period_end", "status", "is_demo")
    list_filter = ("status", "is_demo")
    filter_horizontal = ("evaluators",)
    raw_id_fields = ("commission",)


class WorkshopAdminForm(forms.ModelForm):
    class Meta:
        model = Workshop
        fields = ("plan", "label", "place", "date", "date_text", "people", "notes", "is_demo")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        if not self.errors:
            try:
                services.workshop_check(
                    label=data.get("label") or "",
                    place=data.get("place") or "",
                    people=data.get("people"),
                )
            except DomainError as error:
                self.add_error(None, error.message)
        return data


class ParticipationFormSet(BaseInlineFormSet):
    """The rows together follow ``services.workshop_check``: known types, each once, no
    negative counts."""

    def clean(self) -> None:
        if any(self.errors):
            return
        rows = [
            (form.cleaned_data.get("organisation_type"), form.cleaned_data.get("count"))
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        parent = self.instance
        try:
            services.workshop_check(
                label=parent.label or "-", place=parent.place or "-", participation=rows
            )
        except DomainError as error:
            raise forms.ValidationError(error.message) from error
        super().clean()


class ParticipationInline(admin.TabularInline):
    model = WorkshopParticipation
    formset = ParticipationFormSet
    extra = 0


@admin.register(Workshop)
class WorkshopAdmin(RectorEditsAdmin):
    form = WorkshopAdminForm
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


class MilestoneAdminForm(forms.ModelForm):
    """A milestone row checked by ``services.milestone_check``; months are kept as their
    first day, like the services keep them."""

    class Meta:
        model = Milestone
        fields = ("order", "activity", "responsible", "start_month", "end_month", "weight")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        if self.errors or not self.has_changed() or data.get("DELETE"):
            return data
        start, end = data.get("start_month"), data.get("end_month")
        try:
            start, end = services.milestone_check(
                activity=data.get("activity") or "",
                start_month=start,
                end_month=end,
                weight=data.get("weight"),
                status=self.instance.status or MilestoneStatus.NO_INICIADO,
            )
        except DomainError as error:
            # On the field, so the database constraint is not checked a second time.
            ends_early = start and end and end.replace(day=1) < start.replace(day=1)
            self.add_error("end_month" if ends_early else None, error.message)
        else:
            data["start_month"], data["end_month"] = start, end
        return data


class MilestoneInline(admin.TabularInline):
    model = Milestone
    form = MilestoneAdminForm
    extra = 0
    fields = ("order", "activity", "responsible", "start_month", "end_month", "status", "weight")
    readonly_fields = ("status",)

    def _may_edit(self, request: HttpRequest) -> bool:
        return permissions.may_run_plans(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_edit(request) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_edit(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_edit(request) and super().has_delete_permission(request, obj)


@admin.register(Commitment)
class CommitmentAdmin(AuditedAdmin):
    list_display = ("code", "display_title", "plan", "lead_entity", "status", "progress", "is_demo")
    list_filter = ("plan", "status", "is_demo", "policy_areas")
    search_fields = ("code", "title", "ogp_title")
    raw_id_fields = ("lead_entity",)
    filter_horizontal = ("supporting_entities", "policy_areas")
    readonly_fields = ("progress", "status")
    inlines = [MilestoneInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is Milestone:
            services.commitment_progress_refresh(form.instance)


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ("download", "original_name", "mime_type", "size")
    readonly_fields = ("download", "original_name", "mime_type", "size")

    @admin.display(description=_("archivo"))
    def download(self, obj: Evidence) -> str:
        """Through the view that checks who may read it, never a /media/ address."""
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("commitments:evidence", args=[obj.pk]), obj.original_name
        )


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


class IndependentReviewAdminForm(forms.ModelForm):
    relevance = forms.MultipleChoiceField(
        label=_("Relevancia para los valores de OGP"),
        choices=OgpValue.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = IndependentReview
        fields = (
            "commitment",
            "report",
            "verifiable",
            "relevance",
            "potential_impact",
            "completion",
            "opened_government",
            "notes",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        try:
            data["relevance"] = services.review_check(
                relevance=data.get("relevance") or [],
                potential_impact=data.get("potential_impact") or "",
                completion=data.get("completion") or "",
                opened_government=data.get("opened_government") or "",
            )
        except DomainError as error:
            self.add_error(None, error.message)
        return data


@admin.register(IndependentReview)
class IndependentReviewAdmin(RectorEditsAdmin):
    """Saved by ``services.review_record`` (which audits it and computes ``starred`` by the
    OGP rule); the commitment of an existing review is fixed."""

    form = IndependentReviewAdminForm
    list_display = ("commitment", "potential_impact", "completion", "opened_government", "starred")
    readonly_fields = ("starred",)
    raw_id_fields = ("commitment",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "commitment") if obj is not None else fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        review = services.review_record(
            actor=request.user,  # type: ignore[arg-type]
            commitment=obj.commitment,
            report=data.get("report") or "",
            verifiable=data.get("verifiable"),
            relevance=data.get("relevance") or [],
            potential_impact=data.get("potential_impact") or "",
            completion=data.get("completion") or "",
            opened_government=data.get("opened_government") or "",
            notes=data.get("notes") or "",
        )
        obj.pk, obj.starred, obj.updated_at = review.pk, review.starred, review.updated_at
