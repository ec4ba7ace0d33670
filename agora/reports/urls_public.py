"""Public pages of the reports app: the scoreboard at /indicadores/."""

from django.urls import URLPattern, URLResolver, path

from agora.reports import views, views_public

app_name = "indicators"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.scoreboard_page, name="scoreboard"),
    path("indicadores.csv", views.scoreboard_csv, name="csv"),
    path("metodologia/", views.methodology, name="methodology"),
    path("entidad/<slug:code>/", views_public.entity_page, name="entity"),
]
