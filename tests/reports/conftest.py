"""Fixtures of the reports tests: verified accounts of MINSA and SUNAT (shared with the inbox
tests) and a helper that writes a conversation with its answer through ``messages_ingest``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from agora.directory.models import SocialAccount
from agora.inbox import services
from agora.inbox.models import Conversation, ThreadKind
from tests.inbox.test_views import minsa_account, sunat_account

# Monday 2 March 2026, 10:00 in Lima (15:00 UTC): a working day.
MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
_ids = count(1)


def event(
    account: SocialAccount,
    *,
    thread: str,
    sent_at: datetime,
    text: str = "¿Dónde me vacuno contra la influenza?",
    from_entity: bool = False,
    author_id: str = "ciudadano-1",
    author_name: str = "Ana Pérez Quispe",
) -> services.IncomingMessage:
    return services.IncomingMessage(
        platform=account.platform,
        account_id=account.pk,
        thread_kind=ThreadKind.DIRECT,
        thread_id=thread,
        message_id=f"r-{next(_ids)}",
        sent_at=sent_at,
        text=text,
        author_id=account.platform_id if from_entity else author_id,
        author_name="" if from_entity else author_name,
        from_entity=from_entity,
    )


Talk = Callable[..., Conversation]


@pytest.fixture
def talk() -> Talk:
    """A citizen message at ``at`` and, if ``answer_after`` is given, the entity's answer
    that much later, both through ingestion as a platform would send them."""

    def make(
        account: SocialAccount,
        at: datetime = MONDAY,
        answer_after: timedelta | None = None,
        text: str = "¿Dónde me vacuno contra la influenza?",
        author_id: str = "ciudadano-1",
        author_name: str = "Ana Pérez Quispe",
    ) -> Conversation:
        thread = f"t-{next(_ids)}"
        batch = [
            event(
                account,
                thread=thread,
                sent_at=at,
                text=text,
                author_id=author_id,
                author_name=author_name,
            )
        ]
        if answer_after is not None:
            batch.append(
                event(
                    account,
                    thread=thread,
                    sent_at=at + answer_after,
                    text="Hola, gracias por escribir.",
                    from_entity=True,
                )
            )
        services.messages_ingest(batch=batch, now=at)
        return Conversation.objects.get(account=account, thread_id=thread)

    return make


__all__ = ["MONDAY", "Talk", "event", "minsa_account", "sunat_account"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Cached scoreboards of one test never reach another (the cache outlives the rollback)."""
    from django.core.cache import cache

    cache.clear()
