"""Sign-in with a second factor (django-two-factor-auth's views under Spanish paths).

The namespace stays ``two_factor`` because the library's views reverse their own names.
"""

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.urls import path
from two_factor.views import (
    BackupTokensView,
    DisableView,
    LoginView,
    ProfileView,
    QRGeneratorView,
    SetupCompleteView,
    SetupView,
)

app_name = "two_factor"


class StaffAuthenticationForm(AuthenticationForm):
    """Without autofocus: the first Tab stop must stay the skip link (WCAG 2.4.1)."""

    # ``request`` is named so that the wizard passes it on (django-axes needs it).
    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.pop("autofocus", None)


class StaffLoginView(LoginView):
    form_list = tuple(
        (step, StaffAuthenticationForm if step == LoginView.AUTH_STEP else form)
        for step, form in LoginView.form_list
    )

    def get_prefix(self, request: Any, *args: Any, **kwargs: Any) -> str:
        return "login_view"  # the library's field names, whatever this class is called


urlpatterns = [
    path("ingresar/", StaffLoginView.as_view(), name="login"),
    path("doble-factor/configurar/", SetupView.as_view(), name="setup"),
    path("doble-factor/qr/", QRGeneratorView.as_view(), name="qr"),
    path("doble-factor/listo/", SetupCompleteView.as_view(), name="setup_complete"),
    path("doble-factor/codigos/", BackupTokensView.as_view(), name="backup_tokens"),
    path("doble-factor/", ProfileView.as_view(), name="profile"),
    path("doble-factor/desactivar/", DisableView.as_view(), name="disable"),
]
