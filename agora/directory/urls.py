from django.urls import path

from agora.directory import views, views_fakes

app_name = "directory"

urlpatterns = [
    path("", views.home, name="home"),
    path("directorio/", views.directory_index, name="index"),
    path("directorio/verificar/", views.account_lookup, name="lookup"),
    path("directorio/verificar/reportar/", views_fakes.fake_report, name="lookup_report"),
    path(
        "directorio/verificar/reportes/<str:token>/",
        views_fakes.fake_report_status,
        name="lookup_report_status",
    ),
    path("directorio/verificar/cuentas-falsas/", views_fakes.fake_list, name="lookup_fakes"),
    path("directorio/<slug:code>/", views.entity_detail, name="entity"),
    path("datos/", views.opendata_index, name="opendata"),
    path("datos/data.json", views.opendata_catalog, name="opendata_catalog"),
    path("datos/directorio.csv", views.opendata_csv, name="opendata_csv"),
    path("datos/directorio.json", views.opendata_json, name="opendata_json"),
    path("datos/directorio-popolo.json", views.opendata_popolo, name="opendata_popolo"),
    path("equipo/", views.staff_home, name="staff_home"),
    path("equipo/cuentas/nueva/", views.account_propose, name="account_propose"),
    path("equipo/cuentas/verificacion/", views.verification_queue, name="verification_queue"),
    path("equipo/cuentas/importar/", views.account_import, name="account_import"),
    path("equipo/cuentas/falsas/", views_fakes.fake_queue, name="fake_queue"),
]
