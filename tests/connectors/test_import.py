"""``agora ingest``: JSONL files of raw platform payloads and CSV/XLSX exports with a column
mapping. Bad lines are reported with their number and never stop the good ones; re-running a
file (even after a run killed halfway) ends with exactly the file's distinct messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError
from openpyxl import Workbook

from agora.connectors import imports
from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import services as inbox
from agora.inbox.models import Conversation, Direction, Message, QuarantinedEvent, ThreadKind
from tests.helpers import make_verified_account

HEADER = "account,thread_id,message_id,author_id,author_name,text,sent_at,direction"


@pytest.fixture
def accounts(rector: User, entities: dict[str, Entity]) -> dict[str, SocialAccount]:
    minsa, sunat = entities["minsa"], entities["sunat"]
    return {
        "fb": make_verified_account(rector, minsa, "facebook", "minsaperu", "2002"),
        "x": make_verified_account(rector, minsa, "x", "@Minsa_Peru", "1001"),
        "yt": make_verified_account(rector, minsa, "youtube", "@minsa.oficial", "UCminsa"),
        "sunat_x": make_verified_account(rector, sunat, "x", "@sunat", "4004"),
    }


def _run(*args: str) -> tuple[str, str, int]:
    """Runs the command; returns stdout, stderr and the exit code."""
    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command("ingest", *args, stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
        code = exc.returncode
    return out.getvalue(), err.getvalue(), code


def _rows(count: int, *, start: int = 0, account: str = "minsaperu") -> list[str]:
    return [
        f"{account},post-{i % 7},c-{i},u-{i % 11},Persona {i},Consulta número {i},"
        f"2025-03-0{1 + i % 5} 10:{i % 60:02d},entrante"
        for i in range(start, start + count)
    ]


def _write(tmp_path: Path, lines: list[str], name: str = "mensajes.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _state() -> list[tuple[Any, ...]]:
    return list(
        Message.objects.order_by("platform_message_id").values_list(
            "platform", "platform_message_id", "conversation__thread_id", "text", "sent_at"
        )
    )


# --- CSV and XLSX ----------------------------------------------------------------------------


def test_csv_default_columns(tmp_path: Path, accounts: dict[str, SocialAccount]) -> None:
    path = _write(
        tmp_path,
        [
            HEADER + ",parent_id",
            "minsaperu,post-1,c-1,u-1,Ana Díaz,¿Cuándo abre el centro de salud?,"
            "2025-03-03 09:30,entrante,",
            "2002,post-1,c-2,2002,MINSA,Desde el lunes.,2025-03-03T10:00:00-05:00,saliente,c-1",
            "@MinsaPeru,post-2,c-3,u-2,Luis,Gracias,2025-03-03T16:00:00Z,,",
        ],
    )
    out, err, code = _run("--platform", "csv", "--input", str(path))
    assert code == 0, err
    assert "2 creados" not in out
    assert "3 creados, 0 editados, 0 borrados, 0 sin cambios, 0 errores." in out
    first = Message.objects.get(platform_message_id="c-1")
    assert first.platform == "facebook"
    assert first.direction == Direction.ENTRANTE
    assert first.sent_at == datetime(2025, 3, 3, 14, 30, tzinfo=UTC)  # 09:30 in Lima
    assert first.author_name == "Ana Díaz"
    assert Message.objects.get(platform_message_id="c-2").direction == Direction.SALIENTE
    # One conversation per top-level comment; the post named in thread_id is its context.
    conversation = Conversation.objects.get(thread_id="c-1")
    assert conversation.thread_kind == ThreadKind.COMMENTS
    assert conversation.first_response_at is not None
    assert conversation.post is not None and conversation.post.platform_post_id == "post-1"
    other = Conversation.objects.get(thread_id="c-3").post
    assert other is not None and other.platform_post_id == "post-2"
    assert "[" in err and "100 %" in err  # the progress bar, on stderr


def test_ambiguous_handle_needs_the_platform_column(
    tmp_path: Path, rector: User, entities: dict[str, Entity], accounts: dict[str, SocialAccount]
) -> None:
    """The same handle on two platforms: the optional ``platform`` column decides."""
    make_verified_account(rector, entities["minsa"], "instagram", "@minsaperu", "3003")
    path = _write(
        tmp_path,
        [
            HEADER + ",platform",
            "minsaperu,p,c-1,u,N,Hola,2025-03-01 10:00,,",
            "minsaperu,p,c-2,u,N,Hola,2025-03-01 10:00,,instagram",
        ],
    )
    _out, err, code = _run("--platform", "csv", "--input", str(path))
    assert code == 1
    assert "Línea 2: La cuenta «minsaperu» es ambigua" in err
    assert Message.objects.get().platform == "instagram"


def test_csv_with_mapping_semicolons_and_windows_encoding(
    tmp_path: Path, accounts: dict[str, SocialAccount]
) -> None:
    """An Excel export from Windows: semicolons, Windows-1252, Spanish column names."""
    content = (
        "Cuenta;Hilo;Id;Autor;Mensaje;Fecha\n"
        "minsaperu;p1;m-1;Añañuca;Atención en Cusco;01/03/2025 08:15\n"
        "minsaperu;p1;m-2;José;Vacunación;2025-03-01 09:00\n"
    )
    path = tmp_path / "export.csv"
    path.write_bytes(content.encode("cp1252"))
    _out, err, code = _run(
        "--platform",
        "csv",
        "--input",
        str(path),
        "--map",
        "account=Cuenta,thread_id=Hilo,message_id=Id,author_name=Autor,text=Mensaje,sent_at=Fecha",
    )
    assert code == 0, err
    message = Message.objects.get(platform_message_id="m-1")
    assert (message.author_name, message.text) == ("Añañuca", "Atención en Cusco")
    assert message.sent_at == datetime(2025, 3, 1, 13, 15, tzinfo=UTC)
    assert Message.objects.count() == 2


def test_xlsx_with_mapping(tmp_path: Path, accounts: dict[str, SocialAccount]) -> None:
    """Spreadsheet cells: date cells are Lima time, numeric ids become text without ".0"."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Cuenta", "thread_id", "message_id", "Mensaje", "Fecha", "direction"])
    cell_date = datetime(2025, 3, 4, 8)  # noqa: DTZ001 - spreadsheets have no time zone
    sheet.append(["1001", 1790000000001, 1790000000001, "¿Hay citas?", cell_date])
    sheet.append(
        ["@Minsa_Peru", 1790000000001, 1790000000002, "Sí", "2025-03-04 09:00", "saliente"]
    )
    sheet.append([None, None, None, None, None])  # blank row: ignored
    path = tmp_path / "export.xlsx"
    book.save(path)
    out, err, code = _run(
        "--platform",
        "csv",
        "--input",
        str(path),
        "--map",
        "account=Cuenta,text=Mensaje,sent_at=Fecha",
    )
    assert code == 0, err
    assert "2 creados" in out
    first = Message.objects.get(platform_message_id="1790000000001")
    assert first.platform == "x"
    assert first.conversation.thread_id == "1790000000001"
    assert first.sent_at == datetime(2025, 3, 4, 13, tzinfo=UTC)
    assert Message.objects.get(platform_message_id="1790000000002").direction == "saliente"


