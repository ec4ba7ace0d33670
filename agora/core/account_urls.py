"""Account pages that are not the two-factor sign-in: password recovery by e-mail."""

from django.urls import path

from agora.core import password_reset

app_name = "account"
urlpatterns = [
    path("clave/olvide/", password_reset.ResetRequestView.as_view(), name="password_reset"),
    path("clave/enviada/", password_reset.ResetDoneView.as_view(), name="password_reset_done"),
    path(
        "clave/nueva/<uidb64>/<token>/",
        password_reset.ResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
]
