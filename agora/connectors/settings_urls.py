"""The entity settings area of managers and rector staff (included at /entidad/)."""

from django.urls import URLPattern, path

from agora.connectors import settings_views as views

app_name = "entity_settings"

urlpatterns: list[URLPattern] = [
    path("configuracion/", views.settings_index, name="index"),
    path("<slug:code>/configuracion/", views.settings_page, name="page"),
    path(
        "<slug:code>/configuracion/cuentas/<int:account_pk>/credencial/",
        views.credential_save,
        name="credential",
    ),
    path(
        "<slug:code>/configuracion/cuentas/<int:account_pk>/actualizacion/",
        views.refresh_token_save,
        name="refresh_token",
    ),
    path(
        "<slug:code>/configuracion/cuentas/<int:account_pk>/actualizacion/quitar/",
        views.refresh_token_remove,
        name="refresh_token_remove",
    ),
    path(
        "<slug:code>/configuracion/cuentas/<int:account_pk>/accesos/",
        views.access_add,
        name="access_add",
    ),
    path(
        "<slug:code>/configuracion/prioridad/",
        views.triage_save,
        name="triage",
    ),
    path(
        "<slug:code>/configuracion/accesos/<int:access_pk>/retirar/",
        views.access_remove,
        name="access_remove",
    ),
    path(
        "<slug:code>/configuracion/contrasenas/<int:flag_pk>/confirmar/",
        views.flag_confirm,
        name="flag_confirm",
    ),
    path("<slug:code>/configuracion/plazos/", views.policy_save, name="policy"),
    path("<slug:code>/configuracion/plazos/restablecer/", views.policy_reset, name="policy_reset"),
]
