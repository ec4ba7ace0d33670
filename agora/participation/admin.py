"""Admin for participation records (the secretariat works in the app's own pages)."""

from django.contrib import admin
from django.http import HttpRequest

from agora.core.admin import AuditedAdmin
from agora.participation.models import (
    AdmissionRequest,
    Agreement,
    Consultation,
    Forum,
    ForumMembership,
    ForumSession,
    MemberOrganisation,
    Representative,
    SeatRule,
)


class SeatRuleInline(admin.TabularInline):
    model = SeatRule
    extra = 0


@admin.register(Forum)
class ForumAdmin(AuditedAdmin):
    list_display = ["name", "sector", "scope", "status", "is_demo"]
    filter_horizontal = ["secretariat"]
    inlines = [SeatRuleInline]


@admin.register(Representative)
class RepresentativeAdmin(AuditedAdmin):
    """Read-only: representatives are named and ended on the forum's management page, where
    the service checks the seats and that one person holds one place per forum."""

    list_display = ["full_name", "role", "membership", "is_active"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


for model in (
    MemberOrganisation,
    ForumMembership,
    AdmissionRequest,
    ForumSession,
    Agreement,
    Consultation,
):
    admin.site.register(model, AuditedAdmin)
