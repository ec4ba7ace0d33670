from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict[str, object]:
    """Flags every template needs: whether demo data is shown."""
    return {"DEMO_MODE": settings.DEMO_MODE}
