"""Staff inbox under /bandeja/ and its public methodology page."""

from django.urls import path

from agora.inbox import (
    moderation_views,
    reply_approval_views,
    views,
    views_bulk,
    views_canned,
    views_live,
    views_send,
    views_triage,
)

app_name = "inbox"

urlpatterns = [
    path("", views.inbox_list, name="list"),
    path("exportar.csv", views.inbox_export, name="export"),
    path("notificaciones/", views.notification_list, name="notifications"),
    path("metodologia/", views.methodology, name="methodology"),
    path("respuestas/", views_canned.canned_list, name="canned_list"),
    path("respuestas/nueva/", views_canned.canned_create, name="canned_create"),
    path("respuestas/<int:pk>/editar/", views_canned.canned_edit, name="canned_edit"),
    path("respuestas/<int:pk>/archivar/", views_canned.canned_archive, name="canned_archive"),
    path("respuestas/<int:pk>/restaurar/", views_canned.canned_restore, name="canned_restore"),
    path("en-bloque/", views_bulk.conversations_bulk, name="bulk"),
    path("en-vivo/", views_live.list_changes, name="live_list"),
    path("<int:pk>/en-vivo/", views_live.conversation_changes, name="live_conversation"),
    path("<int:pk>/", views.conversation_detail, name="detail"),
    path("<int:pk>/respuesta-aprobada/", views.canned_answer_fill, name="canned_fill"),
    path("<int:pk>/responder/", views.conversation_answer, name="answer"),
    path("<int:pk>/nota/", views.conversation_note, name="note"),
    path("<int:pk>/asignar/", views.conversation_assign, name="assign"),
    path("<int:pk>/estado/", views.conversation_status, name="status"),
    path("<int:pk>/prioridad/", views.conversation_priority, name="priority"),
    path("<int:pk>/etiquetas/", views.conversation_labels, name="labels"),
    path("<int:pk>/escalar/", views_triage.conversation_escalate_view, name="escalate"),
    path(
        "<int:pk>/mensajes/<int:message_pk>/ocultar/",
        moderation_views.message_hide,
        name="message_hide",
    ),
    path(
        "<int:pk>/mensajes/<int:message_pk>/mostrar/",
        moderation_views.message_show,
        name="message_show",
    ),
    path(
        "<int:pk>/mensajes/<int:message_pk>/reintentar/",
        views_send.message_retry,
        name="send_retry",
    ),
    path(
        "<int:pk>/mensajes/<int:message_pk>/publicada/",
        views_send.message_confirm,
        name="send_confirm",
    ),
    path(
        "<int:pk>/mensajes/<int:message_pk>/aprobar/",
        reply_approval_views.reply_approve,
        name="reply_approve",
    ),
    path(
        "<int:pk>/mensajes/<int:message_pk>/devolver/",
        reply_approval_views.reply_return,
        name="reply_return",
    ),
    path("alertas/", moderation_views.threat_alerts, name="alerts"),
    path(
        "alertas/<int:alert_pk>/atender/",
        moderation_views.threat_alert_attend,
        name="alert_attend",
    ),
    path(
        "moderacion/<slug:code>/",
        moderation_views.moderation_settings,
        name="moderation_settings",
    ),
]
