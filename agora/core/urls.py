"""Sign-in with a second factor (django-two-factor-auth's views under Spanish paths).

The namespace stays ``two_factor`` because the library's views reverse their own names.
"""

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

urlpatterns = [
    path("ingresar/", LoginView.as_view(), name="login"),
    path("doble-factor/configurar/", SetupView.as_view(), name="setup"),
    path("doble-factor/qr/", QRGeneratorView.as_view(), name="qr"),
    path("doble-factor/listo/", SetupCompleteView.as_view(), name="setup_complete"),
    path("doble-factor/codigos/", BackupTokensView.as_view(), name="backup_tokens"),
    path("doble-factor/", ProfileView.as_view(), name="profile"),
    path("doble-factor/desactivar/", DisableView.as_view(), name="disable"),
]
