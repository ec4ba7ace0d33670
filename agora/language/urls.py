"""Pages of the language module: watch-lists, allies and the taxonomy help page."""

from django.urls import URLPattern, URLResolver, path

from agora.language import views, views_labelling

app_name = "language"
urlpatterns: list[URLPattern | URLResolver] = [
    path("ayuda/", views.help_page, name="help"),
    path("vigilancia/", views.watchlist_index, name="watchlists"),
    path("vigilancia/nueva/", views.watchlist_create, name="watchlist_create"),
    path("vigilancia/<int:pk>/editar/", views.watchlist_edit, name="watchlist_edit"),
    path("vigilancia/coincidencias/", views.watch_matches, name="watch_matches"),
    path("aliados/", views.allies, name="allies"),
    path("cola/", views_labelling.queue_page, name="queue"),
    path("modelos/", views_labelling.versions_page, name="versions"),
]
