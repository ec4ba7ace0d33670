"""The entity report: what citizens asked and how the entity answered over a date range,
compared with the range of the same length just before. Built as plain data (tables of
strings and numbers) that the web page, PDF, XLSX and CSV all render."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Mod
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agora.core import numbers
from agora.core.calendar import LIMA
from agora.directory.models import Entity, Platform, SocialAccount
from agora.inbox.deadlines import deadlines_for, resolution_seconds
from agora.inbox.models import (
    BreachKind,
    Conversation,
    DeadlineBreach,
    Direction,
    Message,
    ModerationAction,
    Status,
)
from agora.inbox.selectors import FLAGS, KINDS
from agora.reports import publishing_figures
from agora.reports.models import ConversationFact
from agora.reports.periods import previous_range
from agora.reports.rollups import day_bounds
from agora.reports.topics import (
    clean_texts,
    frequent_questions,
    frequent_terms,
    grown_topics,
    surface_forms,
)

# Topics are computed on a systematic sample of at most this many messages per period.
TOPIC_SAMPLE = 6_000
Progress = Callable[[int], None]


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile of sorted values."""
    if not values:
        return None
    rank = max(1, math.ceil(share * len(values)))
    return values[rank - 1]


def _median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def _share(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 1)


def _change(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or before == 0:
        return None
    return round(100 * (now - before) / before, 1)


def _table(
    key: str,
    title: str,
    columns: list[str],
    rows: list[list[Any]],
    *,
    description: str = "",
    chart: bool = False,
    unit: str = "",
) -> dict[str, Any]:
    """``chart``: a bar chart of the second column by the first."""
    return {
        "key": key,
        "title": title,
        "description": description,
        "columns": columns,
        "rows": rows,
        "chart": chart,
        "unit": unit,
    }


class _Period:
    """The inbound messages and conversations of one entity in one date range."""

    def __init__(self, entity: Entity, start: date, end: date) -> None:
        self.entity = entity
        self.start, self.end = start, end
        self.since, self.until = day_bounds(start, end)
        self.messages = Message.objects.filter(
            entity=entity,
            direction=Direction.ENTRANTE,
            sent_at__gte=self.since,
            sent_at__lt=self.until,
        )

    def breakdown(self, *, accounts: bool = False) -> None:
        """Messages by platform, kind, flags (and account) in one grouped scan."""
        fields = ["platform", "kind", "flags"]
        # With one account per platform (the usual case) the platform names the account: no
        # join with the conversations over every message.
        platform_account: dict[str, int] | None = None
        if accounts:
            pairs = set(
                Conversation.objects.filter(entity=self.entity)
                .values_list("platform", "account_id")
                .distinct()
                .order_by()
            )
            if len({platform for platform, _account in pairs}) == len(pairs):
                platform_account = dict(pairs)
            else:
                fields.append("conversation__account_id")
        self.by_platform: Counter[str] = Counter()
        self.by_kind: Counter[str] = Counter()
        self.by_flag: Counter[str] = Counter()
        self.by_account: Counter[int] = Counter()
        for row in self.messages.values(*fields).annotate(n=Count("id")).order_by():
            count = row["n"]
            self.by_platform[row["platform"]] += count
            self.by_kind[row["kind"]] += count
            for flag in row["flags"] or []:
                self.by_flag[flag] += count
            if platform_account is not None:
                account = platform_account.get(row["platform"])
                if account is not None:
                    self.by_account[account] += count
            elif accounts:
                self.by_account[row["conversation__account_id"]] += count
        self.total = sum(self.by_platform.values())

    def sample(self, total: int) -> list[tuple[str, str]]:
        """(text, kind) of the messages with text, a systematic sample above TOPIC_SAMPLE
        (``total``: how many messages the period has)."""
        messages = self.messages.exclude(text="")
        if total > TOPIC_SAMPLE:
            step = math.ceil(total / TOPIC_SAMPLE)
            messages = messages.alias(slot=Mod(F("id"), step)).filter(slot=0)
        return list(messages.values_list("text", "kind").order_by())

    def texts(self, extra: Q | None = None, total: int | None = None) -> list[str]:
        """Texts (a systematic sample above TOPIC_SAMPLE); ``total``: how many match, when
        already known (saves a count)."""
        messages = self.messages.exclude(text="")
        if extra is not None:
            messages = messages.filter(extra)
        if total is None:
            total = messages.count()
        if total > TOPIC_SAMPLE:
            step = math.ceil(total / TOPIC_SAMPLE)
            messages = messages.alias(slot=Mod(F("id"), step)).filter(slot=0)
        return list(messages.values_list("text", flat=True).order_by())

    def facts(self) -> QuerySet[ConversationFact]:
        return ConversationFact.objects.filter(
            entity=self.entity, day__gte=self.start, day__lte=self.end
        )


def _times(period: _Period, now: datetime) -> dict[str, Any]:
    facts = period.facts()
    # Counts in SQL (conditional aggregates); only the answered ones' seconds are read, as
    # plain integers, for the exact median and 90th percentile.
    counts = facts.aggregate(
        conversations_n=Count("pk"),
        answered_n=Count("pk", filter=Q(answered=True)),
        decided_n=Count("pk", filter=Q(answered=True) | Q(first_due_at__lte=now)),
        within_n=Count("pk", filter=Q(answered=True, within=True)),
        late_n=Count("pk", filter=Q(answered=True, within=False)),
        overdue_open_n=Count("pk", filter=Q(answered=False, first_due_at__lte=now)),
    )
    work: list[int] = []
    calendar: list[int] = []
    for seconds_work, seconds_calendar in facts.filter(answered=True).values_list(
        "first_response_work", "first_response_calendar"
    ):
        if seconds_work is not None:
            work.append(seconds_work)
        if seconds_calendar is not None:
            calendar.append(seconds_calendar)
    work.sort()
    calendar.sort()
    rules = deadlines_for(period.entity)
    res_limit = float(rules.resolution_hours) * 3600
    res_work: list[float] = []
    res_calendar: list[float] = []
    started = Conversation.objects.filter(
        entity=period.entity,
        first_inbound_at__gte=period.since,
        first_inbound_at__lt=period.until,
    )
    for first, resolved, paused in started.filter(resolved_at__isnull=False).values_list(
        "first_inbound_at", "resolved_at", "paused_seconds"
    ):
        seconds = resolution_seconds(first, resolved, paused, rules.calendar)
        if seconds is not None:
            res_work.append(seconds)
            res_calendar.append(resolution_seconds(first, resolved, paused) or 0.0)
    # Resolution is decided once resolved, or once unresolved past its deadline; within it
    # when the working time (pauses excluded) stayed under the entity's resolution hours.
    res_overdue = started.filter(resolved_at__isnull=True, resolution_due_at__lte=now).count()
    res_within = sum(1 for seconds in res_work if seconds <= res_limit)
    res_work.sort()
    res_calendar.sort()
    return {
        "conversations": counts["conversations_n"],
        "answered": counts["answered_n"],
        "decided": counts["decided_n"],
        "within": counts["within_n"],
        "late": counts["late_n"],
        "overdue_open": counts["overdue_open_n"],
        "frt_work": (_median(work), percentile(work, 0.9)),
        "frt_calendar": (_median(calendar), percentile(calendar, 0.9)),
        "res_work": (_median(res_work), percentile(res_work, 0.9)),
        "res_calendar": (_median(res_calendar), percentile(res_calendar, 0.9)),
        "resolved": len(res_work),
        "res_decided": len(res_work) + res_overdue,
        "res_within": res_within,
    }


def _moderation(entity: Entity, since: datetime, until: datetime) -> Counter[tuple[str, str, bool]]:
    counts: Counter[tuple[str, str, bool]] = Counter()
    for row in (
        ModerationAction.objects.filter(entity=entity, created_at__gte=since, created_at__lt=until)
        .values("action", "scope", "is_automatic")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[(row["action"], row["scope"], row["is_automatic"])] += row["n"]
    return counts


def _label(choices: list[tuple[str, Any]], value: str) -> str:
    return str(dict(choices).get(value, value or _("Sin clasificar")))


def report_data(
    *, entity: Entity, start: date, end: date, progress: Progress | None = None
) -> dict[str, Any]:
    """Every table of the report, as JSON-ready data. ``progress`` receives 0–100."""
    step = progress or (lambda value: None)
    now = timezone.now()
    prev_start, prev_end = previous_range(start, end)
    current, before = _Period(entity, start, end), _Period(entity, prev_start, prev_end)
    tables: list[dict[str, Any]] = []

    current.breakdown(accounts=True)
    before.breakdown()
    platforms_now, platforms_before = current.by_platform, before.by_platform
    received, received_before = current.total, before.total
    platform_labels = dict(Platform.choices)
    tables.append(
        _table(
            "plataformas",
            _("Mensajes recibidos por plataforma"),
            [_("Plataforma"), _("Mensajes"), _("Período anterior"), _("Cambio (%)")],
            [
                [
                    str(platform_labels.get(key, key)),
                    platforms_now[key],
                    platforms_before[key],
                    _change(platforms_now[key], platforms_before[key]),
                ]
                for key in sorted(
                    set(platforms_now) | set(platforms_before), key=lambda k: -platforms_now[k]
                )
            ],
            chart=True,
        )
    )
    step(10)

    # Accounts: the entity's own official accounts (public), never a citizen's.
    by_account = current.by_account
    accounts = {
        a.pk: a for a in SocialAccount.objects.filter(pk__in=by_account).only("platform", "handle")
    }
    tables.append(
        _table(
            "cuentas",
            _("Mensajes recibidos por cuenta oficial"),
            [_("Cuenta"), _("Mensajes")],
            [
                [
                    f"{accounts[pk].get_platform_display()} @{accounts[pk].handle}"
                    if pk in accounts
                    else str(pk),
                    count,
                ]
                for pk, count in by_account.most_common()
            ],
            chart=True,
        )
    )
    kinds_now, kinds_before = current.by_kind, before.by_kind
    tables.append(
        _table(
            "tipos",
            _("Mensajes por tipo"),
            [_("Tipo"), _("Mensajes"), _("Período anterior"), _("Cambio (%)")],
            [
                [
                    _label(KINDS, key),
                    kinds_now[key],
                    kinds_before[key],
                    _change(kinds_now[key], kinds_before[key]),
                ]
                for key in sorted(set(kinds_now) | set(kinds_before), key=lambda k: -kinds_now[k])
            ],
            chart=True,
        )
    )
    flags_now, flags_before = current.by_flag, before.by_flag
    tables.append(
        _table(
            "alertas",
            _("Mensajes por alerta"),
            [_("Alerta"), _("Mensajes"), _("Período anterior"), _("Cambio (%)")],
            [
                [
                    _label(FLAGS, key),
                    flags_now[key],
                    flags_before[key],
                    _change(flags_now[key], flags_before[key]),
                ]
                for key, _unused in FLAGS
            ],
            chart=True,
            description=_("Un mensaje puede tener más de una alerta."),
        )
    )
    step(25)

    # One sample per period, normalised once: the topics read all of it, the questions its
    # questions (classified as such, or with "?" while nothing is classified).
    sample_now = current.sample(current.total)
    texts_now = [text for text, _kind in sample_now]
    texts_before = [text for text, _kind in before.sample(before.total)]
    docs_now, docs_before = clean_texts(texts_now), clean_texts(texts_before)
    forms = surface_forms(texts_now)
    frequent = frequent_terms(docs_now)
    tables.append(
        _table(
            "temas_frecuentes",
            _("Temas más frecuentes"),
            [_("Tema"), _("Mensajes que lo mencionan"), _("Parte de los mensajes (%)")],
            [[forms.display(t.term), t.count, _share(t.count, len(docs_now))] for t in frequent],
            description=_(
                "Palabras y frases de dos palabras más repetidas, sin saludos, pronombres ni "
                "otras palabras vacías; hasta %(n)s mensajes por período, tomados a "
                "intervalos regulares."
            )
            % {"n": numbers.number(TOPIC_SAMPLE)},
            chart=True,
        )
    )
    topics = grown_topics(texts_now, texts_before, cleaned=(docs_now, docs_before))
    tables.append(
        _table(
            "temas",
            _("Temas que crecieron"),
            [
                _("Tema"),
                _("Mensajes que lo mencionan"),
                _("Período anterior"),
                _("Cambio (%)"),
            ],
            [
                [
                    forms.display(t.term),
                    t.count,
                    t.previous,
                    None if t.change is None else round(t.change, 1),
                ]
                for t in topics
            ],
            description=_("Temas cuya proporción de mensajes creció frente al período anterior."),
            chart=True,
        )
    )
    step(45)

    classified = any(kind for kind, count in kinds_now.items() if count)
    chosen = [
        index
        for index, (text, kind) in enumerate(sample_now)
        if (kind == "consulta" if classified else "?" in text)
    ]
    questions = frequent_questions(
        [texts_now[i] for i in chosen], cleaned=[docs_now[i] for i in chosen]
    )
    tables.append(
        _table(
            "preguntas",
            _("Preguntas más frecuentes"),
            [_("Tema"), _("Consultas"), _("Ejemplo (datos personales ocultos)")],
            [[forms.display(q.phrase), q.count, q.example] for q in questions],
            description=(
                _("Mensajes clasificados como consulta.")
                if classified
                else _("Aún no hay mensajes clasificados: se toman los mensajes con «?».")
            ),
        )
    )
    step(60)

    times_now, times_before = _times(current, now), _times(before, now)
    within_now = _share(times_now["within"], times_now["decided"])
    within_before = _share(times_before["within"], times_before["decided"])
    tables.append(
        _table(
            "tiempos",
            _("Tiempos de respuesta (horas)"),
            [
                _("Medida"),
                _("Mediana hábil"),
                _("Percentil 90 hábil"),
                _("Mediana calendario"),
                _("Percentil 90 calendario"),
                _("Dentro del plazo (%)"),
                _("Mediana hábil, período anterior"),
            ],
            [
                [
                    _("Primera respuesta"),
                    _hours(times_now["frt_work"][0]),
                    _hours(times_now["frt_work"][1]),
                    _hours(times_now["frt_calendar"][0]),
                    _hours(times_now["frt_calendar"][1]),
                    within_now,
                    _hours(times_before["frt_work"][0]),
                ],
                [
                    _("Resolución"),
                    _hours(times_now["res_work"][0]),
                    _hours(times_now["res_work"][1]),
                    _hours(times_now["res_calendar"][0]),
                    _hours(times_now["res_calendar"][1]),
                    _share(times_now["res_within"], times_now["res_decided"]),
                    _hours(times_before["res_work"][0]),
                ],
            ],
            description=_(
                "Definiciones de la metodología pública: tiempo hábil según la jornada de la "
                "entidad y los feriados del Perú; tiempo calendario, todas las horas."
            ),
        )
    )
    step(75)

    # Breaches are the conversations of the period whose first answer came late or has not
    # come and is overdue: the same conversations as "Dentro del plazo", so the figures add
    # up. Each is put on the person it was assigned to when its deadline passed (the
    # watcher's record), otherwise on its current assignee.
    by_assignee_now = _breaches_by_assignee(current, now)
    by_assignee_before = _breaches_by_assignee(before, now)
    tables.append(
        _table(
            "respuesta",
            _("Conversaciones del período según su primera respuesta"),
            [_("Situación"), _("Conversaciones"), _("Período anterior")],
            _outcome_rows(times_now, times_before),
            description=_(
                "Cada conversación iniciada en el período está en una sola fila: las filas "
                "suman las conversaciones iniciadas."
            ),
            chart=True,
        )
    )
    tables.append(
        _table(
            "incumplimientos",
            _("Plazos incumplidos por responsable"),
            [
                _("Responsable"),
                _("Respondidas fuera del plazo"),
                _("Sin respuesta, plazo vencido"),
                _("Total"),
                _("Total del período anterior"),
            ],
            [
                [
                    name or str(_("Sin asignar")),
                    late,
                    overdue,
                    late + overdue,
                    sum(by_assignee_before.get(name, (0, 0))),
                ]
                for name, (late, overdue) in sorted(
                    by_assignee_now.items(), key=lambda item: (-sum(item[1]), item[0])
                )
            ],
            description=_(
                "Conversaciones iniciadas en el período cuya primera respuesta llegó tarde o "
                "aún no llega con el plazo vencido; la persona es quien la tenía asignada "
                "cuando venció el plazo."
            ),
        )
    )

    waiting = Conversation.objects.filter(entity=entity, awaiting_since__isnull=False).exclude(
        status__in=[Status.CERRADO, Status.EN_ESPERA]
    )
    # Counted in SQL: waiting less than 1 day, 1 to 3, 3 to 7, and more.
    day = timedelta(days=1)
    ages = waiting.aggregate(
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        **{
            "0": Count("pk", filter=Q(awaiting_since__gt=now - day)),
            "1": Count(
                "pk", filter=Q(awaiting_since__lte=now - day, awaiting_since__gt=now - 3 * day)
            ),
            "3": Count(
                "pk", filter=Q(awaiting_since__lte=now - 3 * day, awaiting_since__gt=now - 7 * day)
            ),
            "7": Count("pk", filter=Q(awaiting_since__lte=now - 7 * day)),
        },
    )
    overdue_now = ages.pop("overdue")
    waiting_now = sum(ages.values())
    age_labels = {
        "0": _("Menos de 1 día"),
        "1": _("De 1 a 3 días"),
        "3": _("De 3 a 7 días"),
        "7": _("Más de 7 días"),
    }
    tables.append(
        _table(
            "sin_responder",
            _("Pendientes de respuesta al generar el informe"),
            [_("Tiempo esperando"), _("Conversaciones")],
            [[str(label), ages[key]] for key, label in age_labels.items()],
            description=ngettext(
                "Conversaciones de cualquier fecha que esperan respuesta en el momento de "
                "generar el informe; %(n)s de ellas ya venció su plazo. Incluye "
                "conversaciones iniciadas antes del período: por eso no coincide con los "
                "plazos incumplidos del período.",
                "Conversaciones de cualquier fecha que esperan respuesta en el momento de "
                "generar el informe; %(n)s de ellas ya vencieron su plazo. Incluye "
                "conversaciones iniciadas antes del período: por eso no coincide con los "
                "plazos incumplidos del período.",
                overdue_now,
            )
            % {"n": numbers.number(overdue_now)},
            chart=True,
        )
    )

    moderation_now = _moderation(entity, current.since, current.until)
    moderation_before = _moderation(entity, before.since, before.until)
    from agora.inbox.models import ModerationScope, ModerationVerb

    verbs, scopes = dict(ModerationVerb.choices), dict(ModerationScope.choices)
    tables.append(
        _table(
            "moderacion",
            _("Acciones de moderación"),
            [_("Acción"), _("Cantidad"), _("Período anterior")],
            [
                [
                    "%s · %s · %s"
                    % (
                        verbs.get(action, action),
                        scopes.get(scope, scope),
                        _("automática") if automatic else _("manual"),
                    ),
                    count,
                    moderation_before[(action, scope, automatic)],
                ]
                for (action, scope, automatic), count in sorted(moderation_now.items())
            ],
            description=_(
                "Nada se borra: los mensajes ocultos se conservan con quién, cuándo y por qué."
            ),
        )
    )
    step(90)

    moderation_total = sum(moderation_now.values())
    moderation_total_before = sum(moderation_before.values())
    breaches_total = times_now["late"] + times_now["overdue_open"]
    breaches_before = times_before["late"] + times_before["overdue_open"]
    answered_now = _share(times_now["answered"], times_now["conversations"])
    answered_before = _share(times_before["answered"], times_before["conversations"])

    def summary_row(
        label: str, now_value: Any, before_value: Any, points: bool = False
    ) -> list[Any]:
        if points:
            change = (
                None
                if now_value is None or before_value is None
                else round(now_value - before_value, 1)
            )
        else:
            change = _change(now_value, before_value)
        return [label, now_value, before_value, change]

    summary = _table(
        "resumen",
        _("Cifras principales y cambio frente al período anterior"),
        [_("Indicador"), _("Período"), _("Período anterior"), _("Cambio")],
        [
            summary_row(_("Mensajes recibidos"), received, received_before),
            summary_row(
                _("Conversaciones iniciadas"),
                times_now["conversations"],
                times_before["conversations"],
            ),
            summary_row(
                _("Conversaciones respondidas (%)"), answered_now, answered_before, points=True
            ),
            summary_row(
                _("Mediana de primera respuesta (horas hábiles)"),
                _hours(times_now["frt_work"][0]),
                _hours(times_before["frt_work"][0]),
            ),
            summary_row(_("Dentro del plazo (%)"), within_now, within_before, points=True),
            summary_row(_("Plazos incumplidos"), breaches_total, breaches_before),
            summary_row(_("Acciones de moderación"), moderation_total, moderation_total_before),
            [_("Pendientes al generar el informe (de cualquier fecha)"), waiting_now, None, None],
        ],
        description=_("El cambio es porcentual; en los porcentajes, en puntos porcentuales."),
    )
    tables.insert(0, summary)
    tables.extend(publishing_figures.report_tables(entity=entity, start=start, end=end))
    step(100)
    return {
        "entity": {"code": entity.code, "name": entity.name, "acronym": entity.acronym},
        "start": start.isoformat(),
        "end": end.isoformat(),
        "previous_start": prev_start.isoformat(),
        "previous_end": prev_end.isoformat(),
        "generated_at": timezone.localtime(now, LIMA).isoformat(timespec="minutes"),
        "figures": {
            "received": received,
            "received_before": received_before,
            "conversations": times_now["conversations"],
            "conversations_before": times_before["conversations"],
            "answered": times_now["answered"],
            "answered_share": answered_now,
            "within": times_now["within"],
            "late": times_now["late"],
            "overdue_open": times_now["overdue_open"],
            "decided": times_now["decided"],
            "within_share": within_now,
            "within_share_before": within_before,
            "median_hours": _hours(times_now["frt_work"][0]),
            "breaches": breaches_total,
            "breaches_before": breaches_before,
            "waiting_now": waiting_now,
            "overdue_now": overdue_now,
            "moderation": moderation_total,
            "threats": flags_now.get("amenaza", 0),
            "frequent_topics": [forms.display(t.term) for t in frequent[:3]],
            "grown_topics": [forms.display(t.term) for t in topics[:3]],
            "top_question": (
                {"phrase": forms.display(questions[0].phrase), "count": questions[0].count}
                if questions
                else None
            ),
        },
        "tables": tables,
    }


def _breaches_by_assignee(period: _Period, now: datetime) -> dict[str, tuple[int, int]]:
    """Per person: (answered late, unanswered and overdue) among the period's conversations."""
    at_breach = DeadlineBreach.objects.filter(
        conversation=OuterRef("conversation"), kind=BreachKind.PRIMERA
    ).order_by("detected_at")
    rows = (
        period.facts()
        .filter(Q(answered=True, within=False) | Q(answered=False, first_due_at__lte=now))
        .annotate(
            person=Coalesce(
                Subquery(at_breach.values("assignee__username")[:1]),
                F("conversation__assignee__username"),
                Value(""),
            )
        )
        .values("person")
        .annotate(
            late_n=Count("pk", filter=Q(answered=True)),
            overdue_n=Count("pk", filter=Q(answered=False)),
        )
        .order_by()
    )
    result: dict[str, tuple[int, int]] = {}
    for row in rows:
        late, overdue = result.get(row["person"], (0, 0))
        result[row["person"]] = (late + row["late_n"], overdue + row["overdue_n"])
    return result


def _outcome_rows(now: dict[str, Any], before: dict[str, Any]) -> list[list[Any]]:
    """The period's conversations by first-response outcome: one row each, adding up."""

    def rest(times: dict[str, Any]) -> tuple[int, int]:
        no_deadline = times["answered"] - times["within"] - times["late"]
        pending = times["conversations"] - times["answered"] - times["overdue_open"]
        return no_deadline, pending

    no_deadline_now, pending_now = rest(now)
    no_deadline_before, pending_before = rest(before)
    rows: list[list[Any]] = [
        [_("Respondidas dentro del plazo"), now["within"], before["within"]],
        [_("Respondidas fuera del plazo"), now["late"], before["late"]],
        [_("Sin respuesta, plazo vencido"), now["overdue_open"], before["overdue_open"]],
        [_("Sin respuesta, aún en plazo"), pending_now, pending_before],
    ]
    if no_deadline_now or no_deadline_before:
        rows.insert(2, [_("Respondidas sin plazo aplicable"), no_deadline_now, no_deadline_before])
    return rows
