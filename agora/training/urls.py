"""Pages of the training registry (under /capacitacion/)."""

from django.urls import URLPattern, URLResolver, path

from agora.training import views

app_name = "training"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.public_page, name="public"),
    path("cobertura.csv", views.coverage_csv, name="coverage_csv"),
    path("materiales/<int:pk>/", views.material_file, name="material_file"),
    path("gestion/", views.staff_index, name="staff_index"),
    path("gestion/nuevo/", views.session_new, name="session_new"),
    path("gestion/<int:pk>/", views.session_detail, name="session"),
    path("gestion/<int:pk>/editar/", views.session_edit, name="session_edit"),
    path("gestion/<int:pk>/asistencia/", views.attendance_add, name="attendance_add"),
    path("gestion/<int:pk>/materiales/", views.material_add, name="material_add"),
    path("gestion/asistencia/<int:pk>/retirar/", views.attendance_remove, name="attendance_remove"),
    path("gestion/materiales/<int:pk>/retirar/", views.material_remove, name="material_remove"),
]
