"""Issue 14, point 5: ``agora ingest`` reports every line or item it could not take, with its
number and a Spanish reason, and exits non-zero when it took nothing; ``--account`` names the
account an X or YouTube file belongs to (by id or handle), refused clearly when unknown or of
another platform. Shapes: tests/connectors/payloads/ids_payloads.py."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox.models import Conversation, Message
from tests.connectors.payloads.ids_payloads import (
    X_ENTITY_HANDLE,
    X_ENTITY_ID,
    YT_CHANNEL,
    x_page,
    x_post,
    yt_comment,
    yt_page,
    yt_thread,
)
from tests.helpers import make_verified_account

T1, T2 = "1786000000000000001", "1786000000000000002"


@pytest.fixture
def accounts(rector: User, entities: dict[str, Entity]) -> dict[str, SocialAccount]:
    minsa = entities["minsa"]
    return {
        "x": make_verified_account(rector, minsa, "x", f"@{X_ENTITY_HANDLE}", X_ENTITY_ID),
        "yt": make_verified_account(rector, minsa, "youtube", "@minsa.oficial", YT_CHANNEL),
    }


def _ingest(*args: str) -> tuple[str, str, int]:
    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command("ingest", *args, stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
        code = exc.returncode
    return out.getvalue(), err.getvalue(), code


def _jsonl(tmp_path: Path, pages: list[dict[str, Any]], name: str = "f.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(p) for p in pages) + "\n", encoding="utf-8")
    return path


def _mention(post_id: str, **extra: Any) -> dict[str, Any]:
    return x_post(post_id, f"@{X_ENTITY_HANDLE} ¿Atienden hoy?", **extra)


def test_an_x_page_without_created_at_is_reported_and_fails(
    tmp_path: Path, accounts: dict[str, SocialAccount]
) -> None:
    """It was skipped silently before ("0 creados … 0 errores", exit 0)."""
    path = _jsonl(tmp_path, [x_page([_mention(T1, created_at=None)])])
    out, err, code = _ingest("--platform", "x", "--input", str(path))
    assert code == 1
    assert "0 creados" in out and "1 errores" in out
    assert f"Línea 1: elemento 1 de «data» (publicación {T1}): no tiene «created_at»" in err
    assert "No se importó ningún mensaje" in err
    assert not Message.objects.exists()


def test_the_good_posts_of_a_page_are_taken_and_the_bad_one_reported(
    tmp_path: Path, accounts: dict[str, SocialAccount]
) -> None:
    path = _jsonl(
        tmp_path,
        [x_page([_mention(T2), _mention(T1, created_at="ayer"), {"text": "sin id"}])],
    )
    out, err, code = _ingest("--platform", "x", "--input", str(path), "--account", X_ENTITY_ID)
    assert code == 1
    assert "1 creados" in out and "2 errores" in out
    assert "Línea 1: elemento 2 de «data»" in err and "no válida" in err
    assert "Línea 1: elemento 3 de «data»: no tiene «id»." in err
    assert "las demás se importaron" in err
    assert Message.objects.get().platform_message_id == T2


def test_a_youtube_page_without_channel_id_works_with_account(
    tmp_path: Path, accounts: dict[str, SocialAccount]
) -> None:
    top = yt_comment("UgyTop1", "¿Y el horario?", published="2024-05-02T10:00:00Z")
    path = _jsonl(tmp_path, [yt_page([yt_thread(top, channel=None)])])
    _out, err, code = _ingest("--platform", "youtube", "--input", str(path))
    assert code == 1
    assert "Línea 1: elemento 1 de «items»: el hilo no tiene «snippet.channelId»" in err
    assert "--account" in err
    assert not Message.objects.exists()

    for reference in ("@minsa.oficial", YT_CHANNEL):
        _out, err, code = _ingest(
            "--platform", "youtube", "--input", str(path), "--account", reference
        )
        assert code == 0, err
    conv = Conversation.objects.get()
    assert (conv.account_id, conv.thread_id) == (accounts["yt"].pk, "UgyTop1")


def test_a_youtube_thread_of_another_channel_than_account_is_reported(
    tmp_path: Path, accounts: dict[str, SocialAccount]
) -> None:
    ours = yt_comment("UgyTop1", "Hola", published="2024-05-02T10:00:00Z")
    theirs = yt_comment("UgyTop2", "Hola", published="2024-05-02T10:00:00Z")
    path = _jsonl(tmp_path, [yt_page([yt_thread(ours), yt_thread(theirs, channel="UCotroCanal")])])
    out, err, code = _ingest("--platform", "youtube", "--input", str(path), "--account", YT_CHANNEL)
    assert code == 1
    assert "1 creados" in out
    assert "elemento 2 de «items»: el hilo es del canal «UCotroCanal»" in err


@pytest.mark.parametrize(
    ("platform", "reference", "message"),
    [
        ("youtube", "@nadie", "Cuenta desconocida «@nadie»"),
        ("youtube", f"@{X_ENTITY_HANDLE}", "es de X (antes Twitter), no de YouTube"),
        ("x", "@minsa.oficial", "es de YouTube, no de X (antes Twitter)"),
        ("meta", X_ENTITY_ID, "--account solo se usa con --platform x o youtube"),
    ],
)
def test_a_wrong_account_is_refused_before_reading(
    tmp_path: Path,
    accounts: dict[str, SocialAccount],
    platform: str,
    reference: str,
    message: str,
) -> None:
    path = _jsonl(tmp_path, [x_page([_mention(T1)])])
    _out, err, code = _ingest("--platform", platform, "--input", str(path), "--account", reference)
    assert code == 1
    assert message in err
    assert not Message.objects.exists()


def test_a_file_with_nothing_to_take_fails(
    tmp_path: Path, accounts: dict[str, SocialAccount]
) -> None:
    path = tmp_path / "vacio.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    _out, err, code = _ingest("--platform", "x", "--input", str(path))
    assert code == 1
    assert "No se importó ningún mensaje" in err


def test_a_reimport_takes_everything_again_and_succeeds(
    tmp_path: Path, accounts: dict[str, SocialAccount]
) -> None:
    path = _jsonl(tmp_path, [x_page([_mention(T1)])])
    assert _ingest("--platform", "x", "--input", str(path))[2] == 0
    out, err, code = _ingest("--platform", "x", "--input", str(path))
    assert code == 0, err
    assert "0 creados, 0 editados, 0 borrados, 1 sin cambios" in out
