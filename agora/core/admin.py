from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from agora.core.audit import audit_record, snapshot
from agora.core.models import AuditEvent, OutboxTask, User

# Never copied into the audit log, whatever the model.
SECRET_FIELDS = {"password", "secret", "token", "access_token", "refresh_token", "key"}


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletions made in the admin, of the object and of its inline rows, leave an
    audit entry like any service: who, when, and the fields before and after
    (``audit_fields``, or every concrete field that is not a secret)."""

    audit_fields: list[str] = []

    def _fields(self, obj: Any) -> list[str]:
        if self.audit_fields and isinstance(obj, self.model):
            return self.audit_fields
        return [
            field.name
            for field in obj._meta.concrete_fields
            if not field.primary_key and field.name not in SECRET_FIELDS
        ]

    def _scope(self, obj: Any) -> str:
        entity = getattr(obj, "entity", None)
        return str(getattr(entity, "code", "") or "")

    def _record(
        self, request: HttpRequest, obj: Any, action: str, before: Any = None, after: Any = None
    ) -> None:
        audit_record(
            actor=request.user,  # type: ignore[arg-type]
            verb=f"admin.{obj._meta.model_name}.{action}",
            instance=obj,
            scope=self._scope(obj),
            before=before,
            after=after,
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = None
        if change and obj.pk:
            previous = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = snapshot(previous, self._fields(obj)) if previous else None
        super().save_model(request, obj, form, change)
        self._record(
            request, obj, "cambio" if change else "alta", before, snapshot(obj, self._fields(obj))
        )

    def _relations(self, obj: Any) -> dict[str, list[Any]]:
        """The many-to-many links of ``obj`` (secretariat, evaluators, groups…) by field."""
        if not obj.pk:
            return {}
        return {
            field.name: sorted(getattr(obj, field.name).values_list("pk", flat=True))
            for field in obj._meta.many_to_many
            if field.name not in SECRET_FIELDS
        }

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Many-to-many links are saved after the object: what changed is recorded apart."""
        obj = form.instance
        before = self._relations(obj) if change else {}
        super().save_related(request, form, formsets, change)
        after = self._relations(obj)
        changed = [name for name in after if after[name] != before.get(name, [])]
        if changed:
            self._record(
                request,
                obj,
                "vinculos",
                {name: before.get(name, []) for name in changed},
                {name: after[name] for name in changed},
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._record(request, obj, "baja", before=snapshot(obj, self._fields(obj)))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Inline rows: what was added, changed and deleted, one entry each."""
        deleted = [
            (f.instance, snapshot(f.instance, self._fields(f.instance)))
            for f in formset.deleted_forms
            if f.instance.pk
        ]
        changed_before: dict[Any, dict[str, Any]] = {}
        for inline_form in formset.initial_forms:
            obj = inline_form.instance
            if obj.pk and inline_form.has_changed() and inline_form not in formset.deleted_forms:
                previous = type(obj)._default_manager.filter(pk=obj.pk).first()
                if previous is not None:
                    changed_before[obj.pk] = snapshot(previous, self._fields(previous))
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            self._record(request, obj, "alta", after=snapshot(obj, self._fields(obj)))
        for obj, _changes in formset.changed_objects:
            after = snapshot(obj, self._fields(obj))
            self._record(request, obj, "cambio", changed_before.get(obj.pk), after)
        for obj, before in deleted:
            self._record(request, obj, "baja", before=before)


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_rector", "is_demo")
    list_filter = ("is_rector", "is_staff", "is_active", "is_demo")
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_("Ágora"), {"fields": ("is_rector", "is_demo")}),
    )

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        """The admin's password form saves without save_model: recorded here (never the
        password itself) when it succeeded."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.filter(pk=id).first()
            if user is not None:
                self._record(request, user, "contrasena", after={"contrasena": "cambiada"})
        return response


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by services only."""

    list_display = ("created_at", "actor_label", "verb", "object_type", "object_repr", "scope")
    list_filter = ("verb", "object_type")
    search_fields = ("object_repr", "actor_label", "scope", "reason")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxTask)
class OutboxTaskAdmin(admin.ModelAdmin):
    """Read-only: rows are written with the data they are about and removed by their task;
    failed ones are retried from the rector's dashboard (audited)."""

    list_display = ("pk", "func", "created_at", "attempts", "failed", "leased_until")
    list_filter = ("failed", "func")
    readonly_fields = (
        "func",
        "args",
        "created_at",
        "available_at",
        "leased_until",
        "lease",
        "attempts",
        "failed",
        "last_error",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
