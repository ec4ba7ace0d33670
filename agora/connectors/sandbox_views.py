"""Pages of the sandbox platform (demo only): its Graph API under /sandbox/graph/ and the list
of what was published on it at /sandbox/. Both answer 404 while the sandbox is off."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from agora.connectors import sandbox
from agora.connectors.models import SandboxPublication

PAGE_SIZE = 50


def _enabled() -> None:
    if not settings.SANDBOX_ENABLED:
        raise Http404


def _graph_error(status: int, code: int, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"message": message, "type": "SandboxException", "code": code}}, status=status
    )


@csrf_exempt
@require_POST
def graph(request: HttpRequest, path: str) -> HttpResponse:
    """The Graph API calls of the Meta connector, for demo accounts with a sandbox token."""
    _enabled()
    account = sandbox.account_for_token(request.META.get("HTTP_AUTHORIZATION", ""))
    if account is None:
        return _graph_error(401, 190, "Token de la plataforma de prueba no válido.")
    try:
        body: Any = json.loads(request.body or b"{}")
    except ValueError:
        return _graph_error(400, 100, "El contenido no es JSON válido.")
    if not isinstance(body, dict):
        return _graph_error(400, 100, "El contenido debe ser un objeto JSON.")
    try:
        answer = sandbox.graph_publish(account=account, path=path, body=body)
    except sandbox.SandboxRefused as exc:
        return _graph_error(exc.status, exc.code, str(exc))
    return JsonResponse(answer)


@login_required
@never_cache
@require_GET
def publications(request: HttpRequest) -> HttpResponse:
    """What was published on the sandbox, newest first (demo data only)."""
    _enabled()
    rows = list(SandboxPublication.objects.select_related("account")[:PAGE_SIZE])
    return render(request, "connectors/sandbox.html", {"publications": rows})
