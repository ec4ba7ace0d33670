"""Every write to the directory: entities, accounts and their verification workflow, imports.

Each function is one use case: it checks who asks, validates, writes atomically, audits, and
raises ``DomainError`` with a Spanish message when it refuses (nothing is written then).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.directory import permissions
from agora.directory.handles import AccountReferenceError, parse_reference
from agora.directory.models import (
    PLATFORM_ACCOUNT_ID_MAX,
    AccountStatus,
    DirectoryRevision,
    Entity,
    Platform,
    SocialAccount,
)

ACCOUNT_FIELDS = ["entity", "platform", "handle", "url", "platform_id", "status", "status_reason"]
ENTITY_FIELDS = [
    "name",
    "acronym",
    "branch",
    "level",
    "entity_type",
    "department_code",
    "department",
    "province",
    "ubigeo",
    "website",
    "description",
    "functions",
    "source",
]


def revision_bump() -> None:
    """Marks the directory as changed so that cached pages are rebuilt."""
    updated = DirectoryRevision.objects.filter(pk=1).update(number=F("number") + 1)
    if not updated:
        DirectoryRevision.objects.get_or_create(pk=1, defaults={"number": 1})
    from agora.directory.selectors import revision_forget  # selectors import this module

    transaction.on_commit(revision_forget)
    revision_forget()


def entity_counts_refresh(*, entity_ids: Iterable[int]) -> None:
    """Recomputes the denormalised count of verified accounts of these entities."""
    ids = set(entity_ids)
    counts = dict(
        SocialAccount.objects.filter(entity_id__in=ids, status=AccountStatus.VERIFICADA)
        .values_list("entity_id")
        .annotate(n=Count("id"))
        .values_list("entity_id", "n")
    )
    entities = list(Entity.objects.filter(pk__in=ids).only("id", "verified_count"))
    changed = [e for e in entities if e.verified_count != counts.get(e.pk, 0)]
    for entity in changed:
        entity.verified_count = counts.get(entity.pk, 0)
    Entity.objects.bulk_update(changed, ["verified_count"], batch_size=500)


# --- permissions -----------------------------------------------------------------------------


def _require_rector(actor: User | None, system: bool) -> None:
    if system:
        return
    if not permissions.may_verify_accounts(actor):
        raise PermissionDeniedError(
            _("Solo el personal del ente rector puede verificar o cambiar el estado de cuentas.")
        )


def _require_manager_or_rector(actor: User | None, entity: Entity, system: bool) -> None:
    if system:
        return
    if not permissions.may_register_accounts(actor, entity):
        raise PermissionDeniedError(
            _(
                "Solo el responsable de comunicaciones de %(entity)s o el ente rector pueden "
                "registrar o retirar sus cuentas."
            )
            % {"entity": entity.name}
        )


# --- entities --------------------------------------------------------------------------------


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def entities_load(*, rows: Iterable[dict[str, Any]], actor: User | None = None) -> LoadResult:
    """Creates or updates entities by code; running it twice changes nothing the second time.

    ``rows`` carry the ``ENTITY_FIELDS`` plus ``code`` and optionally ``parent_code``.
    """
    rows = list(rows)
    existing = {e.code: e for e in Entity.objects.all()}
    result = LoadResult()
    to_create: list[Entity] = []
    to_update: list[Entity] = []
    for row in rows:
        values = {name: row.get(name) or "" for name in ENTITY_FIELDS}
        entity = existing.get(row["code"])
        if entity is None:
            entity = Entity(code=row["code"], **values)
            entity.search_text = entity.build_search_text()
            to_create.append(entity)
            existing[entity.code] = entity
            continue
        if any(getattr(entity, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(entity, name, value)
            entity.search_text = entity.build_search_text()
            to_update.append(entity)
        else:
            result.unchanged += 1
    Entity.objects.bulk_create(to_create, batch_size=500)
    Entity.objects.bulk_update(to_update, [*ENTITY_FIELDS, "search_text"], batch_size=500)
    result.created, result.updated = len(to_create), len(to_update)
    # Parents are set in a second pass: a row may name a parent that comes later in the file.
    ids = dict(Entity.objects.values_list("code", "id"))
    parent_changes = []
    for row in rows:
        parent_id = ids.get(row.get("parent_code") or "")
        entity = existing[row["code"]]
        if entity.pk is None:
            entity.pk = ids[row["code"]]
        if entity.parent_id != parent_id:
            entity.parent_id = parent_id
            parent_changes.append(entity)
    Entity.objects.bulk_update(parent_changes, ["parent"], batch_size=500)
    if to_create or to_update or parent_changes:
        revision_bump()
    return result


# --- accounts --------------------------------------------------------------------------------


def _reference(platform: str, handle: str, url: str) -> tuple[str, str, str]:
    """(handle, key, url) from what a person typed; raises DomainError when unreadable."""
    if platform not in Platform.values:
        raise DomainError(_("Plataforma desconocida: «%(value)s».") % {"value": platform})
    try:
        if url:
            ref = parse_reference(url, platform=platform)
            if handle and ref.platform != Platform.OTHER:
                given = parse_reference(handle, platform=platform)
                if given.key != ref.key:
                    raise DomainError(
                        _("El nombre de usuario «%(handle)s» no coincide con la URL.")
                        % {"handle": handle}
                    )
        else:
            ref = parse_reference(handle, platform=platform)
    except AccountReferenceError as exc:
        raise DomainError(
            _("No se reconoce «%(value)s» como una cuenta de %(platform)s.")
            % {"value": url or handle, "platform": Platform(platform).label}
        ) from exc
    url = ref.url or url
    handle_max = SocialAccount._meta.get_field("handle").max_length or 150
    url_max = SocialAccount._meta.get_field("url").max_length or 500
    if len(ref.handle) > handle_max or len(ref.key) > handle_max:
        raise DomainError(
            _("El nombre de usuario supera los %(max)s caracteres.") % {"max": handle_max}
        )
    if len(url) > url_max:
        raise DomainError(_("La URL supera los %(max)s caracteres.") % {"max": url_max})
    return ref.handle, ref.key, url


def _platform_id(value: str) -> str:
    """The account's id on the platform, whole: a longer one is refused, never cut."""
    value = (value or "").strip()
    if len(value) > PLATFORM_ACCOUNT_ID_MAX:
        raise DomainError(
            _("El id en la plataforma supera los %(max)s caracteres.")
            % {"max": PLATFORM_ACCOUNT_ID_MAX}
        )
    return value


