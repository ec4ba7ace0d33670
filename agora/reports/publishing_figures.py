"""Figures of publishing with a plan (issue #18, point 8) for the entity report and the rector
office's dashboard: posts planned against posts published, how long approvals take (the
median hours from sending a post to review to its approval or rejection), and the guideline
check's findings by guideline number. Read from the publishing models directly; the entity
report is scoped by its run, the dashboard to rector staff (``dashboard_tables``)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.errors import PermissionDeniedError
from agora.core.models import User
from agora.directory.models import Entity
from agora.publishing.models import ContentPlan, GuidelineFinding, PlannedPost, PostStatus
from agora.reports import permissions
from agora.reports.rollups import day_bounds

DASHBOARD_DAYS = 30
# Statuses of a post that has not gone out yet but is still meant to.
WAITING = (PostStatus.BORRADOR, PostStatus.EN_REVISION, PostStatus.APROBADO, PostStatus.PROGRAMADO)


def _share(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 1)


def _median_hours(pairs: list[tuple[datetime, datetime]]) -> float | None:
    hours = [(decided - sent).total_seconds() / 3600 for sent, decided in pairs if decided >= sent]
    return round(statistics.median(hours), 1) if hours else None


def post_counts(posts: Any) -> dict[str, int]:
    """Planned posts of ``posts`` by outcome: planned, published, rejected, waiting."""
    row = posts.aggregate(
        planned=Count("pk"),
        published=Count("pk", filter=Q(status=PostStatus.PUBLICADO)),
        rejected=Count("pk", filter=Q(status=PostStatus.RECHAZADO)),
        waiting=Count("pk", filter=Q(status__in=WAITING)),
    )
    return {key: int(value or 0) for key, value in row.items()}


def approval_hours(posts: Any, since: datetime, until: datetime) -> tuple[float | None, int]:
    """(median hours from review to decision, number of decisions) for the decisions made
    between ``since`` and ``until``."""
    pairs = list(
        posts.filter(
            decided_at__gte=since,
            decided_at__lt=until,
            submitted_at__isnull=False,
        ).values_list("submitted_at", "decided_at")
    )
    return _median_hours(pairs), len(pairs)


def findings_by_guideline(entity: Entity, since: datetime, until: datetime) -> list[list[Any]]:
    """[guideline number, findings] for the posts scheduled in the range, by number."""
    return [
        [row["guideline"], row["n"]]
        for row in GuidelineFinding.objects.filter(
            entity=entity, post__scheduled_at__gte=since, post__scheduled_at__lt=until
        )
        .values("guideline")
        .annotate(n=Count("pk"))
        .order_by("guideline")
    ]


def report_tables(*, entity: Entity, start: date, end: date) -> list[dict[str, Any]]:
    """The entity report's section on publishing, as report tables (none for an entity that
    has no content plan in Ágora)."""
    if not ContentPlan.objects.filter(entity=entity).exists():
        return []
    since, until = day_bounds(start, end)
    posts = PlannedPost.objects.filter(
        entity=entity, scheduled_at__gte=since, scheduled_at__lt=until
    )
    counts = post_counts(posts)
    median, decisions = approval_hours(
        PlannedPost.objects.filter(entity=entity), since=since, until=until
    )
    findings = findings_by_guideline(entity, since, until)
    return [
        {
            "key": "publicaciones",
            "title": _("Publicaciones planificadas y publicadas"),
            "description": _(
                "Publicaciones del plan de contenidos programadas para el período, y qué pasó "
                "con ellas. La aprobación se mide desde el envío a revisión hasta la decisión."
            ),
            "columns": [_("Indicador"), _("Valor")],
            "rows": [
                [_("Planificadas para el período"), counts["planned"]],
                [_("Publicadas"), counts["published"]],
                [_("Publicadas (%)"), _share(counts["published"], counts["planned"])],
                [_("Rechazadas"), counts["rejected"]],
                [
                    _("Aún por publicar (borrador, revisión, aprobadas o programadas)"),
                    counts["waiting"],
                ],
                [_("Decisiones de aprobación o rechazo en el período"), decisions],
                [_("Mediana de horas hasta la aprobación o el rechazo"), median],
            ],
            "chart": False,
            "unit": "",
        },
        {
            "key": "lineamientos",
            "title": _("Observaciones de la revisión de lineamientos"),
            "description": _(
                "Lo que la revisión automática encontró en las publicaciones del período, por "
                "número de lineamiento de la guía de redes sociales. Las observaciones no "
                "bloquean: se muestran a quien redacta y a quien aprueba."
            ),
            "columns": [_("Lineamiento"), _("Observaciones")],
            "rows": [[_("Lineamiento %(n)s") % {"n": n}, count] for n, count in findings],
            "chart": bool(findings),
            "unit": "",
        },
    ]


def dashboard_tables(user: User, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """For the rector's dashboard: per entity over the last ``DASHBOARD_DAYS`` days, planned
    and published posts with the median approval time, and findings by guideline."""
    if not permissions.may_see_rector_dashboard(user):
        raise PermissionDeniedError(_("Solo el personal del ente rector ve este tablero."))
    now = now or timezone.now()
    since = now - timedelta(days=DASHBOARD_DAYS)
    window = Q(scheduled_at__gte=since, scheduled_at__lt=now)
    per_entity = (
        PlannedPost.objects.filter(window)
        .values("entity_id", "entity__name")
        .annotate(
            planned=Count("pk"),
            published=Count("pk", filter=Q(status=PostStatus.PUBLICADO)),
            rejected=Count("pk", filter=Q(status=PostStatus.RECHAZADO)),
        )
        .order_by("entity__name")
    )
    decided: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for entity_id, sent, decided_at in PlannedPost.objects.filter(
        decided_at__gte=since, decided_at__lt=now, submitted_at__isnull=False
    ).values_list("entity_id", "submitted_at", "decided_at"):
        if sent is not None and decided_at is not None:
            decided[entity_id].append((sent, decided_at))
    plan_rows = [
        [
            row["entity__name"],
            row["planned"],
            row["published"],
            _share(row["published"], row["planned"]),
            row["rejected"],
            _median_hours(decided.get(row["entity_id"], [])),
        ]
        for row in per_entity
    ]
    finding_rows = [
        [row["entity__name"], _("Lineamiento %(n)s") % {"n": row["guideline"]}, row["n"]]
        for row in GuidelineFinding.objects.filter(
            post__scheduled_at__gte=since, post__scheduled_at__lt=now
        )
        .values("entity__name", "guideline")
        .annotate(n=Count("pk"))
        .order_by("entity__name", "guideline")
    ]
    return [
        {
            "key": "publicaciones_entidades",
            "title": _("Publicaciones planificadas y publicadas por entidad (%(days)s días)")
            % {"days": DASHBOARD_DAYS},
            "columns": [
                _("Entidad"),
                _("Planificadas"),
                _("Publicadas"),
                _("Publicadas (%)"),
                _("Rechazadas"),
                _("Mediana de horas hasta la aprobación"),
            ],
            "rows": plan_rows,
        },
        {
            "key": "lineamientos_entidades",
            "title": _("Observaciones de lineamientos por entidad (%(days)s días)")
            % {"days": DASHBOARD_DAYS},
            "columns": [_("Entidad"), _("Lineamiento"), _("Observaciones")],
            "rows": finding_rows,
        },
    ]


def dashboard_section(user: User, query: QueryDict) -> list[dict[str, Any]]:
    """``dashboard_tables`` a page at a time, each cell written the Peruvian way (the
    dashboard's table template shows ``cells`` when a table has them)."""
    from agora.reports.dashboard_pages import paged_tables
    from agora.reports.document import cell_text

    tables = paged_tables(dashboard_tables(user), query)
    for table in tables:
        columns = table["columns"]
        table["cells"] = [
            [cell_text(value, columns[i]) for i, value in enumerate(row)] for row in table["rows"]
        ]
    return tables
