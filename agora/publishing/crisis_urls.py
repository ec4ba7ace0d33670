"""The crisis manual and crisis mode under /publicaciones/crisis/."""

from django.urls import path

from agora.publishing import crisis_views

app_name = "publishing_crisis"

urlpatterns = [
    path("", crisis_views.crisis_index, name="index"),
    path("<slug:code>/", crisis_views.crisis_detail, name="detail"),
    path("<slug:code>/abrir/", crisis_views.crisis_open, name="open"),
    path("<slug:code>/cerrar/", crisis_views.crisis_close, name="close"),
    path("<slug:code>/reanudar/", crisis_views.posts_resume, name="resume"),
    path("<slug:code>/pasos/<int:step_pk>/hecho/", crisis_views.step_done, name="step_done"),
    path("<slug:code>/manual/", crisis_views.manual_edit, name="manual"),
]