@transaction.atomic
def account_propose(
    *,
    actor: User | None,
    system: bool = False,
    entity: Entity,
    platform: str,
    handle: str = "",
    url: str = "",
    platform_id: str = "",
    evidence: str = "",
    is_demo: bool = False,
) -> SocialAccount:
    """An entity manager or rector staff registers an account; it waits for verification."""
    _require_manager_or_rector(actor, entity, system)
    if not (handle or url):
        raise DomainError(_("Indique el nombre de usuario o la URL de la cuenta."))
    handle, key, url = _reference(platform, handle, url)
    clash = SocialAccount.objects.filter(platform=platform, handle_key=key).first()
    if clash is not None and clash.status in (AccountStatus.RECHAZADA, AccountStatus.RETIRADA):
        # A rejected or retired handle may be proposed again (by its rightful owner, say):
        # the same row goes back to pending, with the history in the audit log.
        before = snapshot(clash, ACCOUNT_FIELDS)
        clash.entity = entity
        clash.handle, clash.url = handle, url
        clash.platform_id = _platform_id(platform_id)
        clash.evidence = evidence.strip()
        clash.status, clash.status_reason = AccountStatus.PENDIENTE, ""
        clash.proposed_by, clash.verified_by, clash.verified_at = actor, None, None
        clash.save()
        audit_record(
            actor=actor,
            verb="cuenta.propuesta",
            instance=clash,
            scope=entity.code,
            before=before,
            after=snapshot(clash, ACCOUNT_FIELDS),
        )
        entity_counts_refresh(entity_ids={entity.pk, before["entity"]})
        revision_bump()
        return clash
    if clash is not None:
        raise DomainError(
            _("La cuenta %(account)s ya está registrada para %(entity)s.")
            % {"account": str(clash), "entity": clash.entity.name}
        )
    account = SocialAccount(
        entity=entity,
        platform=platform,
        handle=handle,
        handle_key=key,
        url=url,
        platform_id=_platform_id(platform_id),
        evidence=evidence.strip(),
        proposed_by=actor,
        is_demo=is_demo,
    )
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as exc:  # a concurrent proposal of the same handle
        raise DomainError(_("Esa cuenta ya está registrada.")) from exc
    audit_record(
        actor=actor,
        verb="cuenta.propuesta",
        instance=account,
        scope=entity.code,
        after=snapshot(account, ACCOUNT_FIELDS),
    )
    revision_bump()
    return account


