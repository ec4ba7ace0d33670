"""The language app's pages inside a conversation of the inbox, at the inbox's addresses
(mounted under /bandeja/ in agora/urls.py): agora/language/views_inbox.py."""

from django.urls import path

from agora.language import views_inbox

app_name = "language_inbox"

urlpatterns = [
    path(
        "<int:pk>/mensajes/<int:message_pk>/clasificacion/",
        views_inbox.message_correct,
        name="message_correct",
    ),
    path(
        "<int:pk>/mensajes/<int:message_pk>/no-es/",
        views_inbox.message_flag_dismiss,
        name="message_flag_dismiss",
    ),
]
