"""Every non-trivial read of the reports app for signed-in staff: the entities and runs a
person may see (scoping happens here), and the rector office's dashboard."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count, Max, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.errors import PermissionDeniedError
from agora.core.models import User
from agora.directory.models import AccountStatus, Entity, EntityQuerySet, SocialAccount
from agora.inbox.models import (
    RESPONSE_BREACH_KINDS,
    AlertStatus,
    Conversation,
    DeadlineBreach,
    QuarantinedEvent,
    ThreatAlert,
)
from agora.reports import permissions
from agora.reports.models import ReportRun

INACTIVE_DAYS = 30
DASHBOARD_LIMIT = 200


def report_entities(user: User) -> EntityQuerySet:
    """The entities whose reports this person may ask for and read."""
    return Entity.objects.for_staff(user).order_by("name")


def report_runs(user: User) -> QuerySet[ReportRun]:
    return (
        ReportRun.objects.for_staff(user)
        .select_related("entity", "requested_by")
        .defer("data", "pdf")
    )


def report_run_get(user: User, pk: int, *, with_content: bool = False) -> ReportRun:
    """One run, or 404 when it does not exist or belongs to another entity (the same answer,
    so ids cannot be probed)."""
    runs = ReportRun.objects.for_staff(user).select_related("entity")
    if not with_content:
        runs = runs.defer("data", "pdf")
    run = runs.filter(pk=pk).first()
    if run is None:
        raise Http404(_("No existe ese informe."))
    return run


@dataclass
class Dashboard:
    inactive_accounts: list[dict[str, Any]] = field(default_factory=list)
    breaches: list[dict[str, Any]] = field(default_factory=list)
    threats: list[dict[str, Any]] = field(default_factory=list)
    quarantined: list[dict[str, Any]] = field(default_factory=list)

    def tables(self) -> list[dict[str, Any]]:
        """The four tables, as the exports write them (no citizen data in any of them)."""
        return [
            {
                "key": "cuentas_inactivas",
                "title": _("Cuentas verificadas sin actividad en %(days)s días")
                % {"days": INACTIVE_DAYS},
                "columns": [_("Entidad"), _("Plataforma"), _("Cuenta"), _("Última actividad")],
                "rows": [
                    [a["entity"], a["platform"], a["handle"], a["last"] or _("nunca")]
                    for a in self.inactive_accounts
                ],
            },
            {
                "key": "incumplimientos",
                "title": _("Entidades con más plazos incumplidos (30 días)"),
                "columns": [_("Entidad"), _("Plazos incumplidos")],
                "rows": [[b["entity"], b["count"]] for b in self.breaches],
            },
            {
                "key": "amenazas",
                "title": _("Alertas de amenaza abiertas"),
                "columns": [_("Entidad"), _("Plataforma"), _("Detectada"), _("Conversación")],
                "rows": [
                    [t["entity"], t["platform"], t["created"], t["conversation"]]
                    for t in self.threats
                ],
            },
            {
                "key": "cuarentena",
                "title": _("Webhooks en cuarentena sin revisar"),
                "columns": [
                    _("Plataforma"),
                    _("Página o cuenta"),
                    _("Motivo"),
                    _("Eventos"),
                    _("Último"),
                ],
                "rows": [
                    [q["platform"], q["object_id"], q["reason"], q["count"], q["last"]]
                    for q in self.quarantined
                ],
            },
        ]


def _local(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def rector_dashboard(user: User) -> Dashboard:
    """For rector office staff only."""
    if not permissions.may_see_rector_dashboard(user):
        raise PermissionDeniedError(_("Solo el personal del ente rector ve este tablero."))
    now = timezone.now()
    since = now - timedelta(days=INACTIVE_DAYS)
    board = Dashboard()
    last_activity = {
        row["account_id"]: max(filter(None, [row["inbound"], row["response"]]), default=None)
        for row in Conversation.objects.values("account_id")
        .annotate(inbound=Max("last_inbound_at"), response=Max("last_response_at"))
        .order_by()
    }
    for account in (
        SocialAccount.objects.filter(status=AccountStatus.VERIFICADA)
        .select_related("entity")
        .order_by("entity__name", "platform", "handle")
    ):
        last = last_activity.get(account.pk)
        if last is not None and last >= since:
            continue
        board.inactive_accounts.append(
            {
                "entity": account.entity.name,
                "code": account.entity.code,
                "platform": account.get_platform_display(),
                "handle": f"@{account.handle}",
                "last": _local(last),
            }
        )
        if len(board.inactive_accounts) >= DASHBOARD_LIMIT:
            break
    board.breaches = [
        {"entity": row["entity__name"], "code": row["entity__code"], "count": row["n"]}
        for row in DeadlineBreach.objects.filter(
            detected_at__gte=since, kind__in=RESPONSE_BREACH_KINDS
        )
        .values("entity__name", "entity__code")
        .annotate(n=Count("id"))
        .order_by("-n", "entity__name")[:20]
    ]
    board.threats = [
        {
            "entity": alert.entity.name,
            "platform": alert.conversation.get_platform_display(),
            "created": _local(alert.created_at),
            "conversation": alert.conversation_id,
        }
        for alert in ThreatAlert.objects.filter(status=AlertStatus.ABIERTA)
        .select_related("entity", "conversation")
        .order_by("-created_at")[:DASHBOARD_LIMIT]
    ]
    board.quarantined = [
        {
            "platform": row["platform"],
            "object_id": row["object_id"],
            "reason": row["reason"],
            "count": row["n"],
            "last": _local(row["last"]),
        }
        for row in QuarantinedEvent.objects.filter(resolved_at__isnull=True)
        .values("platform", "object_id", "reason")
        .annotate(n=Count("id"), last=Max("received_at"))
        .order_by("-last")[:DASHBOARD_LIMIT]
    ]
    return board