_TRANSITIONS: dict[str, set[str]] = {
    AccountStatus.VERIFICADA: {AccountStatus.PENDIENTE, AccountStatus.SUSPENDIDA},
    AccountStatus.RECHAZADA: {AccountStatus.PENDIENTE},
    AccountStatus.SUSPENDIDA: {AccountStatus.VERIFICADA},
    AccountStatus.RETIRADA: {
        AccountStatus.PENDIENTE,
        AccountStatus.VERIFICADA,
        AccountStatus.SUSPENDIDA,
    },
    AccountStatus.PENDIENTE: {AccountStatus.RECHAZADA, AccountStatus.RETIRADA},
}


def _account_set_status(
    *, actor: User | None, account: SocialAccount, status: str, reason: str, evidence: str = ""
) -> SocialAccount:
    account = SocialAccount.objects.select_for_update().select_related("entity").get(pk=account.pk)
    if account.status not in _TRANSITIONS[status]:
        raise DomainError(
            _("Una cuenta en estado «%(current)s» no puede pasar a «%(new)s».")
            % {
                "current": AccountStatus(account.status).label,
                "new": AccountStatus(status).label,
            }
        )
    before = snapshot(account, [*ACCOUNT_FIELDS, "verified_at"])
    account.status = status
    account.status_reason = reason.strip()
    if status == AccountStatus.VERIFICADA:
        account.verified_by = actor
        account.verified_at = timezone.now()
        if evidence.strip():
            account.evidence = evidence.strip()
    account.save()
    audit_record(
        actor=actor,
        verb=f"cuenta.{status}",
        instance=account,
        scope=account.entity.code,
        before=before,
        after=snapshot(account, [*ACCOUNT_FIELDS, "verified_at"]),
        reason=reason,
    )
    entity_counts_refresh(entity_ids=[account.entity_id])
    revision_bump()
    return account


@transaction.atomic
def account_verify(
    *, actor: User | None, system: bool = False, account: SocialAccount, evidence: str = ""
) -> SocialAccount:
    """Rector staff confirm that the account is the entity's official one."""
    _require_rector(actor, system)
    if not (evidence.strip() or account.evidence.strip()):
        raise DomainError(
            _("Indique la evidencia de la verificación (oficio, enlace desde el sitio web, etc.).")
        )
    return _account_set_status(
        actor=actor, account=account, status=AccountStatus.VERIFICADA, reason="", evidence=evidence
    )


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise DomainError(_("Indique el motivo."))


@transaction.atomic
def account_reject(
    *, actor: User | None, system: bool = False, account: SocialAccount, reason: str
) -> SocialAccount:
    _require_rector(actor, system)
    _require_reason(reason)
    return _account_set_status(
        actor=actor, account=account, status=AccountStatus.RECHAZADA, reason=reason
    )


