from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from agora.core.models import AuditEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_rector", "is_demo")
    list_filter = ("is_rector", "is_staff", "is_active", "is_demo")
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_("Ágora"), {"fields": ("is_rector", "is_demo")}),
    )


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
