"""The site's public address, the one base of every link that leaves Ágora (e-mails, feeds).

A link in an e-mail cannot be relative and must not depend on which server or port the request
came through: it is built from ``AGORA_BASE_URL`` (``agora check --deploy`` refuses a production
set-up without it)."""

from __future__ import annotations

from django.conf import settings


def site_url(path: str = "/") -> str:
    """``path`` (absolute, as ``reverse`` gives it) on the configured public address."""
    base = str(settings.AGORA_BASE_URL).rstrip("/")
    if not path.startswith("/"):
        path = "/" + path
    return base + path
