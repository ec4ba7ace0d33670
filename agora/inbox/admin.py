"""Admin for the inbox: deadline policies (an entity's may only be stricter), non-working days,
the library of approved answers, labels, and read-only views of conversations, messages and
quarantined events. Changes are recorded in the audit log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agora.core.admin import AuditedAdmin
from agora.core.errors import DomainError
from agora.core.models import User
from agora.inbox import moderation, policies, services
from agora.inbox.deadlines import policy_validate_stricter
from agora.inbox.models import (
    Attachment,
    CannedAnswer,
    Conversation,
    Label,
    Message,
    ModerationAction,
    ModerationPolicy,
    NonWorkingDay,
    QuarantinedEvent,
    ResponsePolicy,
    ThreatAlert,
)

POLICY_FIELDS = [
    "entity",
    "first_response_hours",
    "next_response_hours",
    "resolution_hours",
    "workday_start",
    "workday_end",
]


class ResponsePolicyForm(forms.ModelForm):
    class Meta:
        model = ResponsePolicy
        fields = POLICY_FIELDS

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        entity = data.get("entity")
        candidate = ResponsePolicy(
            entity_id=entity.pk if entity is not None else None,
            **{name: data.get(name) for name in POLICY_FIELDS if name != "entity"},
        )
        try:
            policy_validate_stricter(policy=candidate)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return data


@admin.register(ResponsePolicy)
class ResponsePolicyAdmin(AuditedAdmin):
    form = ResponsePolicyForm
    list_display = (
        "__str__",
        "first_response_hours",
        "next_response_hours",
        "resolution_hours",
        "workday_start",
        "workday_end",
        "updated_at",
    )
    raw_id_fields = ("entity",)
    search_fields = ("entity__code", "entity__name")
    audit_fields = POLICY_FIELDS

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A policy belongs to its entity (or is the default) for good.
        return ("entity",) if obj is not None and obj.pk else ()

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        """Through the policy services (agora/inbox/policies.py), as the settings pages: the
        same checks, audit and recomputation of the stored due times."""
        actor: User = request.user  # type: ignore[assignment]  # the admin is signed in
        values = {name: getattr(obj, name) for name in policies.POLICY_FIELDS}
        try:
            if obj.entity is None:
                saved = policies.default_policy_set(actor=actor, values=values)
            else:
                saved = policies.response_policy_set(actor=actor, entity=obj.entity, **values)
        except DomainError as exc:
            raise PermissionDenied(" ".join(str(m) for m in exc.messages)) from exc
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        try:
            policies.policy_delete(actor=request.user, policy=obj)  # type: ignore[arg-type]
        except DomainError as exc:
            raise PermissionDenied(" ".join(str(m) for m in exc.messages)) from exc

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(NonWorkingDay)
class NonWorkingDayAdmin(AuditedAdmin):
    list_display = ("day", "entity", "description")
    list_filter = ("day",)
    raw_id_fields = ("entity",)
    search_fields = ("entity__code", "entity__name", "description")
    date_hierarchy = "day"
    audit_fields = ["entity", "day", "description"]


@admin.register(CannedAnswer)
class CannedAnswerAdmin(AuditedAdmin):
    list_display = ("title", "entity", "category", "approved_by", "approved_at", "archived_at")
    list_filter = (
        ("entity", admin.EmptyFieldListFilter),
        ("archived_at", admin.EmptyFieldListFilter),
    )
    raw_id_fields = ("entity",)
    search_fields = ("title", "body", "shortcut", "entity__code", "entity__name")
    readonly_fields = ("approved_by", "approved_at", "archived_at", "archived_by")
    audit_fields = ["entity", "title", "body", "category", "shortcut", "approved_by", "approved_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Archived from /bandeja/respuestas/, never deleted: the answers that used one keep it.
        return False

    def save_model(
        self, request: HttpRequest, obj: CannedAnswer, form: ModelForm, change: bool
    ) -> None:
        # Saving from the admin is the approval: whoever saves the text approves it.
        obj.approved_by = request.user if isinstance(request.user, User) else None
        obj.approved_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(Label)
class LabelAdmin(AuditedAdmin):
    list_display = ("name", "entity")
    raw_id_fields = ("entity",)
    search_fields = ("name", "entity__code", "entity__name")
    audit_fields = ["entity", "name"]


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(QuarantinedEvent)
class QuarantinedEventAdmin(_ReadOnlyAdmin):
    list_display = ("received_at", "platform", "object_id", "reason", "resolved_at", "resolved_by")
    list_filter = ("platform", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("object_id", "reason")
    actions = ["mark_reviewed"]

    @admin.action(description=_("Marcar revisado"))
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[QuarantinedEvent]) -> None:
        done = 0
        for event in queryset.filter(resolved_at__isnull=True):
            try:
                services.quarantined_event_resolve(actor=request.user, event=event)  # type: ignore[arg-type]
            except DomainError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                break
            done += 1
        self.message_user(request, _("%(n)s eventos marcados como revisados.") % {"n": done})


@admin.register(Conversation)
class ConversationAdmin(_ReadOnlyAdmin):
    list_display = ("__str__", "entity", "status", "priority", "assignee", "last_inbound_at")
    list_filter = ("status", "priority", "platform", "is_demo")
    search_fields = ("subject", "thread_id", "entity__code")
    list_select_related = ("entity", "assignee")
    raw_id_fields = ("entity", "account", "assignee")
    show_full_result_count = False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ("position", "kind", "url", "title", "latitude", "longitude", "mime_type")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(_ReadOnlyAdmin):
    inlines = [AttachmentInline]
    list_display = ("__str__", "entity", "platform", "direction", "sent_at", "send_status")
    list_filter = ("direction", "platform", "send_status")
    search_fields = ("platform_message_id",)
    list_select_related = ("entity",)
    raw_id_fields = ("conversation", "entity", "author_user")
    show_full_result_count = False


# --- Moderation (agora/inbox/moderation/) ---------------------------------------------------


class ModerationPolicyForm(forms.ModelForm):
    """The moderation service's checks (who sets the policy, the crisis bounds) as form
    errors, before anything is written."""

    request: HttpRequest

    class Meta:
        model = ModerationPolicy
        fields = [
            "entity",
            "hide_insults",
            "hide_spam",
            "hide_on_platform",
            "crisis_multiplier",
            "crisis_min_messages",
            "crisis_baseline_days",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        entity = data.get("entity") if "entity" in self.fields else self.instance.entity
        try:
            moderation.moderation_policy_check(
                actor=self.request.user,  # type: ignore[arg-type]
                entity=entity,
                crisis_multiplier=data["crisis_multiplier"],
                crisis_min_messages=data["crisis_min_messages"],
            )
        except DomainError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return data


@admin.register(ModerationPolicy)
class ModerationPolicyAdmin(AuditedAdmin):
    """The rector office's default (no entity) and each entity's own policy; managers also
    edit theirs on /bandeja/moderacion/<código>/. Saved and deleted through the moderation
    service, like the staff page: the same checks and the same audit entry."""

    form = ModerationPolicyForm
    list_display = ("__str__", "hide_insults", "hide_spam", "hide_on_platform", "updated_at")
    raw_id_fields = ("entity",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A policy belongs to its entity: another entity's is added, not moved.
        return () if obj is None else ("entity",)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class RequestForm(form_class):  # type: ignore[valid-type, misc]
            def __init__(self, *args: Any, **inner: Any) -> None:
                super().__init__(*args, **inner)
                self.request = request

        return RequestForm

    def save_model(
        self, request: HttpRequest, obj: ModerationPolicy, form: ModelForm, change: bool
    ) -> None:
        data = form.cleaned_data
        saved = moderation.moderation_policy_update(
            actor=request.user,  # type: ignore[arg-type]
            entity=obj.entity,
            hide_insults=data["hide_insults"],
            hide_spam=data["hide_spam"],
            hide_on_platform=data["hide_on_platform"],
            crisis_multiplier=data["crisis_multiplier"],
            crisis_min_messages=data["crisis_min_messages"],
            crisis_baseline_days=data["crisis_baseline_days"],
        )
        # The admin redirects and logs with ``obj``: it becomes the stored row.
        obj.pk, obj.updated_at, obj.updated_by = saved.pk, saved.updated_at, saved.updated_by

    def delete_model(self, request: HttpRequest, obj: ModerationPolicy) -> None:
        moderation.moderation_policy_delete(actor=request.user, policy=obj)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ModerationPolicy]) -> None:
        for policy in queryset.select_related("entity"):
            try:
                self.delete_model(request, policy)
            except DomainError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                break


@admin.register(ModerationAction)
class ModerationActionAdmin(_ReadOnlyAdmin):
    list_display = ("message", "entity", "action", "scope", "actor", "is_automatic", "created_at")
    list_filter = ("action", "scope", "is_automatic", "platform_result")
    list_select_related = ("entity", "actor")
    raw_id_fields = ("message", "entity", "actor")
    show_full_result_count = False


@admin.register(ThreatAlert)
class ThreatAlertAdmin(_ReadOnlyAdmin):
    list_display = ("__str__", "entity", "status", "created_at", "handled_by", "handled_at")
    list_filter = ("status", "is_demo")
    list_select_related = ("entity", "handled_by")
    raw_id_fields = ("entity", "conversation", "message", "handled_by")
    show_full_result_count = False
