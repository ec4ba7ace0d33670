"""The sandbox platform (demo only), included at /sandbox/."""

from django.urls import path

from agora.connectors import sandbox_views

app_name = "sandbox"

urlpatterns = [
    path("", sandbox_views.publications, name="publications"),
    path("graph/<path:path>", sandbox_views.graph, name="graph"),
]
