"""Account import from CSV (``accounts_import`` and ``agora import_accounts``): all or nothing,
every bad line reported with line, column and a Spanish message, re-imports change nothing."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, User
from agora.directory import services
from agora.directory.models import AccountStatus, Entity, Platform, SocialAccount
from agora.directory.selectors import revision_current

HEADER = "entity_code,platform,handle,url,platform_id,status\n"

GOOD = HEADER + (
    "minsa,x,@Minsa_Peru,,,verificada\n"
    "minsa,facebook,,https://m.facebook.com/minsaperu/?ref=x,123456,verificada\n"
    "sunat,instagram,@sunatperu,,,pendiente\n"
    'gr-04,youtube,,"https://www.youtube.com/@GobiernoArequipa",,\n'
)

# Line numbers count the header as line 1.
BAD = HEADER + (
    "zzz,x,@cuenta_zzz,,,pendiente\n"  # 2 unknown entity
    "minsa,myspace,@minsa,,,pendiente\n"  # 3 unknown platform
    "minsa,x,@minsa_estado,,,aprobada\n"  # 4 unknown status
    "minsa,x,,https://www.facebook.com/minsa,,pendiente\n"  # 5 URL of another platform
    "minsa,x,@dup_minsa,,,pendiente\n"  # 6 good
    "minsa,x,,https://x.com/DUP_MINSA,,pendiente\n"  # 7 repeats line 6
    "sunat,x,@Minsa_Peru,,,pendiente\n"  # 8 registered to minsa
    "minsa,x,@columnas,,,pendiente,sobra\n"  # 9 too many columns
    "pcm,x,@pcmperu,,,verificada\n"  # 10 good
)

EXPECTED_BAD = [
    (2, "entity_code", "No existe una entidad con el código «zzz»."),
    (3, "platform", "Plataforma desconocida «myspace»; use una de: facebook, instagram"),
    (4, "status", "Estado desconocido «aprobada»; use uno de: pendiente, verificada"),
    (5, "url", "No se reconoce «https://www.facebook.com/minsa» como una cuenta de X"),
    (7, "handle", "La cuenta se repite: ya aparece en la línea 6."),
    (8, "handle", "La cuenta ya está registrada para otra entidad (minsa)."),
    (9, "-", "La línea tiene más columnas que la cabecera."),
]


def _state() -> list[dict[str, Any]]:
    """Every stored account, every column."""
    return [dict(row) for row in SocialAccount.objects.order_by("pk").values()]


def _write(tmp_path: Path, content: str | bytes, name: str = "cuentas.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def _command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_accounts", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- service ---------------------------------------------------------------------------------


def test_good_file_imports_every_line(rector: User, entities: dict[str, Entity]) -> None:
    report = services.accounts_import(actor=rector, data=GOOD.encode(), dry_run=False)
    assert report.ok
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    x = SocialAccount.objects.get(platform=Platform.X, handle_key="minsa_peru")
    assert x.entity == entities["minsa"]
    assert x.status == AccountStatus.VERIFICADA
    assert x.verified_by == rector
    assert x.verified_at is not None
    assert x.evidence == "Importación de CSV, línea 2"
    facebook = SocialAccount.objects.get(platform=Platform.FACEBOOK)
    assert facebook.url == "https://www.facebook.com/minsaperu"
    assert facebook.platform_id == "123456"
    youtube = SocialAccount.objects.get(platform=Platform.YOUTUBE)
    assert youtube.entity == entities["gr-04"]
    assert youtube.status == AccountStatus.PENDIENTE  # an empty status means pending
    assert youtube.verified_at is None
    assert AuditEvent.objects.filter(verb="cuenta.importada").count() == 4


def test_reimporting_the_same_file_changes_nothing(
    rector: User, entities: dict[str, Entity]
) -> None:
    services.accounts_import(actor=rector, data=GOOD.encode(), dry_run=False)
    state, events, revision = _state(), AuditEvent.objects.count(), revision_current()
    report = services.accounts_import(actor=rector, data=GOOD.encode(), dry_run=False)
    assert report.ok
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    assert _state() == state
    assert AuditEvent.objects.count() == events
    assert revision_current() == revision


def test_reimport_with_a_changed_status_updates_only_that_account(
    rector: User, entities: dict[str, Entity]
) -> None:
    services.accounts_import(actor=rector, data=GOOD.encode(), dry_run=False)
    changed = GOOD.replace(
        "sunat,instagram,@sunatperu,,,pendiente", "sunat,instagram,@sunatperu,,,verificada"
    )
    report = services.accounts_import(actor=rector, data=changed.encode(), dry_run=False)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    account = SocialAccount.objects.get(platform=Platform.INSTAGRAM)
    assert account.status == AccountStatus.VERIFICADA
    assert account.verified_at is not None
    event = AuditEvent.objects.filter(verb="cuenta.importada").first()
    assert event is not None
    assert event.before is not None and event.before["status"] == AccountStatus.PENDIENTE
    assert event.after is not None and event.after["status"] == AccountStatus.VERIFICADA


def test_bad_file_reports_every_bad_line_and_writes_nothing(
    rector: User, verified_account: SocialAccount, entities: dict[str, Entity]
) -> None:
    state, events, revision = _state(), AuditEvent.objects.count(), revision_current()
    report = services.accounts_import(actor=rector, data=BAD.encode(), dry_run=False)
    assert not report.ok
    got = [(e.line, e.column, e.message) for e in report.errors]
    assert [(line, column) for line, column, _ in got] == [(n, c) for n, c, _ in EXPECTED_BAD]
    for (_, _, message), (_, _, expected) in zip(got, EXPECTED_BAD, strict=True):
        assert message.startswith(expected), message
    assert report.created == report.updated == 0
    assert _state() == state
    assert AuditEvent.objects.count() == events
    assert revision_current() == revision


def test_line_error_reads_as_a_spanish_sentence() -> None:
    error = services.ImportLineError(4, "status", "Estado desconocido.")
    assert str(error) == "Línea 4, columna «status»: Estado desconocido."


def test_missing_header_column_is_reported_on_line_1(
    rector: User, entities: dict[str, Entity]
) -> None:
    data = "entity_code,platform,handle,url\nminsa,x,@minsa_sin_estado,\n"
    report = services.accounts_import(actor=rector, data=data, dry_run=False)
    assert [(e.line, e.column) for e in report.errors] == [(1, "platform_id, status")]
    assert report.errors[0].message.startswith("Faltan columnas en la cabecera")
    assert not SocialAccount.objects.exists()


def test_header_without_data_rows_is_an_error(rector: User, entities: dict[str, Entity]) -> None:
    report = services.accounts_import(actor=rector, data=HEADER, dry_run=False)
    assert [(e.line, e.message) for e in report.errors] == [
        (2, "El archivo no tiene filas de datos.")
    ]


def test_line_with_too_few_columns_is_reported_not_a_crash(
    rector: User, entities: dict[str, Entity]
) -> None:
    """Columns may come in any order; a short line leaves cells missing and must be reported
    as a bad line (whatever its column), never raise an unexpected exception."""
    data = "platform,handle,url,platform_id,status,entity_code\nx,@minsa_corta\n"
    report = services.accounts_import(actor=rector, data=data, dry_run=False)
    assert not report.ok
    assert report.errors[0].line == 2
    assert not SocialAccount.objects.exists()


def test_dry_run_reports_counts_and_writes_nothing(
    rector: User, entities: dict[str, Entity]
) -> None:
    report = services.accounts_import(actor=rector, data=GOOD.encode(), dry_run=True)
    assert report.ok and report.dry_run
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    assert not SocialAccount.objects.exists()
    assert not AuditEvent.objects.filter(verb="cuenta.importada").exists()


def test_non_utf8_bytes_give_a_spanish_error(rector: User, entities: dict[str, Entity]) -> None:
    data = (HEADER + "minsa,x,@Señal_Minsa,,,pendiente\n").encode("latin-1")
    with pytest.raises(DomainError) as info:
        services.accounts_import(actor=rector, data=data, dry_run=False)
    assert info.value.messages == ["El archivo no está codificado en UTF-8."]
    assert not SocialAccount.objects.exists()


def test_utf8_byte_order_mark_is_accepted(rector: User, entities: dict[str, Entity]) -> None:
    report = services.accounts_import(actor=rector, data=GOOD.encode("utf-8-sig"), dry_run=False)
    assert report.ok and report.created == 4


def test_file_over_5_mb_is_refused(rector: User, entities: dict[str, Entity]) -> None:
    data = HEADER.encode() + b"x" * (services.IMPORT_MAX_BYTES + 1)
    with pytest.raises(DomainError) as info:
        services.accounts_import(actor=rector, data=data, dry_run=True)
    assert info.value.messages == ["El archivo supera el máximo de 5 MB."]


def test_only_rector_staff_may_import(manager: User, entities: dict[str, Entity]) -> None:
    with pytest.raises(PermissionDeniedError):
        services.accounts_import(actor=manager, data=GOOD.encode(), dry_run=False)
    assert not SocialAccount.objects.exists()


# --- management command ----------------------------------------------------------------------


def test_command_imports_a_good_file(
    tmp_path: Path, rector: User, entities: dict[str, Entity]
) -> None:
    out, err = _command(str(_write(tmp_path, GOOD)), "--actor", rector.username)
    assert "4 cuentas nuevas, 0 actualizadas, 0 sin cambios." in out
    assert err == ""
    assert SocialAccount.objects.count() == 4
    event = AuditEvent.objects.filter(verb="cuenta.importada").first()
    assert event is not None
    assert event.actor == rector
    assert event.reason == "Importación de cuentas.csv, línea 5"


def test_command_without_actor_is_audited_as_the_system(
    tmp_path: Path, entities: dict[str, Entity]
) -> None:
    _command(str(_write(tmp_path, GOOD)))
    labels = set(AuditEvent.objects.values_list("actor_label", flat=True))
    assert labels == {"sistema"}


def test_command_reimport_changes_nothing(tmp_path: Path, entities: dict[str, Entity]) -> None:
    path = str(_write(tmp_path, GOOD))
    _command(path)
    state, events = _state(), AuditEvent.objects.count()
    out, _ = _command(path)
    assert "0 cuentas nuevas, 0 actualizadas, 4 sin cambios." in out
    assert _state() == state
    assert AuditEvent.objects.count() == events


def test_command_reports_every_bad_line_and_imports_nothing(
    tmp_path: Path, verified_account: SocialAccount, entities: dict[str, Entity]
) -> None:
    state, events = _state(), AuditEvent.objects.count()
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_accounts", str(_write(tmp_path, BAD)), stdout=out, stderr=err)
    assert str(info.value) == "7 línea(s) con errores; no se importó nada."
    reported = err.getvalue().splitlines()
    assert len(reported) == len(EXPECTED_BAD)
    for text, (line, column, message) in zip(reported, EXPECTED_BAD, strict=True):
        assert text.startswith(f"Línea {line}, columna «{column}»: {message}"), text
    assert _state() == state
    assert AuditEvent.objects.count() == events


def test_command_dry_run_writes_nothing(tmp_path: Path, entities: dict[str, Entity]) -> None:
    out, _ = _command(str(_write(tmp_path, GOOD)), "--dry-run")
    assert out.startswith("Revisión (no se escribió nada): 4 cuentas nuevas")
    assert not SocialAccount.objects.exists()
    assert not AuditEvent.objects.exists()


def test_command_non_utf8_file_gives_a_spanish_error(
    tmp_path: Path, entities: dict[str, Entity]
) -> None:
    path = _write(tmp_path, (HEADER + "minsa,x,@Municipalidad_Cañete,,,\n").encode("cp1252"))
    with pytest.raises(CommandError) as info:
        _command(str(path))
    assert str(info.value) == "El archivo no está codificado en UTF-8."
    assert not SocialAccount.objects.exists()


def test_command_missing_file_gives_a_spanish_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as info:
        _command(str(tmp_path / "no-existe.csv"))
    assert str(info.value).startswith("No existe el archivo")


def test_command_unknown_actor_gives_a_spanish_error(
    tmp_path: Path, entities: dict[str, Entity]
) -> None:
    with pytest.raises(CommandError) as info:
        _command(str(_write(tmp_path, GOOD)), "--actor", "nadie")
    assert str(info.value) == "No existe el usuario nadie."
    assert not SocialAccount.objects.exists()


def test_command_refuses_an_actor_who_is_not_rector_staff(
    tmp_path: Path, manager: User, entities: dict[str, Entity]
) -> None:
    with pytest.raises(CommandError) as info:
        _command(str(_write(tmp_path, GOOD)), "--actor", manager.username)
    assert "ente rector" in str(info.value)
    assert not SocialAccount.objects.exists()
