"""Administration of the language module: watch-lists and their matches, read-only (lists are
written on their pages, through the services that validate, check permissions and audit)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from agora.language.models import WatchList, WatchMatch


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WatchList)
class WatchListAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["name", "entity", "is_active", "revision", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "queries", "entity__name", "entity__code"]


@admin.register(WatchMatch)
class WatchMatchAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["watch_list", "entity", "message", "matched_at", "is_demo"]
    list_filter = ["is_demo"]
    date_hierarchy = "matched_at"
