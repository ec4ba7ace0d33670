"""Pages of the commitments app (under /compromisos/)."""

from django.urls import URLPattern, URLResolver, path

from agora.commitments import views

app_name = "commitments"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("metodologia/", views.methodology, name="methodology"),
    path("datos/compromisos.csv", views.export_csv, name="export_csv"),
    path("datos/compromisos.json", views.export_json, name="export_json"),
    path("planes/<int:cycle>/", views.plan_detail, name="plan"),
    path("evidencias/<int:pk>/", views.evidence_file, name="evidence"),
    path("equipo/", views.staff_home, name="staff_home"),
    path("equipo/avances/<int:pk>/", views.update_review, name="update_review"),
    path("equipo/planes/<int:cycle>/propuestas/", views.plan_proposals, name="plan_proposals"),
    path("equipo/propuestas/<int:pk>/puntaje/", views.proposal_score, name="proposal_score"),
    path("equipo/<str:code>/avance/", views.update_new, name="update_new"),
    path("equipo/<str:code>/hitos/", views.milestones_manage, name="milestones"),
    path("equipo/<str:code>/hitos/<int:pk>/", views.milestone_edit, name="milestone_edit"),
    path("<str:code>/", views.commitment_detail, name="commitment"),
]
