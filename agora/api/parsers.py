"""The API's JSON parser: a body that is not JSON, or is nested deeper than any request of
the API needs, is a 400 with a Spanish message (issue 17), never a 500 or DRF's English."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request of the API is nested more than a few levels; a deeper body is refused before
# Python's decoder would recurse into it.
MAX_DEPTH = 32


def _too_deep(text: str) -> bool:
    depth = 0
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


class SpanishJSONParser(JSONParser):
    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        context = parser_context or {}
        encoding = context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError:
            raise ParseError(_("El cuerpo no está codificado en UTF-8.")) from None
        if _too_deep(text):
            raise ParseError(
                _("El JSON tiene demasiados niveles anidados (máximo %(n)s).") % {"n": MAX_DEPTH}
            )
        try:
            return json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            raise ParseError(_("El cuerpo no es JSON válido.")) from None


def _refuse_constant(name: str) -> None:
    raise ValueError(f"constante no válida: {name}")
