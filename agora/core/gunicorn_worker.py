"""gunicorn's worker with its own error pages in Spanish (issue #17: a request line or headers
too long, or a malformed request, are answered by gunicorn before Django sees the request, with
an English page). ``scripts/web.sh`` starts gunicorn with
``--worker-class agora.core.gunicorn_worker.SpanishThreadWorker``; the status line keeps the
standard reason phrase, the page a person reads is Spanish."""

from __future__ import annotations

import html
import socket

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

_PAGES: dict[int, tuple[str, str]] = {
    400: (
        "Solicitud no válida",
        "El navegador envió una solicitud que el servidor no puede leer (por ejemplo, una "
        "dirección demasiado larga o con caracteres no permitidos). Vuelva a la página "
        "anterior o abra la portada de Ágora.",
    ),
    403: (
        "Acceso no permitido",
        "El servidor no acepta esta solicitud.",
    ),
    431: (
        "Encabezados demasiado grandes",
        "El navegador envió encabezados demasiado grandes (a veces, demasiadas cookies). "
        "Borre las cookies de este sitio y vuelva a intentarlo.",
    ),
    500: (
        "Ocurrió un error",
        "No pudimos atender su solicitud. Inténtelo nuevamente en unos minutos.",
    ),
    501: (
        "Solicitud no admitida",
        "El servidor no admite la forma en que se envió esta solicitud.",
    ),
}


def spanish_error(status: int) -> bytes:
    """The page of ``status`` (a 400 page for any other), as UTF-8 HTML."""
    title, text = _PAGES.get(status, _PAGES[400])
    page = (
        '<!DOCTYPE html>\n<html lang="es-PE"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} · Ágora</title></head>\n"
        f"<body><main><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
        '<p><a href="/">Ir a la portada de Ágora</a></p></main></body></html>\n'
    )
    return page.encode("utf-8")


def write_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """``gunicorn.util.write_error`` with the Spanish page (``mesg``, gunicorn's English
    detail, goes only to its log)."""
    body = spanish_error(status_int)
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: text/html; charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin1") + body)


# gunicorn's workers call ``util.write_error`` by name: replaced once, for every thread.
util.write_error = write_error


class SpanishThreadWorker(ThreadWorker):
    """gunicorn's threaded worker (``gthread``) whose error pages are Spanish."""
