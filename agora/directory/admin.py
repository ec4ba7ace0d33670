"""Admin for the directory. Account status changes go through the services (admin actions),
never through direct edits, so that every change is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from agora.core.admin import AuditedAdmin
from agora.core.errors import DomainError
from agora.directory import services
from agora.directory.models import (
    Entity,
    FakeAccountReport,
    Membership,
    SocialAccount,
    VisitCount,
)


@admin.register(Entity)
class EntityAdmin(AuditedAdmin):
    list_display = ("code", "name", "acronym", "branch", "level", "entity_type", "department")
    list_filter = ("level", "branch", "entity_type", "department")
    search_fields = ("code", "name", "acronym", "search_text")
    raw_id_fields = ("parent",)
    readonly_fields = ("created_at", "updated_at")


@admin.register(SocialAccount)
class SocialAccountAdmin(AuditedAdmin):
    list_display = ("__str__", "entity", "platform", "status", "verified_at", "is_demo")
    list_filter = ("status", "platform", "is_demo")
    search_fields = ("handle", "handle_key", "entity__name", "entity__code", "platform_id")
    raw_id_fields = ("entity",)
    readonly_fields = (
        "entity",
        "platform",
        "handle",
        "url",
        "status",
        "status_reason",
        "proposed_by",
        "verified_by",
        "verified_at",
        "created_at",
        "updated_at",
        "is_demo",
    )
    actions = ["verify_selected"]
    change_list_template = "admin/directory/socialaccount/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        return [
            path(
                "importar/",
                self.admin_site.admin_view(self.import_view),
                name="directory_socialaccount_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        return redirect(reverse("directory:account_import"))

    @admin.action(description=_("Verificar las cuentas seleccionadas"))
    def verify_selected(self, request: HttpRequest, queryset: QuerySet[SocialAccount]) -> None:
        done = 0
        for account in queryset:
            try:
                services.account_verify(
                    actor=request.user,  # type: ignore[arg-type]
                    account=account,
                    evidence=str(_("Verificada desde la administración")),
                )
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{account}: {' '.join(exc.messages)}", messages.ERROR)
        if done:
            self.message_user(request, _("%(n)s cuentas verificadas.") % {"n": done})


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "entity", "role", "started_at", "ended_at")
    list_filter = ("role",)
    raw_id_fields = ("user", "entity")
    search_fields = ("user__username", "entity__code", "entity__name")


@admin.register(VisitCount)
class VisitCountAdmin(admin.ModelAdmin):
    list_display = ("key", "day", "count")
    search_fields = ("key",)


@admin.register(FakeAccountReport)
class FakeAccountReportAdmin(admin.ModelAdmin):
    """Read-only: reports are decided in the rector's queue (/equipo/cuentas/falsas/), where
    every decision is audited."""

    list_display = ("__str__", "entity", "status", "created_at", "decided_at", "is_demo")
    list_filter = ("status", "platform", "is_demo")
    search_fields = ("handle_key", "reported_url", "entity__name", "entity__code")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
