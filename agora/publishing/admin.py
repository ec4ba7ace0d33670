"""Admin of publishing with a plan: plain registrations (every change in the pages goes
through the services; the admin is for operators)."""

from django.contrib import admin

from agora.publishing import models


class PlanThemeInline(admin.TabularInline):
    model = models.PlanTheme
    extra = 0


@admin.register(models.ContentPlan)
class ContentPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "entity", "period_start", "period_end", "is_demo"]
    list_filter = ["is_demo"]
    search_fields = ["title", "entity__name"]
    raw_id_fields = ["entity", "created_by"]
    filter_horizontal = ["accounts"]
    inlines = [PlanThemeInline]


class PostVariantInline(admin.TabularInline):
    model = models.PostVariant
    extra = 0
    raw_id_fields = ["account", "inbox_post"]


@admin.register(models.PlannedPost)
class PlannedPostAdmin(admin.ModelAdmin):
    list_display = ["title", "entity", "scheduled_at", "status", "author", "is_demo"]
    list_filter = ["status", "is_demo"]
    search_fields = ["title", "entity__name"]
    raw_id_fields = [
        "plan",
        "entity",
        "theme",
        "author",
        "decided_by",
        "commitment",
        "milestone",
        "evidence",
    ]
    inlines = [PostVariantInline]


@admin.register(models.GuidelineFinding)
class GuidelineFindingAdmin(admin.ModelAdmin):
    list_display = ["post", "guideline", "rule", "account", "created_at"]
    list_filter = ["guideline", "rule"]
    raw_id_fields = ["post", "entity", "account"]


@admin.register(models.PublishingSettings)
class PublishingSettingsAdmin(admin.ModelAdmin):
    list_display = ["entity", "self_promotion_max_percent", "reply_approval", "updated_at"]
    raw_id_fields = ["entity"]
    filter_horizontal = ["approvers"]


class CrisisStepInline(admin.TabularInline):
    model = models.CrisisStep
    extra = 0


class CrisisContactInline(admin.TabularInline):
    model = models.CrisisContact
    extra = 0


class HoldingStatementInline(admin.StackedInline):
    model = models.HoldingStatement
    extra = 0
    raw_id_fields = ["approved_by"]


@admin.register(models.CrisisManual)
class CrisisManualAdmin(admin.ModelAdmin):
    list_display = ["entity", "updated_at", "is_demo"]
    raw_id_fields = ["entity", "updated_by"]
    inlines = [CrisisStepInline, CrisisContactInline, HoldingStatementInline]


class CrisisStepDoneInline(admin.TabularInline):
    model = models.CrisisStepDone
    extra = 0
    raw_id_fields = ["step", "done_by"]


@admin.register(models.Crisis)
class CrisisAdmin(admin.ModelAdmin):
    list_display = ["entity", "trigger", "opened_at", "closed_at", "is_demo"]
    list_filter = ["trigger", "is_demo"]
    raw_id_fields = ["entity", "opened_by", "closed_by"]
    inlines = [CrisisStepDoneInline]
