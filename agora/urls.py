"""Ágora's URL map: public pages in Spanish paths, staff under /equipo/, API under /api/v1/."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Administración de Ágora")
admin.site.site_title = _("Ágora")
admin.site.index_title = _("Administración")
# The admin signs in through the same two-factor login as every staff page.
admin.site.login = lambda request, extra_context=None: auth_views.redirect_to_login(  # type: ignore[method-assign]
    request.get_full_path(), "two_factor:login"
)

urlpatterns = [
    path("", include("agora.directory.urls")),
    path("api/v1/", include("agora.api.urls")),
    path("bandeja/", include("agora.inbox.urls")),
    path("webhooks/", include("agora.connectors.urls")),
    path("cuenta/", include("agora.core.urls")),
    path("salir/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
