"""Allies: the citizens whose messages to an entity were most often constructive, for the
entity's managers and the rector office only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import count

import pytest

from agora.core.errors import PermissionDeniedError
from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import services as inbox
from agora.inbox.models import Message, ThreadKind
from agora.language import allies
from tests.helpers import make_verified_account

_ids = count(1)
DAY = date(2026, 5, 4)


@pytest.fixture
def minsa_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return make_verified_account(rector, entities["minsa"], "facebook", "minsaperu", "1001")


def _message(
    account: SocialAccount,
    author: str,
    kind: str,
    flags: tuple[str, ...] = (),
    *,
    sent_at: datetime | None = None,
    name: str = "",
    is_demo: bool = False,
) -> None:
    """One citizen message, then its kind and flags set as the classifier would."""
    message_id = f"m-{next(_ids)}"
    inbox.messages_ingest(
        batch=[
            inbox.IncomingMessage(
                platform=account.platform,
                account_id=account.pk,
                thread_kind=ThreadKind.COMMENTS,
                thread_id=f"hilo-{message_id}",
                message_id=message_id,
                sent_at=sent_at or datetime(2026, 5, 4, 15, tzinfo=UTC),
                text=f"mensaje {message_id}",
                author_id=author,
                author_name=name or author.title(),
            )
        ],
        is_demo=is_demo,
    )
    Message.objects.filter(platform_message_id=message_id).update(kind=kind, flags=list(flags))


@pytest.fixture
def messages(minsa_account: SocialAccount) -> None:
    # ana: 3 constructive of 3; beto: 3 constructive of 4; caro: 1 of 2 (the suggestion insults);
    # dani: only complaints; eva: a question that is spam.
    for kind in ("sugerencia", "felicitacion", "consulta"):
        _message(minsa_account, "ana", kind)
    for kind in ("sugerencia", "sugerencia", "consulta", "queja"):
        _message(minsa_account, "beto", kind)
    _message(minsa_account, "caro", "sugerencia", ("insulto",))
    _message(minsa_account, "caro", "felicitacion", ("datos_personales",))
    _message(minsa_account, "dani", "queja")
    _message(minsa_account, "eva", "consulta", ("spam",))
    # Outside the period, and to another entity's day: not counted.
    _message(minsa_account, "dani", "sugerencia", sent_at=datetime(2026, 4, 1, 15, tzinfo=UTC))


def test_ranking_counts_and_share(
    messages: None, manager: User, entities: dict[str, Entity]
) -> None:
    rows = allies.allies_for(user=manager, entity=entities["minsa"], start=DAY, end=DAY)
    assert [(a.author_id, a.constructive, a.total) for a in rows] == [
        ("ana", 3, 3),
        ("beto", 3, 4),
        ("caro", 1, 2),
    ]
    ana, beto, caro = rows
    assert ana.percent == 100 and beto.percent == 75 and caro.percent == 50
    assert (beto.suggestions, beto.questions, beto.praise) == (2, 1, 0)
    assert ana.author_name == "Ana"


def test_period_is_in_lima_days(
    minsa_account: SocialAccount, rector: User, entities: dict[str, Entity]
) -> None:
    # 02:00 UTC on 5 May is still 4 May in Lima.
    _message(minsa_account, "ana", "sugerencia", sent_at=datetime(2026, 5, 5, 2, tzinfo=UTC))
    rows = allies.allies_for(user=rector, entity=entities["minsa"], start=DAY, end=DAY)
    assert [a.author_id for a in rows] == ["ana"]
    assert (
        allies.allies_for(
            user=rector, entity=entities["minsa"], start=date(2026, 5, 5), end=date(2026, 5, 5)
        )
        == []
    )


def test_demo_citizens_are_marked(
    minsa_account: SocialAccount, rector: User, entities: dict[str, Entity]
) -> None:
    _message(minsa_account, "demo-1", "felicitacion", is_demo=True)
    _message(minsa_account, "real-1", "felicitacion")
    rows = {
        a.author_id: a
        for a in allies.allies_for(user=rector, entity=entities["minsa"], start=DAY, end=DAY)
    }
    assert rows["demo-1"].is_demo and not rows["real-1"].is_demo


@pytest.mark.parametrize("who", ["communicator", "other_manager"])
def test_communicators_and_other_entities_are_refused(
    messages: None, who: str, request: pytest.FixtureRequest, entities: dict[str, Entity]
) -> None:
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDeniedError):
        allies.allies_for(user=user, entity=entities["minsa"], start=DAY, end=DAY)


def test_who_may_see_which_entities(
    manager: User,
    communicator: User,
    other_manager: User,
    rector: User,
    entities: dict[str, Entity],
) -> None:
    assert [e.code for e in allies.allies_entities(user=manager)] == ["minsa"]
    assert allies.allies_entities(user=communicator) == []
    assert [e.code for e in allies.allies_entities(user=other_manager)] == ["sunat"]
    assert len(allies.allies_entities(user=rector)) == len(entities)


def test_constructive_rule() -> None:
    assert allies.is_constructive("consulta", [])
    assert allies.is_constructive("felicitacion", ["datos_personales"])
    assert not allies.is_constructive("sugerencia", ["amenaza"])
    assert not allies.is_constructive("queja", [])
    assert not allies.is_constructive("", None)
