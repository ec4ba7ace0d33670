"""Staff pages of publishing with a plan (under /publicaciones/)."""

from django.urls import path

from agora.publishing import views

app_name = "publishing"

urlpatterns = [
    path("", views.plan_list, name="plans"),
    path("por-aprobar/", views.review_queue, name="review_queue"),
    path("entidad/<slug:code>/plan-nuevo/", views.plan_create, name="plan_create"),
    path("entidad/<slug:code>/configuracion/", views.settings_edit, name="settings"),
    path("planes/<int:pk>/", views.plan_detail, name="plan"),
    path("planes/<int:pk>/editar/", views.plan_edit, name="plan_edit"),
    path("planes/<int:pk>/nueva/", views.post_create, name="post_create"),
    path("<int:pk>/", views.post_detail, name="post"),
    path("<int:pk>/imagen/", views.post_media, name="post_media"),
    path("<int:pk>/editar/", views.post_edit, name="post_edit"),
    path("<int:pk>/revisar-lineamientos/", views.post_check, name="post_check"),
    path("<int:pk>/enviar/", views.post_submit, name="post_submit"),
    path("<int:pk>/aprobar/", views.post_approve, name="post_approve"),
    path("<int:pk>/rechazar/", views.post_reject, name="post_reject"),
]
