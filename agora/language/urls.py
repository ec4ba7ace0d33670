"""Pages of the language module: watch-lists, allies and the taxonomy help page."""

from django.urls import URLPattern, URLResolver

app_name = "language"
urlpatterns: list[URLPattern | URLResolver] = []