def test_rerun_is_idempotent(tmp_path: Path, accounts: dict[str, SocialAccount]) -> None:
    path = _write(tmp_path, [HEADER, *_rows(40)])
    _run("--platform", "csv", "--input", str(path))
    before = _state()
    conversations = list(Conversation.objects.order_by("pk").values())
    out, _err, code = _run("--platform", "csv", "--input", str(path))
    assert code == 0
    assert "0 creados, 0 editados, 0 borrados, 40 sin cambios, 0 errores." in out
    assert _state() == before
    assert list(Conversation.objects.order_by("pk").values()) == conversations


def test_killed_halfway_then_rerun_ends_with_the_distinct_messages(
    tmp_path: Path, accounts: dict[str, SocialAccount]
) -> None:
    """First half imported (as a run killed after it), then the whole file; the file repeats
    some messages: exactly its distinct messages are stored, once each."""
    rows = _rows(60)
    rows += rows[10:20]  # repeated messages inside the file
    half = _write(tmp_path, [HEADER, *rows[: len(rows) // 2]], "mitad.csv")
    whole = _write(tmp_path, [HEADER, *rows], "todo.csv")
    imports.import_file(platform="csv", path=half, batch_size=7)
    report = imports.import_file(platform="csv", path=whole, batch_size=7)
    assert report.ok
    assert report.created == 60 - 35
    assert Message.objects.count() == 60
    assert sorted(Message.objects.values_list("platform_message_id", flat=True)) == sorted(
        f"c-{i}" for i in range(60)
    )
    assert sum(Conversation.objects.values_list("message_count", flat=True)) == 60


def test_killed_inside_a_batch_leaves_whole_batches_only(
    tmp_path: Path, accounts: dict[str, SocialAccount], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies while the third batch is written: two batches stay, none is half
    stored; the second run completes the file."""
    path = _write(tmp_path, [HEADER, *_rows(50)])
    real = imports.messages_ingest
    calls = {"n": 0}

    def dying(**kwargs: Any) -> inbox.IngestResult:
        calls["n"] += 1
        result = real(**kwargs)
        if calls["n"] == 3:
            raise KeyboardInterrupt  # after the writes, before the commit
        return result

    monkeypatch.setattr(imports, "messages_ingest", dying)
    with pytest.raises(KeyboardInterrupt):
        imports.import_file(platform="csv", path=path, batch_size=10)
    assert Message.objects.count() == 20
    monkeypatch.setattr(imports, "messages_ingest", real)
    report = imports.import_file(platform="csv", path=path, batch_size=10)
    assert (report.created, report.unchanged) == (30, 20)
    assert Message.objects.count() == 50


def test_bad_lines_are_reported_and_good_lines_imported(
    tmp_path: Path, accounts: dict[str, SocialAccount]
) -> None:
    path = _write(
        tmp_path,
        [
            HEADER,
            *_rows(2),  # lines 2-3 good
            "cuenta_fantasma,p,c-x1,u,N,Hola,2025-03-01 10:00,",  # 4 unknown account
            "minsaperu,p,c-x2,u,N,Hola,ayer por la tarde,",  # 5 bad date
            "minsaperu,p,,u,N,Hola,2025-03-01 10:00,",  # 6 no message id
            "minsaperu,p,c-x3",  # 7 short row
            "minsaperu,p,c-x4,u,N,Hola,2025-03-01 10:00,entrante,sobra",  # 8 extra column
            "minsaperu,p,c-x5,u,N,Hola,2025-03-01 10:00,reenviado",  # 9 bad direction
            "",  # 10 blank: ignored
            *_rows(1, start=2),  # 11 good
        ],
    )
    out, err, code = _run("--platform", "csv", "--input", str(path))
    assert code == 1
    assert "3 creados" in out and "6 errores" in out
    lines = [line for line in err.splitlines() if line.startswith("Línea")]
    assert [line.split(":")[0] for line in lines] == [f"Línea {n}" for n in (4, 5, 6, 7, 8, 9)]
    assert "Cuenta desconocida «cuenta_fantasma»" in lines[0]
    assert "Fecha no válida «ayer por la tarde»" in lines[1]
    assert "Falta el valor de «message_id»" in lines[2]
    assert "Falta la columna «sent_at»" in lines[3]
    assert "más columnas que la cabecera" in lines[4]
    assert "Dirección desconocida" in lines[5]
    assert "6 línea(s) con errores; las demás se importaron." in err
    assert sorted(Message.objects.values_list("platform_message_id", flat=True)) == [
        "c-0",
        "c-1",
        "c-2",
    ]


def test_a_line_the_database_refuses_does_not_sink_its_batch(
    tmp_path: Path, accounts: dict[str, SocialAccount], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch is retried line by line: only the refused line is lost, and reported."""
    path = _write(tmp_path, [HEADER, *_rows(5)])
    real = imports.messages_ingest

    def picky(**kwargs: Any) -> inbox.IngestResult:
        if any(event.message_id == "c-3" for event in kwargs["batch"]):
            raise DatabaseError("valor fuera de rango")
        return real(**kwargs)

    monkeypatch.setattr(imports, "messages_ingest", picky)
    report = imports.import_file(platform="csv", path=path)
    assert [(e.line, e.reason) for e in report.errors] == [
        (5, "La base de datos rechazó la línea: valor fuera de rango")
    ]
    assert report.created == 4
    assert Message.objects.count() == 4


def test_missing_header_column_stops_before_writing(
    tmp_path: Path, accounts: dict[str, SocialAccount]
) -> None:
    path = _write(tmp_path, ["account,thread_id,text", "minsaperu,p,Hola"])
    _out, err, code = _run("--platform", "csv", "--input", str(path))
    assert code == 1
    assert "Faltan columnas en la cabecera: «message_id», «sent_at»" in err
    assert not Message.objects.exists()


def test_unknown_mapping_field_is_refused(
    tmp_path: Path, accounts: dict[str, SocialAccount]
) -> None:
    path = _write(tmp_path, [HEADER, *_rows(1)])
    _out, err, code = _run("--platform", "csv", "--input", str(path), "--map", "mensaje=Texto")
    assert code == 1
    assert "Campo desconocido «mensaje»" in err


def test_a_100000_character_text(tmp_path: Path, accounts: dict[str, SocialAccount]) -> None:
    long_text = "á" * 100_000
    path = _write(
        tmp_path,
        [HEADER, f'minsaperu,p,largo,u,N,"{long_text}",2025-03-01 10:00,', *_rows(1)],
    )
    _out, err, code = _run("--platform", "csv", "--input", str(path))
    assert code == 0, err[:500]
    stored = Message.objects.get(platform_message_id="largo").text
    assert stored == long_text[: inbox.MAX_TEXT]
    assert Message.objects.count() == 2


# --- JSONL -----------------------------------------------------------------------------------


def _comment(page: str, comment: str, text: str, when: int = 1714560000) -> dict[str, Any]:
    return {
        "object": "page",
        "entry": [
            {
                "id": page,
                "time": when,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": "add",
                            "post_id": f"{page}_1",
                            "comment_id": comment,
                            "parent_id": f"{page}_1",
                            "message": text,
                            "from": {"id": "u-77", "name": "Juana"},
                            "created_time": when,
                        },
                    }
                ],
            }
        ],
    }


def _jsonl(tmp_path: Path, lines: list[Any], name: str = "eventos.jsonl") -> Path:
    path = tmp_path / name
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n",
        encoding="utf-8",
    )
    return path


