"""Reports of fake accounts: a citizen reports an account that impersonates an entity, rector
staff decide, and the decision is published.

Writes (``fake_report_submit``, ``fake_report_decide``) are atomic and audited like the rest of
the directory's services; the reads below them know who asks. What is public of a report: the
account, the entity impersonated, the decision, its public reason and dates — never the
description or the contact address (Ley 29733).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.text import fold
from agora.directory import permissions
from agora.directory.handles import AccountReferenceError, UnresolvableLinkError, parse_reference
from agora.directory.models import (
    FAKE_REPORT_DECIDED,
    Entity,
    FakeAccountReport,
    FakeAccountReportQuerySet,
    FakeReportStatus,
    SocialAccount,
)
from agora.directory.selectors import entity_search

# Per client address (a keyed hash of it): enough for a person reporting a few accounts, too
# little for anyone flooding the rector's queue.
LIMIT_PER_HOUR = 5
LIMIT_PER_DAY = 20
REPORT_FIELDS = ["status", "public_reason", "entity", "platform", "handle", "reported_url"]
TOKEN_SALT = "agora.directory.fake-report"  # noqa: S105 (a signing salt, not a secret)


class ReportThrottledError(DomainError):
    """Too many reports from one client address: the view answers 429."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def client_hash(address: str) -> str:
    """A keyed hash of the client's address: it counts reports without keeping the address."""
    key = f"{settings.SECRET_KEY}:fake-report".encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def report_token(report: FakeAccountReport) -> str:
    """The reporter's link to follow the report (signed: numbers can't be guessed)."""
    return signing.dumps(report.pk, salt=TOKEN_SALT)


def entity_resolve(text: str) -> Entity | None:
    """The entity a person means by a name, acronym or code, when only one fits."""
    text = text.strip()
    folded = fold(text)
    if not folded:
        return None
    for condition in (Q(code__iexact=text), Q(acronym__iexact=text), Q(name__iexact=text)):
        found = list(Entity.objects.filter(condition)[:2])
        if len(found) == 1:
            return found[0]
    # Typed without accents or in another case: the one search result, or the one whose
    # name is exactly what was typed.
    found = list(entity_search(q=text)[:20])
    if len(found) == 1:
        return found[0]
    exact = [e for e in found if fold(e.name) == folded]
    return exact[0] if len(exact) == 1 else None


def _verified_with(platform: str, key: str) -> SocialAccount | None:
    if not key:
        return None
    accounts = SocialAccount.objects.verified().select_related("entity").filter(handle_key=key)
    if platform:
        accounts = accounts.filter(platform=platform)
    return accounts.first()


def _throttle(client: str, now: datetime) -> None:
    recent = FakeAccountReport.objects.filter(
        client_hash=client, created_at__gte=now - timedelta(days=1)
    ).aggregate(
        day=Count("id"),
        hour=Count("id", filter=Q(created_at__gte=now - timedelta(hours=1))),
    )
    if recent["hour"] >= LIMIT_PER_HOUR:
        raise ReportThrottledError(
            _(
                "Ya recibimos %(count)s reportes desde su conexión en la última hora. Para que "
                "el equipo pueda revisarlos todos, espere una hora antes de enviar otro."
            )
            % {"count": LIMIT_PER_HOUR},
            retry_after=3600,
        )
    if recent["day"] >= LIMIT_PER_DAY:
        raise ReportThrottledError(
            _("Ya recibimos %(count)s reportes desde su conexión hoy. Inténtelo de nuevo mañana.")
            % {"count": LIMIT_PER_DAY},
            retry_after=86400,
        )


@transaction.atomic
def fake_report_submit(
    *,
    reporter: User | None,
    client_address: str,
    reported: str,
    entity_text: str = "",
    evidence_url: str = "",
    description: str,
    contact_email: str = "",
    now: datetime | None = None,
) -> FakeAccountReport:
    """Records a citizen's report (anonymous allowed) for the rector's queue."""
    now = now or timezone.now()
    client = client_hash(client_address)
    _throttle(client, now)
    reported = reported.strip()
    try:
        ref = parse_reference(reported)
        platform, handle, key, url = ref.platform or "", ref.handle, ref.key, ref.url or reported
    except UnresolvableLinkError as exc:
        # A share link: kept as pasted; the rector opens it and records the profile.
        platform, handle, key, url = exc.platform, "", "", reported
    except AccountReferenceError as exc:
        raise DomainError(
            _(
                "No reconocemos «%(text)s» como la dirección o el nombre de usuario de una "
                "cuenta en redes sociales. Pegue la dirección del perfil (por ejemplo, "
                "https://www.facebook.com/nombredelapagina)."
            )
            % {"text": reported[:80]}
        ) from exc
    official = _verified_with(platform, key)
    if official is not None:
        raise DomainError(
            _(
                "%(account)s es una cuenta oficial verificada de %(entity)s, no una cuenta falsa. "
                "Si cree que fue robada o publica algo extraño, escriba directamente a la entidad."
            )
            % {"account": official, "entity": official.entity.name}
        )
    report = FakeAccountReport.objects.create(
        reported_url=url[:500],
        platform=platform,
        handle=handle[:150],
        handle_key=key[:150],
        entity=entity_resolve(entity_text),
        entity_text=entity_text.strip()[:200],
        evidence_url=evidence_url.strip(),
        description=description.strip(),
        contact_email=contact_email.strip(),
        reporter=reporter if reporter is not None and reporter.pk else None,
        client_hash=client,
        created_at=now,
    )
    audit_record(
        actor=reporter,
        verb="cuenta_falsa.reportada",
        instance=report,
        after=snapshot(report, REPORT_FIELDS),
        reason=_("Reporte ciudadano") if reporter is None or not reporter.pk else "",
    )
    return report


