"""Report runs in the administration (read-only: runs are made by the service)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from agora.core.admin import AuditedAdmin
from agora.reports.models import ReportRun


@admin.register(ReportRun)
class ReportRunAdmin(AuditedAdmin):
    list_display = ["entity", "start", "end", "status", "progress", "scheduled", "created_at"]
    list_filter = ["status", "scheduled"]
    search_fields = ["entity__name", "entity__code"]
    exclude = ["data", "pdf"]
    readonly_fields = [
        "entity",
        "start",
        "end",
        "status",
        "progress",
        "requested_by",
        "scheduled",
        "error",
        "created_at",
        "finished_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