@transaction.atomic
def account_suspend(
    *, actor: User | None, system: bool = False, account: SocialAccount, reason: str
) -> SocialAccount:
    _require_rector(actor, system)
    _require_reason(reason)
    return _account_set_status(
        actor=actor, account=account, status=AccountStatus.SUSPENDIDA, reason=reason
    )


@transaction.atomic
def account_retire(
    *, actor: User | None, system: bool = False, account: SocialAccount, reason: str
) -> SocialAccount:
    """The entity stopped using the account (or it was closed): it stays listed as retired."""
    _require_manager_or_rector(actor, account.entity, system)
    _require_reason(reason)
    return _account_set_status(
        actor=actor, account=account, status=AccountStatus.RETIRADA, reason=reason
    )


# --- CSV import ------------------------------------------------------------------------------

IMPORT_COLUMNS = ["entity_code", "platform", "handle", "url", "platform_id", "status"]
IMPORT_MAX_BYTES = 5 * 1024 * 1024


@dataclass
class ImportLineError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("Línea %(line)s, columna «%(column)s»: %(message)s") % {
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportReport:
    errors: list[ImportLineError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _ImportRow:
    line: int
    entity: Entity
    platform: str
    handle: str
    key: str
    url: str
    platform_id: str
    status: str


def _read_csv(data: bytes | str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    if isinstance(data, bytes):
        if len(data) > IMPORT_MAX_BYTES:
            raise DomainError(_("El archivo supera el máximo de 5 MB."))
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DomainError(_("El archivo no está codificado en UTF-8.")) from exc
    else:
        text = data
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise DomainError(
            _("El archivo no es un CSV válido (línea %(line)s): %(error)s")
            % {"line": reader.line_num, "error": exc}
        ) from exc
    return header, rows


def _validate_rows(
    rows: list[tuple[int, dict[str, str]]], report: ImportReport
) -> list[_ImportRow]:
    entities = {
        e.code: e
        for e in Entity.objects.filter(
            code__in={(r.get("entity_code") or "").strip() for _, r in rows}
        )
    }
    seen: dict[tuple[str, str], int] = {}
    valid: list[_ImportRow] = []
    for line, row in rows:
        if None in row:
            report.errors.append(
                ImportLineError(line, "-", _("La línea tiene más columnas que la cabecera."))
            )
            continue
        cells = {name: (row.get(name) or "").strip() for name in IMPORT_COLUMNS}
        line_errors: list[ImportLineError] = []
        entity = entities.get(cells["entity_code"])
        if entity is None:
            line_errors.append(
                ImportLineError(
                    line,
                    "entity_code",
                    _("No existe una entidad con el código «%(code)s».")
                    % {"code": cells["entity_code"][:40]},
                )
            )
        status = cells["status"] or AccountStatus.PENDIENTE
        if status not in AccountStatus.values:
            line_errors.append(
                ImportLineError(
                    line,
                    "status",
                    _("Estado desconocido «%(value)s»; use uno de: %(allowed)s.")
                    % {"value": status[:40], "allowed": ", ".join(AccountStatus.values)},
                )
            )
        platform = cells["platform"].lower()
        handle = key = url = ""
        if platform not in Platform.values:
            line_errors.append(
                ImportLineError(
                    line,
                    "platform",
                    _("Plataforma desconocida «%(value)s»; use una de: %(allowed)s.")
                    % {"value": platform[:40], "allowed": ", ".join(Platform.values)},
                )
            )
        elif not (cells["handle"] or cells["url"]):
            line_errors.append(
                ImportLineError(line, "handle", _("Falta el nombre de usuario o la URL."))
            )
        else:
            try:
                handle, key, url = _reference(platform, cells["handle"], cells["url"])
            except DomainError as exc:
                column = "url" if cells["url"] else "handle"
                line_errors.append(ImportLineError(line, column, exc.messages[0]))
        if len(cells["platform_id"]) > PLATFORM_ACCOUNT_ID_MAX:
            line_errors.append(
                ImportLineError(
                    line,
                    "platform_id",
                    _("El id en la plataforma supera los %(max)s caracteres.")
                    % {"max": PLATFORM_ACCOUNT_ID_MAX},
                )
            )
        if key:
            first = seen.setdefault((platform, key), line)
            if first != line:
                line_errors.append(
                    ImportLineError(
                        line,
                        "handle",
                        _("La cuenta se repite: ya aparece en la línea %(line)s.")
                        % {"line": first},
                    )
                )
        if line_errors or entity is None:
            report.errors.extend(line_errors)
            continue
        valid.append(
            _ImportRow(line, entity, platform, handle, key, url, cells["platform_id"], status)
        )
    return valid


@transaction.atomic
def accounts_import(
    *,
    actor: User | None,
    system: bool = False,
    data: bytes | str,
    dry_run: bool = True,
    source: str = "CSV",
) -> ImportReport:
    """Imports accounts from CSV (``IMPORT_COLUMNS``). All or nothing: if any line is bad,
    the report lists every bad line and nothing is written. Re-importing changes nothing."""
    _require_rector(actor, system)
    report = ImportReport(dry_run=dry_run)
    header, rows = _read_csv(data)
    missing = [name for name in IMPORT_COLUMNS if name not in header]
    if missing:
        report.errors.append(
            ImportLineError(
                1,
                ", ".join(missing),
                _("Faltan columnas en la cabecera; se esperan: %(columns)s.")
                % {"columns": ",".join(IMPORT_COLUMNS)},
            )
        )
        return report
    if not rows:
        report.errors.append(ImportLineError(2, "-", _("El archivo no tiene filas de datos.")))
        return report
    valid = _validate_rows(rows, report)
    existing = {
        (a.platform, a.handle_key): a
        for a in SocialAccount.objects.filter(handle_key__in={r.key for r in valid})
    }
    for row in valid:
        account = existing.get((row.platform, row.key))
        if account is not None and account.entity_id != row.entity.pk:
            report.errors.append(
                ImportLineError(
                    row.line,
                    "handle",
                    _("La cuenta ya está registrada para otra entidad (%(code)s).")
                    % {"code": account.entity.code},
                )
            )
    if report.errors:
        report.errors.sort(key=lambda e: e.line)
        return report
    now = timezone.now()
    changed = False
    for row in valid:
        account = existing.get((row.platform, row.key))
        if account is None:
            account = SocialAccount(
                entity=row.entity,
                platform=row.platform,
                handle_key=row.key,
                proposed_by=actor,
            )
            before = None
        else:
            before = snapshot(account, [*ACCOUNT_FIELDS, "verified_at"])
        new_values = {
            "handle": row.handle,
            "url": row.url,
            "platform_id": row.platform_id or (account.platform_id if account.pk else ""),
            "status": row.status,
        }
        if account.pk and all(getattr(account, k) == v for k, v in new_values.items()):
            report.unchanged += 1
            continue
        for name, value in new_values.items():
            setattr(account, name, value)
        if row.status == AccountStatus.VERIFICADA and (before or {}).get("status") != row.status:
            account.verified_by = actor
            account.verified_at = now
            account.evidence = _("Importación de %(source)s, línea %(line)s") % {
                "source": source,
                "line": row.line,
            }
        if dry_run:
            report.created += before is None
            report.updated += before is not None
            continue
        account.save()
        changed = True
        audit_record(
            actor=actor,
            verb="cuenta.importada",
            instance=account,
            scope=row.entity.code,
            before=before,
            after=snapshot(account, [*ACCOUNT_FIELDS, "verified_at"]),
            reason=_("Importación de %(source)s, línea %(line)s")
            % {"source": source, "line": row.line},
        )
        if before is None:
            report.created += 1
        else:
            report.updated += 1
    if changed:
        entity_counts_refresh(entity_ids={row.entity.pk for row in valid})
        revision_bump()
    return report