def test_meta_jsonl_with_invalid_lines_and_unknown_pages(
    tmp_path: Path, accounts: dict[str, SocialAccount]
) -> None:
    path = _jsonl(
        tmp_path,
        [
            _comment("2002", "c-1", "Hola MINSA"),  # 1
            '{"object": "page", "entry": [',  # 2 invalid JSON
            "[1, 2, 3]",  # 3 not an object
            {"object": "whatsapp_business_account", "entry": []},  # 4 not Meta page/instagram
            _comment("9999", "c-9", "¿Quién soy?"),  # 5 unknown page: quarantine
            _comment("2002", "c-2", "á" * 100_000),  # 6 long text
            _comment("2002", "c-1", "Hola MINSA"),  # 7 replay of line 1
        ],
    )
    out, err, code = _run("--platform", "meta", "--input", str(path))
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("Línea")]
    assert [line.split(":")[0] for line in lines] == ["Línea 2", "Línea 3", "Línea 4"]
    assert "JSON no válido" in lines[0]
    assert "objeto JSON" in lines[1]
    assert "2 creados" in out and "1 sin cambios" in out and "1 eventos en cuarentena" in out
    assert Message.objects.filter(platform="facebook").count() == 2
    assert len(Message.objects.get(platform_message_id="c-2").text) == inbox.MAX_TEXT
    assert QuarantinedEvent.objects.get().object_id == "9999"
    # Running it again changes nothing, not even the quarantine.
    out, _err, _code = _run("--platform", "meta", "--input", str(path))
    assert "0 creados" in out and "3 sin cambios" in out
    assert Message.objects.count() == 2
    assert QuarantinedEvent.objects.count() == 1


