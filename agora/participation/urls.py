"""Pages of the participation app."""

from django.urls import URLPattern, URLResolver

app_name = "participation"
urlpatterns: list[URLPattern | URLResolver] = []
