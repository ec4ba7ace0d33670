"""Ágora's URL map: public pages in Spanish paths, staff under /equipo/, API under /api/v1/."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from agora.core import metrics, observability

admin.site.site_header = _("Administración de Ágora")
admin.site.site_title = _("Ágora")
admin.site.index_title = _("Administración")


def _admin_login(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """The admin signs in through the same two-factor login as every staff page."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:index")
    return auth_views.redirect_to_login(target, "two_factor:login")


admin.site.login = _admin_login  # type: ignore[method-assign]


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links: the site's icon."""
    return HttpResponsePermanentRedirect(static("agora/favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon),
    path("", include("agora.directory.urls")),
    path("api/v1/", include("agora.api.urls")),
    path("bandeja/", include("agora.inbox.urls")),
    path("bandeja/", include("agora.language.inbox_urls")),
    path("webhooks/", include("agora.connectors.urls")),
    path("sandbox/", include("agora.connectors.sandbox_urls")),
    path("entidad/", include("agora.connectors.settings_urls")),
    path("lenguaje/", include("agora.language.urls")),
    path("indicadores/", include("agora.reports.urls_public")),
    path("informes/", include("agora.reports.urls")),
    path("participa/", include("agora.participation.urls")),
    path("compromisos/", include("agora.commitments.urls")),
    path("publicaciones/crisis/", include("agora.publishing.crisis_urls")),
    path("publicaciones/", include("agora.publishing.urls")),
    path("capacitacion/", include("agora.training.urls")),
    path("cuenta/", include("agora.core.urls")),
    path("cuenta/", include("agora.core.account_urls")),
    path("salir/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("salud/", observability.alive, name="health_alive"),
    path("salud/lista/", observability.ready, name="health_ready"),
    path("metricas/", metrics.metrics_view, name="metrics"),
]