def test_instagram_platform_expects_instagram_bodies(
    tmp_path: Path, accounts: dict[str, SocialAccount]
) -> None:
    path = _jsonl(tmp_path, [_comment("2002", "c-1", "Hola")])
    _out, err, code = _run("--platform", "instagram", "--input", str(path))
    assert code == 1
    assert "Línea 1: Se esperaba un webhook de Instagram" in err


def _mention(tweet_id: str, text: str, author: str = "555") -> dict[str, Any]:
    return {
        "id": tweet_id,
        "text": text,
        "author_id": author,
        "conversation_id": tweet_id,
        "created_at": "2024-05-01T12:00:00.000Z",
    }


def test_x_jsonl_with_account_or_inferred(
    tmp_path: Path, accounts: dict[str, SocialAccount]
) -> None:
    users = {"users": [{"id": "555", "name": "Ana", "username": "ana"}]}
    path = _jsonl(
        tmp_path,
        [
            {"data": [_mention("17001", "@Minsa_Peru ¿hay vacunas?")], "includes": users},
            {"meta": {"result_count": 0}},  # an empty page
            {
                "data": [
                    _mention("17002", "@sunat @Minsa_Peru consulta"),
                    _mention("17004", "@minsa_peru otra"),
                ],
                "includes": users,
            },
            {"data": [_mention("17003", "sin mención")], "includes": users},
            {"data": [_mention("17005", "@sunat @Minsa_Peru ¿a quién?")], "includes": users},
        ],
    )
    _out, err, code = _run("--platform", "x", "--input", str(path))
    assert code == 1
    assert "Línea 4: Ninguna cuenta verificada de X" in err
    assert "Línea 5: La página menciona varias cuentas verificadas" in err
    assert set(Message.objects.values_list("platform_message_id", flat=True)) == {
        "17001",
        "17002",
        "17004",
    }
    assert Message.objects.get(platform_message_id="17002").conversation.account == accounts["x"]
    out, err, code = _run("--platform", "x", "--input", str(path), "--account", "@Minsa_Peru")
    assert code == 0, err
    assert "2 creados" in out
    assert Message.objects.get(platform_message_id="17005").conversation.account == accounts["x"]
    assert Message.objects.get(platform_message_id="17003").conversation.account == accounts["x"]
    _out, err, code = _run("--platform", "x", "--input", str(path), "--account", "@nadie")
    assert code == 1
    assert "Cuenta desconocida «@nadie»" in err


