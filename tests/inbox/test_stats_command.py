"""``agora inbox_stats``: conversations per entity and status, as a table or a JSON object."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox.models import Status, ThreadKind
from agora.inbox.services import IncomingMessage, messages_ingest
from tests.helpers import make_verified_account


def _event(account: SocialAccount, thread: str, message: str, *, hour: int, answer: bool = False):
    return IncomingMessage(
        platform="facebook",
        account_id=account.pk,
        thread_kind=ThreadKind.COMMENTS,
        thread_id=thread,
        message_id=message,
        sent_at=datetime(2025, 3, 3, hour, tzinfo=UTC),
        text="Respuesta" if answer else "Consulta",
        author_id=account.platform_id if answer else "ciudadano",
    )


@pytest.fixture
def inbox(rector: User, entities: dict[str, Entity]) -> None:
    """MINSA: two conversations, one answered; SUNAT: one new conversation."""
    minsa = make_verified_account(rector, entities["minsa"], "facebook", "minsaperu", "2002")
    sunat = make_verified_account(rector, entities["sunat"], "facebook", "sunatperu", "5005")
    messages_ingest(
        batch=[
            _event(minsa, "p1", "m1", hour=14),
            _event(minsa, "p1", "m2", hour=15, answer=True),
            _event(minsa, "p2", "m3", hour=16),
            _event(sunat, "s1", "s1", hour=14),
        ]
    )


def _run(*args: str) -> str:
    out = StringIO()
    call_command("inbox_stats", *args, stdout=out)
    return out.getvalue()


def test_json_counts_per_entity_and_status(inbox: None) -> None:
    data = json.loads(_run("--json"))
    assert data["estados"] == Status.values
    by_code = {row["codigo"]: row for row in data["entidades"]}
    assert set(by_code) == {"minsa", "sunat"}
    assert by_code["minsa"]["estados"]["respondido"] == 1
    assert by_code["minsa"]["estados"]["nuevo"] == 1
    assert by_code["minsa"]["total"] == 2
    assert by_code["minsa"]["mensajes"] == 3
    assert by_code["sunat"]["estados"] == {**dict.fromkeys(Status.values, 0), "nuevo": 1}
    assert data["totales"]["estados"]["nuevo"] == 2
    assert data["totales"]["total"] == 3


def test_entity_filter(inbox: None, entities: dict[str, Entity]) -> None:
    data = json.loads(_run("--entity", "sunat", "--json"))
    assert [row["codigo"] for row in data["entidades"]] == ["sunat"]
    # An entity without conversations still gets its row of zeros.
    data = json.loads(_run("--entity", "pcm", "--json"))
    assert data["entidades"][0]["total"] == 0
    with pytest.raises(CommandError, match="No existe la entidad con el código «nada»"):
        _run("--entity", "nada")


def test_plain_table(inbox: None) -> None:
    lines = _run().splitlines()
    assert lines[0].split() == ["entidad", *Status.values, "total", "vencidas", "mensajes"]
    assert lines[2].split()[0] == "minsa"
    assert lines[-1].split()[0] == "TOTAL"
    assert lines[-1].split()[-3] == "3"


def test_empty_inbox(db: None) -> None:
    data = json.loads(_run("--json"))
    assert data["entidades"] == []
    assert data["totales"]["total"] == 0
