"""Issue 16: Redis is a cache. While it is down (here: a port nobody listens on) a signed
webhook is stored and answered 200, the inbox list renders, and a citizen's comment passes
the rate limit, instead of a 500 on every request."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from agora.core.models import User
from agora.directory.models import SocialAccount
from agora.inbox.models import Message
from agora.settings import redis_cache
from tests.connectors.test_meta import _comment, _meta_settings, _page, _post, fb_account
from tests.helpers import login

__all__ = ["_meta_settings", "fb_account"]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def redis_down() -> Iterator[None]:
    # The production set-up's cache (agora/settings.py), on a port where nobody listens.
    caches = {"default": redis_cache(f"redis://127.0.0.1:{_closed_port()}/0", 0.2)}
    with override_settings(CACHES=caches):
        assert cache.get("cualquiera") is None  # the backend answers a miss, no error
        yield


@pytest.mark.django_db
def test_webhooks_and_the_inbox_work_while_redis_is_down(
    client: Client, fb_account: SocialAccount, communicator: User, redis_down: None
) -> None:
    response = _post(client, _page(_comment("555_1")))
    assert response.status_code == 200
    assert Message.objects.filter(platform_message_id="555_1").exists()
    page = login(client, communicator).get("/bandeja/")
    assert page.status_code == 200


@pytest.mark.django_db
def test_the_comment_rate_limit_lets_comments_through_while_redis_is_down(
    redis_down: None, django_user_model: type[User]
) -> None:
    from agora.participation.services import consultations

    citizen = django_user_model.objects.create_user(username="vecina", password="x")
    for _comment_number in range(consultations.COMMENT_RATE_LIMIT + 2):
        consultations._rate_limit(citizen)  # never raises without a cache to count in
