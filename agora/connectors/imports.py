"""File import into the inbox (``agora ingest``): JSONL files with one raw platform payload per
line (Meta webhook bodies, X mentions pages, YouTube commentThreads pages) and CSV/XLSX exports
with a column mapping.

Every line is parsed on its own: a bad line is reported (line number and a Spanish reason) and
never stops the others. Good lines go through ``messages_ingest`` in batches; each batch commits
on its own, so a run killed halfway leaves whole batches only, and running the file again
completes it without duplicates because ingestion is idempotent on (platform, message id).
"""

from __future__ import annotations

import codecs
import csv
import gc
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import orjson
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.connectors.attachments import import_attachments
from agora.core.calendar import LIMA
from agora.core.errors import DomainError
from agora.directory.handles import handle_key
from agora.directory.models import AccountStatus, Platform, SocialAccount
from agora.inbox.models import PLATFORM_ID_MAX, Direction, ThreadKind
from agora.inbox.services import (
    IncomingMessage,
    IncomingPost,
    incoming_problem,
    messages_ingest,
)

# Messages per transaction: larger batches share the index pages each one writes (and the
# commit), a crash loses at most one uncommitted batch, which a re-run completes. 10,000
# rather than 5,000: each commit writes every index page its batch touched, and the
# conversations' indexes are touched by every batch (bench/ingest_command.py: ~5 % faster).
BATCH_SIZE = 10_000
# The SQLite page cache of an import's connection, in KiB (_bulk_session).
SQLITE_CACHE_KIB = 256 * 1024
# WAL pages (4 KiB each) after which a commit of the import copies the WAL into the database.
# SQLite's default, 1000, meant a checkpoint with its fsync after every batch, and the index
# pages every batch touches copied again each time.
SQLITE_CHECKPOINT_PAGES = 50_000
JSONL_PLATFORMS = ("meta", "instagram", "x", "youtube")
PLATFORMS = (*JSONL_PLATFORMS, "csv")
# The imports whose file is one account's pages (--account): platform -> directory platform.
ACCOUNT_PLATFORMS = {"x": Platform.X, "youtube": Platform.YOUTUBE}
# Columns of the CSV/XLSX path: the field names are also the default column names.
REQUIRED_FIELDS = ("account", "thread_id", "message_id", "sent_at")
OPTIONAL_FIELDS = (
    "author_id",
    "author_name",
    "text",
    "direction",
    "thread_kind",
    "parent_id",
    "platform",
    # Addresses of the message's photos, videos, files or links, separated by spaces.
    "attachments",
)
FIELDS = (*REQUIRED_FIELDS, *OPTIONAL_FIELDS)
# A cell may hold a long message; the csv module refuses fields above 128 KiB by default.
CSV_FIELD_LIMIT = 16 * 1024 * 1024
_DIRECTIONS = {
    "": None,
    "entrante": False,
    "in": False,
    "ciudadano": False,
    "saliente": True,
    "out": True,
    "entidad": True,
}
_X_HANDLE = re.compile(r"@(\w{1,15})")
# What a platform parser raises on a payload of an unexpected shape.
_SHAPE_ERRORS = (ValueError, TypeError, AttributeError, KeyError)
_LOCAL_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")

Progress = Callable[[int, int], None]
# (platform, object id, Spanish reason, entry as received)
QuarantineItem = tuple[str, str, str, dict[str, Any]]


class FileImportError(DomainError):
    """The file as a whole cannot be read (missing columns, not a spreadsheet, …)."""


class LineError(Exception):
    """One line refused, with the Spanish reason."""


@dataclass(frozen=True)
class LineProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return _("Línea %(line)s: %(reason)s") % {"line": self.line, "reason": self.reason}


