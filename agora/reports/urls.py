"""Staff pages of the reports app, at /informes/."""

from django.urls import URLPattern, URLResolver, path

from agora.reports import views

app_name = "reports"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.run_detail, name="run"),
    path("<int:pk>/estado/", views.run_status, name="run_status"),
    path("<int:pk>/descargar.<str:fmt>", views.run_download, name="run_download"),
    path("tablero/", views.dashboard, name="dashboard"),
    path("tablero/reintentar/", views.dashboard_retry, name="dashboard_retry"),
    path("tablero/descargar.<str:fmt>", views.dashboard_export, name="dashboard_export"),
]
