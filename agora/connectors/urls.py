"""Webhook endpoints of the connectors (included at /webhooks/)."""

from django.urls import URLPattern, path

from agora.connectors import views

app_name = "connectors"

urlpatterns: list[URLPattern] = [
    path("meta/", views.meta_webhook, name="meta_webhook"),
]