@dataclass
class ImportReport:
    total: int = 0  # lines in the file (0 when unknown)
    processed: int = 0
    created: int = 0
    edited: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: int = 0
    quarantined: int = 0
    # Read and deliberately not taken: reposts, superseded versions of an edited X post.
    ignored: int = 0
    errors: list[LineProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def taken(self) -> int:
        """Events stored, or already stored (a re-import), or kept in quarantine."""
        return self.created + self.edited + self.deleted + self.unchanged + self.quarantined


@dataclass
class _Parsed:
    line: int
    events: list[IncomingMessage] = field(default_factory=list)
    quarantine: list[QuarantineItem] = field(default_factory=list)
    posts: list[IncomingPost] = field(default_factory=list)
    # Items of the line that could not be taken (the rest of the line is), with the reason.
    problems: list[str] = field(default_factory=list)
    ignored: int = 0


# --- accounts --------------------------------------------------------------------------------


class AccountIndex:
    """Verified accounts by platform id and by handle, loaded once per platform."""

    def __init__(self) -> None:
        self._by_platform: dict[str, tuple[dict[str, SocialAccount], dict[str, SocialAccount]]] = {}
        from agora.connectors.meta import AccountCache  # meta imports this module's neighbours

        # Webhook bodies of a Meta import name their pages by id: looked up once per import.
        self.meta = AccountCache()

    def _load(self, platform: str) -> tuple[dict[str, SocialAccount], dict[str, SocialAccount]]:
        if platform not in self._by_platform:
            by_id: dict[str, SocialAccount] = {}
            by_key: dict[str, SocialAccount] = {}
            for account in SocialAccount.objects.filter(
                platform=platform, status=AccountStatus.VERIFICADA
            ).order_by("pk"):
                if account.platform_id:
                    by_id.setdefault(account.platform_id, account)
                by_key.setdefault(account.handle_key, account)
            self._by_platform[platform] = (by_id, by_key)
        return self._by_platform[platform]

    def find(self, reference: str, platforms: tuple[str, ...]) -> list[SocialAccount]:
        """Accounts matching a platform id or a handle (with or without @) on ``platforms``."""
        reference = reference.strip()
        if not reference:
            return []
        found: dict[int, SocialAccount] = {}
        for platform in platforms:
            by_id, by_key = self._load(platform)
            for account in (by_id.get(reference), by_key.get(handle_key(reference))):
                if account is not None:
                    found[account.pk] = account
        return list(found.values())

    def one(self, reference: str, platforms: tuple[str, ...]) -> SocialAccount:
        matches = self.find(reference, platforms)
        if not matches and len(platforms) < len(Platform.values):
            elsewhere = self.find(reference, tuple(Platform.values))
            if elsewhere:
                raise LineError(
                    _("La cuenta «%(account)s» es de %(found)s, no de %(expected)s.")
                    % {
                        "account": reference[:80],
                        "found": ", ".join(
                            sorted({str(a.get_platform_display()) for a in elsewhere})
                        ),
                        "expected": ", ".join(str(Platform(p).label) for p in platforms),
                    }
                )
        if not matches:
            raise LineError(
                _("Cuenta desconocida «%(account)s»: no es una cuenta verificada.")
                % {"account": reference[:80]}
            )
        if len(matches) > 1:
            raise LineError(
                _("La cuenta «%(account)s» es ambigua (%(accounts)s): indique la plataforma.")
                % {"account": reference[:80], "accounts": ", ".join(str(a) for a in matches)}
            )
        return matches[0]


# --- checks shared by every path ------------------------------------------------------------


def _event_label(event: IncomingMessage) -> str:
    shown = event.message_id if len(event.message_id) <= 40 else event.message_id[:40] + "…"
    return _("mensaje «%(id)s»") % {"id": shown}


def _check_events(parsed: _Parsed) -> None:
    """Takes out of the line the events the database could not hold whole (an id longer than
    its column is refused, never cut: a cut id would never be found again) or that have no
    time zone, each reported with the reason; the line's other events stay."""
    kept = []
    for event in parsed.events:
        problem = incoming_problem(event)
        if not problem and not event.thread_id:
            problem = _("Falta el id del hilo.")
        if not problem and timezone.is_naive(event.sent_at):
            problem = _("La fecha del mensaje no tiene zona horaria.")
        if problem:
            parsed.problems.append(
                "%s: %s" % (_event_label(event), problem) if event.message_id else problem
            )
        else:
            kept.append(event)
    parsed.events = kept


def _domain_reason(exc: DomainError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _shape_reason(exc: Exception) -> str:
    return _("Contenido con una forma inesperada para la plataforma: %(detail)s") % {
        "detail": f"{type(exc).__name__}: {exc}"[:200]
    }


# --- JSONL -----------------------------------------------------------------------------------


def _count_lines(path: Path) -> int:
    count = 0
    last = b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def _json_loads(raw: bytes) -> Any:
    """``json.loads`` through orjson (three times faster on a file import's lines); a line
    orjson refuses is read again by ``json``, whose answer (NaN, huge integers) or error (the
    reason reported) stays the one a file import has always given."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def _jsonl_payloads(path: Path) -> Iterator[tuple[int, dict[str, Any] | LineError | None]]:
    """(line number, payload) for each line; a LineError for unreadable lines, None for blank
    ones. Reads the file as a stream: a file larger than memory is fine."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                yield number, None
                continue
            try:
                payload = _json_loads(raw)
            except UnicodeDecodeError:
                yield number, LineError(_("La línea no está codificada en UTF-8."))
                continue
            except ValueError as exc:
                yield (
                    number,
                    LineError(_("JSON no válido: %(detail)s") % {"detail": str(exc)[:200]}),
                )
                continue
            if not isinstance(payload, dict):
                yield number, LineError(_("Cada línea debe ser un objeto JSON."))
                continue
            yield number, payload


def _parse_meta(payload: dict[str, Any], platform: str, accounts: AccountIndex) -> _Parsed:
    from agora.connectors import meta

    kind = payload.get("object")
    if platform == "instagram" and kind != "instagram":
        raise LineError(
            _("Se esperaba un webhook de Instagram («object»: «instagram»), no «%(kind)s».")
            % {"kind": str(kind)[:40]}
        )
    try:
        batch = meta.parse_webhook(payload, accounts_lookup=accounts.meta)
    except DomainError as exc:
        raise LineError(_domain_reason(exc)) from exc
    except _SHAPE_ERRORS as exc:
        raise LineError(_shape_reason(exc)) from exc
    target = meta.OBJECT_PLATFORMS[str(kind)]
    return _Parsed(
        line=0,
        events=list(batch.events),
        quarantine=[(target, oid, reason, entry) for oid, reason, entry in batch.quarantine],
        posts=list(batch.posts),
    )


def _x_mentioned(page: dict[str, Any]) -> list[set[str]]:
    """For each tweet of a mentions page, the ids and handles it mentions or replies to."""
    tweets = page.get("data")
    out: list[set[str]] = []
    for tweet in tweets if isinstance(tweets, list) else []:
        if not isinstance(tweet, dict):
            continue
        refs: set[str] = set()
        if reply_to := tweet.get("in_reply_to_user_id"):
            refs.add(str(reply_to))
        entities = tweet.get("entities") if isinstance(tweet.get("entities"), dict) else {}
        for mention in (entities or {}).get("mentions") or []:
            if isinstance(mention, dict):
                for key in ("id", "username"):
                    if mention.get(key):
                        refs.add(str(mention[key]))
        # The poller does not ask for ``entities``: the @handles of the text say the same.
        refs.update(_X_HANDLE.findall(str(tweet.get("text") or "")))
        out.append(refs)
    return out


def _x_account(page: dict[str, Any], accounts: AccountIndex) -> SocialAccount | None:
    """The verified X account a mentions page belongs to: the one every tweet mentions, or the
    only verified account mentioned at all. None when the page has no tweets."""
    mentioned = _x_mentioned(page)
    if not mentioned:
        return None
    per_tweet: list[set[int]] = []
    by_pk: dict[int, SocialAccount] = {}
    for refs in mentioned:
        pks = set()
        for ref in refs:
            for account in accounts.find(ref, (Platform.X,)):
                by_pk[account.pk] = account
                pks.add(account.pk)
        per_tweet.append(pks)
    everywhere = set.intersection(*per_tweet) if per_tweet else set()
    candidates = everywhere if len(everywhere) == 1 else set(by_pk)
    if len(candidates) == 1:
        return by_pk[candidates.pop()]
    if not candidates:
        raise LineError(
            _(
                "Ninguna cuenta verificada de X aparece mencionada en la página: "
                "indique la cuenta con --account."
            )
        )
    raise LineError(
        _("La página menciona varias cuentas verificadas (%(accounts)s): use --account.")
        % {"accounts": ", ".join(str(by_pk[pk]) for pk in sorted(candidates))}
    )


def _parse_x(
    payload: dict[str, Any], account: SocialAccount | None, accounts: AccountIndex
) -> _Parsed:
    from agora.connectors import x

    if "data" in payload and not isinstance(payload["data"], list):
        raise LineError(_("La página de menciones debe tener una lista «data»."))
    target = account or _x_account(payload, accounts)
    if target is None:
        return _Parsed(line=0)  # an empty page: nothing to read
    problems: list[str] = []
    ignored: Counter[str] = Counter()
    try:
        events = x.parse_mentions(payload, target, problems=problems, ignored=ignored)
    except DomainError as exc:
        raise LineError(_domain_reason(exc)) from exc
    except _SHAPE_ERRORS as exc:
        raise LineError(_shape_reason(exc)) from exc
    return _Parsed(line=0, events=list(events), problems=problems, ignored=sum(ignored.values()))


def _parse_youtube(
    payload: dict[str, Any], accounts: AccountIndex, account: SocialAccount | None = None
) -> _Parsed:
    """A ``commentThreads.list`` page: each thread goes to the channel its
    ``snippet.channelId`` names, or to ``account`` (``--account``) when it names none. A
    thread that names no channel without ``--account``, or another channel than the account
    given, is reported and the page's other threads are taken."""
    from agora.connectors import youtube

    items = payload.get("items", [])
    if not isinstance(items, list):
        raise LineError(_("La página de commentThreads debe tener una lista «items»."))
    parsed = _Parsed(line=0)
    by_account: dict[int, list[Any]] = defaultdict(list)
    targets: dict[int, SocialAccount] = {}
    for position, item in enumerate(items, start=1):
        snippet = item.get("snippet") if isinstance(item, dict) else None
        if not isinstance(snippet, dict):
            parsed.problems.append(
                _("elemento %(n)s de «items»: no es un hilo de comentarios (falta «snippet»).")
                % {"n": position}
            )
            continue
        channel = str(snippet.get("channelId") or "")
        target = account
        if channel and account is not None and channel != account.platform_id:
            parsed.problems.append(
                _(
                    "elemento %(n)s de «items»: el hilo es del canal «%(channel)s», no de la "
                    "cuenta indicada con --account (%(account)s)."
                )
                % {"n": position, "channel": channel[:80], "account": str(account)}
            )
            continue
        if channel and account is None:
            try:
                target = accounts.one(channel, (Platform.YOUTUBE,))
            except LineError as exc:
                parsed.problems.append(
                    _("elemento %(n)s de «items»: %(reason)s") % {"n": position, "reason": exc}
                )
                continue
        if target is None:
            parsed.problems.append(
                _(
                    "elemento %(n)s de «items»: el hilo no tiene «snippet.channelId»; indique "
                    "la cuenta con --account."
                )
                % {"n": position}
            )
            continue
        targets[target.pk] = target
        by_account[target.pk].append(item)
    for pk, group in by_account.items():
        try:
            events = youtube.parse_threads({**payload, "items": group}, targets[pk])
        except DomainError as exc:
            raise LineError(_domain_reason(exc)) from exc
        except _SHAPE_ERRORS as exc:
            raise LineError(_shape_reason(exc)) from exc
        parsed.events.extend(events)
    return parsed


def _jsonl_source(
    *, path: Path, platform: str, account: SocialAccount | None, accounts: AccountIndex
) -> Iterator[tuple[int, _Parsed | LineError | None]]:
    for number, payload in _jsonl_payloads(path):
        if payload is None or isinstance(payload, LineError):
            yield number, payload
            continue
        try:
            if platform in ("meta", "instagram"):
                parsed = _parse_meta(payload, platform, accounts)
            elif platform == "x":
                parsed = _parse_x(payload, account, accounts)
            else:
                parsed = _parse_youtube(payload, accounts, account)
            _check_events(parsed)
        except LineError as exc:
            yield number, exc
            continue
        parsed.line = number
        yield number, parsed


# --- CSV and XLSX ----------------------------------------------------------------------------


def parse_mapping(text: str) -> dict[str, str]:
    """``text=Mensaje,sent_at=Fecha`` → {"text": "Mensaje", "sent_at": "Fecha"}."""
    mapping: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, sep, column = part.partition("=")
        name, column = name.strip(), column.strip()
        if not sep or not column:
            raise FileImportError(
                _("Correspondencia mal escrita «%(part)s»: use campo=Columna.") % {"part": part}
            )
        if name not in FIELDS:
            raise FileImportError(
                _("Campo desconocido «%(name)s» en la correspondencia; use uno de: %(fields)s.")
                % {"name": name, "fields": ", ".join(FIELDS)}
            )
        mapping[name] = column
    return mapping


def parse_when(value: object) -> datetime:
    """ISO 8601 (with offset, or naive meaning Lima time), ``YYYY-MM-DD HH:MM`` or
    ``DD/MM/YYYY HH:MM`` in Lima time, or a spreadsheet date cell (Lima time)."""
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0))
    else:
        text = str(value or "").strip()
        if text:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                for pattern in _LOCAL_FORMATS:
                    try:
                        moment = datetime.strptime(text, pattern)  # noqa: DTZ007 - Lima below
                        break
                    except ValueError:
                        continue
    if moment is None:
        raise LineError(
            _(
                "Fecha no válida «%(value)s»: use ISO 8601 (2025-03-01T10:15:00-05:00) "
                "o AAAA-MM-DD HH:MM en hora de Lima."
            )
            % {"value": str(value or "")[:40]}
        )
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=LIMA)
    return moment


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # spreadsheets store numeric ids as floats
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or, failing that, Windows-1252 (Excel's CSV on Windows)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def _csv_rows(path: Path) -> tuple[int, Iterator[tuple[int, list[object]]]]:
    """(total lines, iterator of (line number where the row starts, cells)); the header is the
    first row yielded."""
    encoding = _detect_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        sample = handle.read(64 * 1024)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    total = max(_count_lines(path) - 1, 0)

    def rows() -> Iterator[tuple[int, list[object]]]:
        csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
        with path.open(encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, dialect)
            start = 1
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise FileImportError(
                        _("El CSV no se puede leer desde la línea %(line)s: %(error)s")
                        % {"line": start, "error": exc}
                    ) from exc
                yield start, list(row)
                start = reader.line_num + 1

    return total, rows()


def _xlsx_rows(path: Path) -> tuple[int, Iterator[tuple[int, list[object]]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, xml, key errors)
        raise FileImportError(
            _("No se pudo abrir el libro de Excel: %(error)s") % {"error": str(exc)[:200]}
        ) from exc
    sheet = book.worksheets[0]
    total = max((sheet.max_row or 1) - 1, 0)

    def rows() -> Iterator[tuple[int, list[object]]]:
        try:
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(row)
        finally:
            book.close()

    return total, rows()


class _Columns:
    """Where each field is in the header, after the mapping."""

    def __init__(self, header: list[object], mapping: dict[str, str]) -> None:
        names = [_cell(h).casefold() for h in header]
        self.width = len(names)
        self.index: dict[str, int] = {}
        missing = []
        for name in FIELDS:
            column = mapping.get(name, name)
            if column.casefold() in names:
                self.index[name] = names.index(column.casefold())
            elif name in REQUIRED_FIELDS or name in mapping:
                missing.append(column)
        if missing:
            raise FileImportError(
                _("Faltan columnas en la cabecera: %(columns)s. Columnas del archivo: %(found)s.")
                % {
                    "columns": ", ".join(f"«{c}»" for c in missing),
                    "found": ", ".join(_cell(h) for h in header if _cell(h)) or "-",
                }
            )

    def values(self, row: list[object]) -> dict[str, object]:
        extra = [c for c in row[self.width :] if _cell(c)]
        if extra:
            raise LineError(
                _("La línea tiene más columnas que la cabecera (¿un separador sin comillas?).")
            )
        out: dict[str, object] = {}
        for name, position in self.index.items():
            if position >= len(row):
                if name in REQUIRED_FIELDS:
                    raise LineError(
                        _("Falta la columna «%(column)s» en la línea.") % {"column": name}
                    )
                continue
            out[name] = row[position]
        return out


def _row_event(values: dict[str, object], accounts: AccountIndex) -> IncomingMessage | IncomingPost:
    """One row: a message, or the entity's own post (its id is the row's thread id).

    A comments export names the post in ``thread_id``: each top-level comment (no
    ``parent_id``) starts its own conversation under that post, a reply joins the
    conversation of the message it answers (the parent's id when that is not known yet).
    A mention without ``parent_id`` also starts its own conversation."""
    for name in REQUIRED_FIELDS:
        if not _cell(values.get(name)):
            raise LineError(_("Falta el valor de «%(column)s».") % {"column": name})
    platform = _cell(values.get("platform")).lower()
    if platform and platform not in Platform.values:
        raise LineError(_("Plataforma desconocida «%(value)s».") % {"value": platform[:40]})
    platforms = (platform,) if platform else tuple(Platform.values)
    account = accounts.one(_cell(values["account"]), platforms)
    direction = _cell(values.get("direction")).lower()
    if direction not in _DIRECTIONS and direction not in Direction.values:
        raise LineError(
            _("Dirección desconocida «%(value)s»: use «entrante» o «saliente».")
            % {"value": direction[:40]}
        )
    kind = _cell(values.get("thread_kind")).lower() or ThreadKind.COMMENTS
    if kind not in ThreadKind.values:
        raise LineError(
            _("Tipo de hilo desconocido «%(value)s»; use uno de: %(allowed)s.")
            % {"value": kind[:40], "allowed": ", ".join(ThreadKind.values)}
        )
    text = values.get("text")
    thread_id = _cell(values["thread_id"])
    message_id = _cell(values["message_id"])
    parent_id = _cell(values.get("parent_id"))
    from_entity = _DIRECTIONS.get(direction, direction == Direction.SALIENTE)
    sent_at = parse_when(values["sent_at"])
    # Text keeps its own spacing; only None becomes empty.
    body = "" if text is None else str(text)
    try:
        attachments = import_attachments(_cell(values.get("attachments")))
    except ValueError as exc:
        raise LineError(
            _("Adjunto no válido «%(value)s»: use direcciones http:// o https://.")
            % {"value": str(exc)[:80]}
        ) from exc
    post_id = ""
    if kind == ThreadKind.COMMENTS:
        if message_id == thread_id and not parent_id and from_entity:
            return IncomingPost(
                platform=account.platform,
                account_id=account.pk,
                post_id=thread_id,
                text=body,
                posted_at=sent_at,
            )
        if message_id != thread_id:
            post_id = thread_id
        thread_id = parent_id or message_id
    elif kind == ThreadKind.MENTION:
        thread_id = parent_id or message_id
    return IncomingMessage(
        platform=account.platform,
        account_id=account.pk,
        thread_kind=kind,
        thread_id=thread_id,
        message_id=message_id,
        sent_at=sent_at,
        text=body,
        author_id=_cell(values.get("author_id")),
        author_name=_cell(values.get("author_name")),
        parent_id=parent_id,
        from_entity=from_entity,
        post_id=post_id,
        attachments=attachments,
    )


def _table_source(
    *, rows: Iterator[tuple[int, list[object]]], mapping: dict[str, str], accounts: AccountIndex
) -> Iterator[tuple[int, _Parsed | LineError | None]]:
    columns: _Columns | None = None
    for number, row in rows:
        if columns is None:
            columns = _Columns(row, mapping)
            continue
        if not any(_cell(c) for c in row):
            yield number, None
            continue
        try:
            event = _row_event(columns.values(row), accounts)
            if isinstance(event, IncomingPost):
                if len(event.post_id) > PLATFORM_ID_MAX:
                    raise LineError(
                        _("El id de la publicación supera los %(max)s caracteres.")
                        % {"max": PLATFORM_ID_MAX}
                    )
                yield number, _Parsed(line=number, posts=[event])
                continue
            parsed = _Parsed(line=number, events=[event])
            _check_events(parsed)
            if parsed.problems:
                raise LineError(parsed.problems[0])
        except LineError as exc:
            yield number, exc
            continue
        yield number, parsed
    if columns is None:
        raise FileImportError(_("El archivo está vacío: falta la fila de cabecera."))


# --- batches ---------------------------------------------------------------------------------


class _Batcher:
    def __init__(self, report: ImportReport, *, batch_size: int, is_demo: bool) -> None:
        self.report = report
        self.batch_size = batch_size
        self.is_demo = is_demo
        self.pending: list[_Parsed] = []
        self.size = 0

    def add(self, parsed: _Parsed) -> None:
        self.pending.append(parsed)
        self.size += max(len(parsed.events), 1)
        if self.size >= self.batch_size:
            self.flush()

    def _store(self, items: list[_Parsed]) -> None:
        from agora.inbox.ingest import quarantine_store

        with transaction.atomic():
            result = messages_ingest(
                batch=[e for p in items for e in p.events],
                is_demo=self.is_demo,
                posts=[post for p in items for post in p.posts],
                # Reported on their line below rather than quarantined.
                quarantine_refused=False,
            )
            by_platform: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
            for parsed in items:
                for platform, object_id, reason, entry in parsed.quarantine:
                    by_platform[platform].append((object_id, reason, entry))
            quarantined = sum(quarantine_store(p, q) for p, q in by_platform.items())
        self.report.created += result.created
        self.report.edited += result.edited
        self.report.deleted += result.deleted
        self.report.unchanged += result.unchanged
        self.report.skipped += result.skipped
        self.report.quarantined += quarantined
        if result.refused:  # _check_events catches these first; the line says why anyway
            lines = {id(e): p.line for p in items for e in p.events}
            for refused in result.refused:
                self.report.errors.append(
                    LineProblem(
                        lines.get(id(refused.event), 0),
                        "%s: %s" % (_event_label(refused.event), refused.reason),
                    )
                )

    def flush(self) -> None:
        items, self.pending, self.size = self.pending, [], 0
        if not items:
            return
        try:
            self._store(items)
        except DatabaseError:
            # One line the database refuses must not sink the others: retry line by line.
            for parsed in items:
                try:
                    self._store([parsed])
                except DatabaseError as exc:
                    self.report.errors.append(
                        LineProblem(
                            parsed.line,
                            _("La base de datos rechazó la línea: %(error)s")
                            % {"error": str(exc)[:200]},
                        )
                    )


def import_file(
    *,
    platform: str,
    path: Path,
    mapping: dict[str, str] | None = None,
    account: str = "",
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    is_demo: bool = False,
) -> ImportReport:
    """Imports ``path`` and returns the report. Raises ``FileImportError`` (DomainError) when the
    file as a whole cannot be read; batches already stored stay stored."""
    if platform not in PLATFORMS:
        raise FileImportError(
            _("Plataforma desconocida «%(platform)s»; use una de: %(allowed)s.")
            % {"platform": platform, "allowed": ", ".join(PLATFORMS)}
        )
    if not path.is_file():
        raise FileImportError(_("No existe el archivo %(path)s.") % {"path": path})
    accounts = AccountIndex()
    fixed: SocialAccount | None = None
    if account:
        if platform not in ACCOUNT_PLATFORMS:
            raise FileImportError(_("--account solo se usa con --platform x o youtube."))
        try:
            fixed = accounts.one(account, (ACCOUNT_PLATFORMS[platform],))
        except LineError as exc:
            raise FileImportError(str(exc)) from exc
    report = ImportReport()
    source: Iterator[tuple[int, _Parsed | LineError | None]]
    if platform == "csv":
        rows_reader = _xlsx_rows if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_rows
        report.total, rows = rows_reader(path)
        source = _table_source(rows=rows, mapping=mapping or {}, accounts=accounts)
    else:
        if mapping:
            raise FileImportError(_("--map solo se usa con --platform csv."))
        report.total = _count_lines(path)
        source = _jsonl_source(path=path, platform=platform, account=fixed, accounts=accounts)
    batcher = _Batcher(report, batch_size=max(batch_size, 1), is_demo=is_demo)
    with _bulk_session():
        _import_lines(report, source, batcher, header=platform == "csv", progress=progress)
    report.errors.sort(key=lambda e: e.line)
    return report


def _import_lines(
    report: ImportReport,
    source: Iterator[tuple[int, _Parsed | LineError | None]],
    batcher: _Batcher,
    *,
    header: bool,
    progress: Progress | None,
) -> None:
    try:
        for number, item in source:
            if isinstance(item, LineError):
                report.errors.append(LineProblem(number, str(item)))
            elif item is not None:
                report.errors.extend(LineProblem(number, problem) for problem in item.problems)
                report.ignored += item.ignored
                if item.events or item.posts or item.quarantine:
                    batcher.add(item)
            report.processed = number - header
            if progress is not None:
                progress(report.processed, report.total)
    except FileImportError:
        # What was read before a broken CSV record is still stored: every line stands alone.
        batcher.flush()
        raise
    batcher.flush()


@contextmanager
def _bulk_session() -> Iterator[None]:
    """What a file import changes for its own duration, restored afterwards: Python's cycle
    collector paused (a batch makes hundreds of thousands of short-lived objects, all freed
    by reference counting, and every full collection walked them and the whole heap: ~1/10 of
    the command's time), and on SQLite a larger page cache for this connection, so that the
    index pages a batch writes stay in memory until its commit instead of being written to
    the WAL and read back (the default is 2 MiB; the conversations alone have 18 indexes),
    and its temporary files in memory: a multi-row insert keeps the pages it changes in a
    statement journal (to undo that statement alone), a file on disk beyond 64 KiB; and WAL
    checkpoints every ``SQLITE_CHECKPOINT_PAGES`` pages instead of after every batch, with
    one at the end. None of this changes what is stored. Durability stays what WAL with
    ``synchronous=NORMAL`` (agora/settings.py) gives: a committed batch survives the process
    being killed; a power cut may undo the batches written since the last checkpoint, which
    running the file again stores (ingestion is idempotent: nothing is ever doubled)."""
    collecting = gc.isenabled()
    gc.disable()
    previous_cache: int | None = None
    previous_temp: int | None = None
    previous_checkpoint = 1000
    try:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                previous_cache = int(cursor.fetchone()[0])
                cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
                if not connection.in_atomic_block:  # SQLite may refuse it in a transaction
                    cursor.execute("PRAGMA temp_store")
                    previous_temp = int(cursor.fetchone()[0])
                    cursor.execute("PRAGMA temp_store = MEMORY")
                cursor.execute("PRAGMA wal_autocheckpoint")
                previous_checkpoint = int(cursor.fetchone()[0])
                cursor.execute(f"PRAGMA wal_autocheckpoint = {SQLITE_CHECKPOINT_PAGES}")
        yield
    finally:
        if previous_cache is not None and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {previous_cache}")
                if previous_temp is not None and not connection.in_atomic_block:
                    cursor.execute(f"PRAGMA temp_store = {previous_temp}")
                cursor.execute(f"PRAGMA wal_autocheckpoint = {previous_checkpoint}")
                if not connection.in_atomic_block:
                    # What the import left in the WAL goes to the database now (never
                    # waiting for readers), as the default threshold would have done.
                    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        if collecting:
            gc.enable()
