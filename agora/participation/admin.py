"""Admin for participation records (the secretariat works in the app's own pages)."""

from django.contrib import admin

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


for model in (
    MemberOrganisation,
    ForumMembership,
    Representative,
    AdmissionRequest,
    ForumSession,
    Agreement,
    Consultation,
):
    admin.site.register(model, AuditedAdmin)