DECISIONS = {
    "en_revision": FakeReportStatus.EN_REVISION,
    "confirmar": FakeReportStatus.CONFIRMADA,
    "descartar": FakeReportStatus.DESCARTADA,
}


@transaction.atomic
def fake_report_decide(
    *,
    actor: User | None,
    report: FakeAccountReport,
    decision: str,
    reason: str,
    entity_text: str = "",
    profile_url: str = "",
) -> FakeAccountReport:
    """Rector staff take a report in review, confirm the account as fake or discard the
    report. A final decision needs a public reason and closes the other open reports of the
    same account with it."""
    if not permissions.may_decide_fake_reports(actor):
        raise PermissionDeniedError(_("Solo el personal del ente rector decide los reportes."))
    status = DECISIONS.get(decision)
    if status is None:
        raise DomainError(_("Elija una decisión válida."))
    report = FakeAccountReport.objects.select_for_update().get(pk=report.pk)
    if report.status in FAKE_REPORT_DECIDED:
        raise DomainError(_("Este reporte ya fue decidido."))
    reason = reason.strip()
    final = status in FAKE_REPORT_DECIDED
    if final and len(reason) < 10:
        raise DomainError(
            _("Escriba el motivo de la decisión (se publica): al menos 10 caracteres.")
        )
    before = snapshot(report, REPORT_FIELDS)
    if profile_url.strip():
        try:
            ref = parse_reference(profile_url)
        except AccountReferenceError as exc:
            raise DomainError(
                _("La dirección del perfil no es la de una cuenta: pegue la del perfil.")
            ) from exc
        report.platform, report.handle = ref.platform or "", ref.handle
        report.handle_key, report.reported_url = ref.key, (ref.url or profile_url.strip())[:500]
    if entity_text.strip():
        entity = entity_resolve(entity_text)
        if entity is None:
            raise DomainError(
                _("No encontramos una sola entidad llamada «%(text)s»: use su código o siglas.")
                % {"text": entity_text.strip()[:80]}
            )
        report.entity = entity
    if status == FakeReportStatus.CONFIRMADA:
        if not report.handle_key:
            raise DomainError(
                _(
                    "Para confirmar la cuenta como falsa, indique la dirección de su perfil "
                    "(el reporte trae un enlace que no la dice)."
                )
            )
        official = _verified_with(report.platform, report.handle_key)
        if official is not None:
            raise DomainError(
                _("%(account)s está verificada en el directorio: suspéndala antes.")
                % {"account": official}
            )
    now = timezone.now()
    report.status = status
    if final:
        report.public_reason = reason
        report.decided_by = actor
        report.decided_at = now
    report.save()
    audit_record(
        actor=actor,
        verb=f"cuenta_falsa.{status}",
        instance=report,
        before=before,
        after=snapshot(report, REPORT_FIELDS),
        reason=reason,
    )
    if final and report.handle_key:
        duplicates = FakeAccountReport.objects.open().filter(
            handle_key=report.handle_key, platform=report.platform
        )
        for duplicate in duplicates.exclude(pk=report.pk).select_for_update():
            previous = snapshot(duplicate, REPORT_FIELDS)
            duplicate.status = status
            duplicate.public_reason = reason
            duplicate.entity = duplicate.entity or report.entity
            duplicate.decided_by = actor
            duplicate.decided_at = now
            duplicate.save()
            audit_record(
                actor=actor,
                verb=f"cuenta_falsa.{status}",
                instance=duplicate,
                before=previous,
                after=snapshot(duplicate, REPORT_FIELDS),
                reason=_("Misma cuenta que el reporte n.º %(number)s: %(reason)s")
                % {"number": report.pk, "reason": reason},
            )
    return report


# --- reads -------------------------------------------------------------------------------------


def fake_reports_queue(*, user: User) -> FakeAccountReportQuerySet:
    """Open reports, oldest first, for rector staff only."""
    if not permissions.may_decide_fake_reports(user):
        raise PermissionDeniedError(_("Solo el personal del ente rector ve los reportes."))
    return (
        FakeAccountReport.objects.open().select_related("entity", "reporter").order_by("created_at")
    )


def fake_report_get_for_rector(*, user: User, report_id: int) -> FakeAccountReport:
    report = fake_reports_queue(user=user).filter(pk=report_id).first()
    if report is None:
        raise Http404
    return report


def fake_reports_open_count() -> int:
    return FakeAccountReport.objects.open().count()


def fake_reports_public() -> FakeAccountReportQuerySet:
    """Decided reports, newest decision first: what anyone may read of them."""
    return (
        FakeAccountReport.objects.decided()
        .select_related("entity")
        .only(
            "id",
            "reported_url",
            "platform",
            "handle",
            "entity__code",
            "entity__name",
            "status",
            "public_reason",
            "decided_at",
            "created_at",
            "is_demo",
        )
        .order_by("-decided_at", "-id")
    )


@dataclass
class PublicReport:
    """The public face of one report, for the reporter's follow-up page."""

    number: int
    account: str
    entity: Entity | None
    status: str
    status_label: str
    public_reason: str
    created_at: datetime
    decided_at: datetime | None


def fake_report_public_by_token(*, token: str) -> PublicReport:
    try:
        pk = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature as exc:
        raise Http404 from exc
    report = FakeAccountReport.objects.select_related("entity").filter(pk=pk).first()
    if report is None:
        raise Http404
    decided = report.status in FAKE_REPORT_DECIDED
    return PublicReport(
        number=report.pk,
        account=report.display_account,
        entity=report.entity,
        status=report.status,
        status_label=report.get_status_display(),
        public_reason=report.public_reason if decided else "",
        created_at=report.created_at,
        decided_at=report.decided_at if decided else None,
    )
