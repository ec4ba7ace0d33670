"""Every API error is Spanish JSON (issue 17, point 3): an object that does not exist is a 404
whose detail is Spanish, not Django's «No X matches the given query.»."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/plans/1999/",
        "/api/v1/commitments/ZZ9999/",
        "/api/v1/consultations/no-existe/",
        "/api/v1/forums/no-existe/",
        "/api/v1/forum-sessions/999999/",
        "/api/v1/agreements/999999/",
        "/api/v1/accounts/999999/",
        "/api/v1/entities/no-existe/",
    ],
)
def test_a_missing_object_is_a_spanish_404(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "No encontrado."}


def test_too_many_requests_is_a_spanish_429_without_english(
    client: Client, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import cache
    from rest_framework.throttling import AnonRateThrottle

    cache.clear()
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    for _ in range(2):
        assert client.get("/api/v1/entities/").status_code == 200
    response = client.get("/api/v1/entities/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    detail = response.json()["detail"]
    assert "throttled" not in detail.lower()
    assert detail.startswith("Demasiadas solicitudes seguidas desde su conexión")
    assert "segundos" in detail
