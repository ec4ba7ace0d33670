"""Webhook endpoints of the connectors: thin, they check the request and hand the body to the
platform module. Meta answers 200 only after the events are committed."""

from __future__ import annotations

import hashlib
import hmac
import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from agora.connectors import meta
from agora.core.metrics import webhook_counted

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "HTTP_X_HUB_SIGNATURE_256"


def _text(body: str, status: int) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


def _handshake(request: HttpRequest) -> HttpResponse:
    mode = request.GET.get("hub.mode", "")
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    if not (mode and token and challenge):
        return _text(_("Faltan los parámetros hub.mode, hub.verify_token o hub.challenge."), 400)
    if mode != "subscribe":
        return _text(_("hub.mode debe ser «subscribe»."), 400)
    expected = settings.META_VERIFY_TOKEN
    if not expected or not hmac.compare_digest(
        token.encode("utf-8", "replace"), expected.encode("utf-8")
    ):
        return _text(_("El token de verificación no es válido."), 403)
    # text/plain (and nosniff from SecurityMiddleware): the echo cannot run as a page.
    return _text(challenge, 200)


def signature_valid(raw: bytes, header: str, secret: str) -> bool:
    """X-Hub-Signature-256 is "sha256=" and the HMAC-SHA256 of the raw body in hex."""
    if not (secret and header):
        return False
    expected = "sha256=" + hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(
        header.strip().lower().encode("utf-8", "replace"), expected.encode("ascii")
    )


def _read_body(request: HttpRequest) -> bytes | None:
    """The body, or None when it is larger than WEBHOOK_MAX_BYTES."""
    limit = settings.WEBHOOK_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None
    raw = request.read(limit + 1)
    return None if len(raw) > limit else raw


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _handshake(request)
    raw = _read_body(request)
    if raw is None:
        webhook_counted("meta", "demasiado_grande")
        return _text(_("El contenido supera el tamaño máximo permitido (1 MB)."), 413)
    if not settings.META_APP_SECRET:
        log.error("meta webhook: AGORA_META_APP_SECRET no está configurado")
        webhook_counted("meta", "sin_configurar")
        return _text(_("El webhook de Meta no está configurado."), 403)
    if not signature_valid(raw, request.META.get(SIGNATURE_HEADER, ""), settings.META_APP_SECRET):
        webhook_counted("meta", "firma_invalida")
        return _text(_("La firma X-Hub-Signature-256 no es válida."), 403)
    try:
        result = meta.handle_webhook_body(raw)
    except meta.MetaPayloadError as exc:
        webhook_counted("meta", "invalido")
        return _text(exc.messages[0], 400)
    except DatabaseError:
        # Nothing was committed: a non-2xx answer makes Meta deliver the body again.
        log.exception("meta webhook: error de base de datos")
        webhook_counted("meta", "error_base_de_datos")
        return _text(_("No se pudo guardar el evento; inténtelo de nuevo."), 500)
    webhook_counted("meta", "aceptado")
    log.debug(
        "meta webhook: %d nuevos, %d editados, %d borrados, %d en cuarentena",
        result.ingest.created,
        result.ingest.edited,
        result.ingest.deleted,
        result.quarantined,
    )
    return _text("EVENT_RECEIVED", 200)
