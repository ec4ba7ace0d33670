"""Admin of the training registry: looked at by staff; workshops, materials and attendance are
registered through the staff pages (/capacitacion/gestion/), which apply the services' rules.
Changes made here are audited like any admin change."""

from __future__ import annotations

from django.contrib import admin

from agora.core.admin import AuditedAdmin
from agora.training.models import Attendance, TrainingMaterial, TrainingSession


class MaterialInline(admin.TabularInline):
    model = TrainingMaterial
    extra = 0


@admin.register(TrainingSession)
class TrainingSessionAdmin(AuditedAdmin):
    list_display = ("title", "date", "mode", "trainer", "is_demo")
    list_filter = ("mode", "is_demo")
    search_fields = ("title", "trainer", "topics")
    date_hierarchy = "date"
    readonly_fields = ("created_by", "created_at")
    inlines = [MaterialInline]


@admin.register(Attendance)
class AttendanceAdmin(AuditedAdmin):
    list_display = ("name", "entity", "role", "session", "completed")
    list_filter = ("role", "completed", "entity__level")
    search_fields = ("name", "entity__name", "entity__code")
    raw_id_fields = ("session", "entity", "user")
