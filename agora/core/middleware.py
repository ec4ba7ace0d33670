"""Two-factor authentication is compulsory for rector staff and entity managers: without a
device they are sent to set one up; with one, back to the sign-in that asks for its code. And
what is served to a signed-in person is never cached by others (``PrivateCacheMiddleware``)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control
from django_otp import user_has_device

from agora.core.permissions import user_requires_2fa

_ALLOWED_PREFIXES = ("/cuenta/", "/static/", "/salir/")


class RequireTwoFactorMiddleware:
    """Sends a signed-in user who must use 2FA, and has not, to set it up or verify it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and user_requires_2fa(user)
            and not user.is_verified()  # type: ignore[attr-defined]
        ):
            if user_has_device(user):
                # Signed in without the code they already have: sign in again, fully.
                logout(request)
                return redirect_to_login(request.get_full_path(), "two_factor:login")
            return redirect("two_factor:setup")
        return self.get_response(request)


class PrivateCacheMiddleware:
    """Nothing served to a signed-in person is kept by a shared cache or the browser's disk
    (issue 17): staff pages, reports and downloads carry citizens' data (Ley 29733), and a
    citizen's own pages are theirs. Anonymous public pages keep their own caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