def _thread(channel: str, thread: str, text: str) -> dict[str, Any]:
    return {
        "id": thread,
        "snippet": {
            "channelId": channel,
            "videoId": "video-1",
            "topLevelComment": {
                "id": thread,
                "snippet": {
                    "textOriginal": text,
                    "authorDisplayName": "Pedro",
                    "authorChannelId": {"value": "UCpedro"},
                    "publishedAt": "2024-05-01T12:00:00Z",
                    "updatedAt": "2024-05-01T12:00:00Z",
                },
            },
        },
        "replies": {
            "comments": [
                {
                    "id": f"{thread}.r1",
                    "snippet": {
                        "textOriginal": "Gracias por escribirnos",
                        "authorDisplayName": "MINSA",
                        "authorChannelId": {"value": channel},
                        "parentId": thread,
                        "publishedAt": "2024-05-01T13:00:00Z",
                        "updatedAt": "2024-05-01T13:00:00Z",
                    },
                }
            ]
        },
    }


def test_youtube_jsonl_account_from_channel(
    tmp_path: Path, accounts: dict[str, SocialAccount]
) -> None:
    path = _jsonl(
        tmp_path,
        [
            {"items": [_thread("UCminsa", "Ugx1", "¿Dónde me vacuno?")]},
            {"items": [_thread("UCotro", "Ugx2", "Hola")]},
        ],
    )
    out, err, code = _run("--platform", "youtube", "--input", str(path))
    assert code == 1
    assert "Línea 2: elemento 1 de «items»: Cuenta desconocida «UCotro»" in err
    assert "2 creados" in out
    reply = Message.objects.get(platform_message_id="Ugx1.r1")
    assert reply.direction == Direction.SALIENTE
    assert reply.conversation.account == accounts["yt"]


def test_missing_file(tmp_path: Path) -> None:
    _out, err, code = _run("--platform", "csv", "--input", str(tmp_path / "no.csv"))
    assert code == 1
    assert "No existe el archivo" in err
