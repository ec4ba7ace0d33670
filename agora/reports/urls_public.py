"""Public pages of the reports app: the scoreboard at /indicadores/."""

from django.urls import URLPattern, URLResolver

app_name = "indicators"
urlpatterns: list[URLPattern | URLResolver] = []
