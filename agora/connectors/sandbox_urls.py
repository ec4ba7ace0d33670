"""The sandbox platform (demo only), included at /sandbox/."""

from django.urls import path

from agora.connectors import sandbox_views

app_name = "sandbox"

urlpatterns = [
    path("", sandbox_views.publications, name="publications"),
    path("graph/<path:path>", sandbox_views.graph, name="graph"),
    path("x/2/<path:path>", sandbox_views.x_api, name="x"),
    path("youtube/v3/<path:path>", sandbox_views.youtube_api, name="youtube"),
]
