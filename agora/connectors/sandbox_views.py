"""Pages of the sandbox platform (demo only): its Graph API under /sandbox/graph/, its X API
under /sandbox/x/2/, its YouTube Data API under /sandbox/youtube/v3/, and the list of what was
published on it at /sandbox/. All answer 404 while the sandbox is off."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from agora.connectors import sandbox, sandbox_polled
from agora.connectors.models import SandboxPublication
from agora.directory.models import Platform, SocialAccount

PAGE_SIZE = 50


def _enabled() -> None:
    if not settings.SANDBOX_ENABLED:
        raise Http404


def _graph_error(status: int, code: int, message: str, subcode: int | None = None) -> JsonResponse:
    error: dict[str, Any] = {"message": message, "type": "SandboxException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    return JsonResponse({"error": error}, status=status)


def _body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        body: Any = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _account(request: HttpRequest, platforms: set[str]) -> SocialAccount | None:
    account = sandbox.account_for_token(request.META.get("HTTP_AUTHORIZATION", ""))
    return account if account is not None and account.platform in platforms else None


@csrf_exempt
@require_http_methods(["GET", "POST"])
def graph(request: HttpRequest, path: str) -> HttpResponse:
    """The Graph API calls of the Meta connector, for demo accounts with a sandbox token."""
    _enabled()
    account = _account(request, {Platform.FACEBOOK, Platform.INSTAGRAM})
    if account is None:
        return _graph_error(401, 190, "Token de la plataforma de prueba no válido.")
    try:
        if request.method == "GET":
            return JsonResponse(
                sandbox.graph_read(account=account, path=path, params=request.GET.dict())
            )
        body = _body(request)
        if body is None:
            return _graph_error(400, 100, "El contenido debe ser un objeto JSON.")
        answer = sandbox.graph_publish(account=account, path=path, body=body)
    except sandbox.SandboxRefused as exc:
        return _graph_error(exc.status, exc.code, str(exc), exc.subcode)
    return JsonResponse(answer)


def _x_error(status: int, detail: str) -> JsonResponse:
    # X API v2 problem details (https://docs.x.com/x-api/fundamentals/response-codes-and-errors).
    return JsonResponse(
        {"title": "Sandbox", "detail": detail, "type": "about:blank", "status": status},
        status=status,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def x_api(request: HttpRequest, path: str) -> HttpResponse:
    """The X API v2 calls of the X connector, for demo accounts with a sandbox token."""
    _enabled()
    account = _account(request, {Platform.X})
    if account is None:
        return _x_error(401, "Token de la plataforma de prueba no válido.")
    try:
        if request.method == "GET":
            return JsonResponse(
                sandbox_polled.x_read(account=account, path=path, params=request.GET.dict())
            )
        body = _body(request)
        if body is None:
            return _x_error(400, "El contenido debe ser un objeto JSON.")
        answer = sandbox_polled.x_publish(account=account, path=path, body=body)
    except sandbox_polled.PlatformRefused as exc:
        return _x_error(exc.status, str(exc))
    return JsonResponse(answer, status=201)


def _google_error(status: int, message: str, reason: str) -> JsonResponse:
    # Google API errors (https://developers.google.com/youtube/v3/docs/errors).
    return JsonResponse(
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": "youtube.sandbox", "reason": reason}],
            }
        },
        status=status,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def youtube_api(request: HttpRequest, path: str) -> HttpResponse:
    """The YouTube Data API calls of the YouTube connector, for demo channels with a sandbox
    token."""
    _enabled()
    account = _account(request, {Platform.YOUTUBE})
    if account is None:
        return _google_error(401, "Token de la plataforma de prueba no válido.", "authError")
    params = request.GET.dict()
    try:
        if request.method == "GET":
            return JsonResponse(sandbox_polled.yt_read(account=account, path=path, params=params))
        body = _body(request)
        if body is None:
            return _google_error(400, "El contenido debe ser un objeto JSON.", "parseError")
        answer = sandbox_polled.yt_publish(account=account, path=path, params=params, body=body)
    except sandbox_polled.PlatformRefused as exc:
        return _google_error(exc.status, str(exc), exc.reason or "invalidRequest")
    return JsonResponse(answer)


@login_required
@never_cache
@require_GET
def publications(request: HttpRequest) -> HttpResponse:
    """What was published on the sandbox, newest first (demo data only)."""
    _enabled()
    rows = list(SandboxPublication.objects.select_related("account__entity")[:PAGE_SIZE])
    return render(request, "connectors/sandbox.html", {"publications": rows})
