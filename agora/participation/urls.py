"""Pages of the participation app, under /participa/."""

from django.urls import URLPattern, URLResolver, path

from agora.participation import views, views_account

app_name = "participation"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("calendario/", views.calendar, name="calendar"),
    path("calendario.ics", views.calendar_ics, name="calendar_ics"),
    path("suscripcion/", views.subscribe, name="subscribe"),
    path(
        "suscripcion/confirmar/<str:token>/",
        views.subscription_confirm,
        name="subscription_confirm",
    ),
    path("suscripcion/baja/<str:token>/", views.subscription_cancel, name="subscription_cancel"),
    path("registro/", views.register, name="register"),
    path("verificar/reenviar/", views.verification_resend, name="verification_resend"),
    path("verificar/<str:token>/", views.verify, name="verify"),
    path("mis-datos/", views_account.my_data, name="my_data"),
    path("mis-datos/descargar.json", views_account.my_data_download, name="my_data_download"),
    path("mis-datos/eliminar/", views_account.my_data_delete, name="my_data_delete"),
    path("foros/<slug:slug>/", views.forum_detail, name="forum_detail"),
    path("foros/<slug:slug>/acuerdos/", views.agreements, name="agreements"),
    path("foros/<slug:slug>/evaluacion/", views.evaluation, name="evaluation"),
    path("foros/<slug:slug>/solicitar/", views.admission_request, name="admission_request"),
    path("foros/<slug:slug>/gestion/", views.forum_manage, name="forum_manage"),
    path(
        "foros/<slug:slug>/gestion/acuerdos/<int:number>/",
        views.agreement_edit,
        name="agreement_edit",
    ),
    path(
        "foros/<slug:slug>/solicitudes/documentos/<int:pk>/",
        views.admission_document,
        name="admission_document",
    ),
    path("foros/<slug:slug>/sesiones/<int:number>/", views.session_detail, name="session_detail"),
    path(
        "foros/<slug:slug>/sesiones/<int:number>/gestion/",
        views.session_manage,
        name="session_manage",
    ),
    path("consultas/", views.consultations, name="consultations"),
    path("consultas/nueva/", views.consultation_new, name="consultation_new"),
    path("consultas/<slug:slug>/", views.consultation_detail, name="consultation_detail"),
    path(
        "consultas/<slug:slug>/comentar/", views.consultation_comment, name="consultation_comment"
    ),
    path("consultas/<slug:slug>/informe/", views.consultation_report, name="consultation_report"),
    path(
        "consultas/<slug:slug>/informe.csv",
        views.consultation_report_csv,
        name="consultation_report_csv",
    ),
    path(
        "consultas/<slug:slug>/informe.pdf",
        views.consultation_report_pdf,
        name="consultation_report_pdf",
    ),
    path(
        "consultas/<slug:slug>/version/<int:number>/",
        views.consultation_version,
        name="consultation_version",
    ),
    path("consultas/<slug:slug>/gestion/", views.consultation_manage, name="consultation_manage"),
]
