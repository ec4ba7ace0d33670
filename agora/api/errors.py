"""API errors: domain errors become 400 with their Spanish message; a missing object is a
404 with DRF's Spanish «No encontrado.», never Django's English «No X matches the given query.»;
too many requests a 429 in plain Spanish (DRF's catalogue says «regulada (throttled)»)."""

from __future__ import annotations

import math
from typing import Any

from django.http import Http404
from django.utils.translation import ngettext
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from agora.core.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, exceptions.Throttled):
        # DRF's Spanish catalogue says «Solicitud fue regulada (throttled)».
        wait = max(1, math.ceil(getattr(exc, "wait", None) or 1))
        exc = exceptions.Throttled(
            wait=wait,
            detail=ngettext(
                "Demasiadas solicitudes seguidas desde su conexión. Vuelva a intentarlo dentro "
                "de %(n)d segundo.",
                "Demasiadas solicitudes seguidas desde su conexión. Vuelva a intentarlo dentro "
                "de %(n)d segundos.",
                wait,
            )
            % {"n": wait},
        )
    return drf_exception_handler(exc, context)
