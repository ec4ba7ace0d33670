"""Pages of the reports app: the public scoreboard with its CSV and methodology, the staff
report pages (request, progress, web report, downloads) and the rector office's dashboard."""

from __future__ import annotations

import csv
import io
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from agora.core.errors import DomainError
from agora.core.models import User
from agora.core.permissions import staff_required
from agora.inbox.selectors import methodology_context
from agora.reports import permissions, publishing_figures, selectors, services
from agora.reports.dashboard_pages import paged_tables
from agora.reports.document import document
from agora.reports.exports import CONTENT_TYPES, report_csv, report_pdf, report_xlsx
from agora.reports.forms import PRESETS, ReportRequestForm, ScoreboardFilterForm
from agora.reports.models import ReportRun, RunStatus
from agora.reports.rollups import BUCKET_EDGES
from agora.reports.scoreboard import (
    MIN_MESSAGES,
    PERIODS,
    TREND_POINTS,
    ScoreRow,
    board_search,
    scoreboard,
)

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


# --- public scoreboard -------------------------------------------------------------------------


def _board(request: HttpRequest) -> tuple[ScoreboardFilterForm, Any, dict[str, Any]]:
    form = ScoreboardFilterForm(request.GET or None)
    criteria = form.criteria() if request.GET else ScoreboardFilterForm().criteria()
    text, with_data = form.search() if request.GET else ("", False)
    return form, board_search(scoreboard(**criteria), text, with_data=with_data), criteria


@require_GET
def scoreboard_page(request: HttpRequest) -> HttpResponse:
    form, board, criteria = _board(request)
    page = Paginator(board.rows, PAGE_SIZE).get_page(request.GET.get("pagina"))
    params: dict[str, str] = {k: str(v) for k, v in request.GET.items() if k != "pagina" and v}
    sort_links = {}
    current = criteria["sort"]
    for key in ("entidad", "recibidos", "respondidos", "mediana", "plazo"):
        # "entidad" and "mediana" read A→Z / fastest first; the rest largest first.
        natural = "ascending" if key in ("entidad", "mediana") else "descending"
        reverse = "descending" if natural == "ascending" else "ascending"
        state = natural if current == key else reverse if current == f"-{key}" else ""
        sort_links[key] = {
            "url": "?" + urlencode({**params, "orden": f"-{key}" if current == key else key}),
            "state": state,
        }
    chart_rows = [
        [row.acronym or row.name, round(row.within_share, 1)]
        for row in page.object_list
        if row.within_share is not None
    ][:12]
    from agora.reports.charts import bar_chart

    return render(
        request,
        "reports/scoreboard.html",
        {
            "form": form,
            "board": board,
            "page": page,
            "query_string": urlencode(params),
            "sort_links": sort_links,
            "period_label": PERIODS.get(str(criteria["days"])),
            "min_messages": MIN_MESSAGES,
            "trend_points": TREND_POINTS,
            "chart": bar_chart(
                chart_rows,
                unit=" %",
                title=_("Porcentaje de conversaciones respondidas dentro del plazo"),
            ),
            # «Más filtros» open when one of them is not at its default, or is wrong.
            "more_filters": bool(form.errors)
            or any(params.get(k) for k in ("nivel", "poder", "departamento"))
            or params.get("periodo", "30") != "30"
            or params.get("orden", "recibidos") != "recibidos",
            "filtered": any(
                params.get(k) for k in ("nivel", "poder", "departamento", "q", "con_datos")
            ),
        },
    )


def _row_csv(row: ScoreRow, start: str, end: str) -> list[Any]:
    insufficient = _("insuficiente")
    return [
        row.code,
        row.name,
        row.acronym,
        row.level,
        row.branch,
        row.department,
        start,
        end,
        row.received,
        _number(row.answered_share) if row.sufficient else insufficient,
        _number(row.median_hours) if row.sufficient else insufficient,
        _number(row.within_share) if row.sufficient else insufficient,
        row.trend,
    ]


@require_GET
def scoreboard_csv(request: HttpRequest) -> HttpResponse:
    """Open data: aggregated per entity, never a citizen's data."""
    _form, board, _criteria = _board(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("codigo"),
            _("entidad"),
            _("siglas"),
            _("nivel"),
            _("poder"),
            _("departamento"),
            _("desde"),
            _("hasta"),
            _("mensajes_recibidos"),
            _("porcentaje_respondido"),
            _("mediana_primera_respuesta_horas_habiles"),
            _("porcentaje_dentro_del_plazo"),
            _("tendencia"),
        ]
    )
    start, end = board.start.isoformat(), board.end.isoformat()
    for row in board.rows:
        writer.writerow(_row_csv(row, start, end))
    response = HttpResponse(("\ufeff" + out.getvalue()).encode(), content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="indicadores-{end}.csv"'
    return response


@require_GET
def methodology(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reports/methodology.html",
        {
            **methodology_context(),
            "min_messages": MIN_MESSAGES,
            "trend_points": TREND_POINTS,
            "periods": PERIODS.values(),
            "bucket_minutes": BUCKET_EDGES[0] // 60,
        },
    )


# --- staff reports -----------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    entities = selectors.report_entities(user)
    preset = request.GET.get("periodo", "")
    form = ReportRequestForm(
        request.POST or None, entities=entities, today=timezone.localdate(), preset=preset
    )
    if request.method == "POST" and form.is_valid():
        try:
            run = services.report_run_request(
                actor=user,
                entity=form.cleaned_data["entidad"],
                start=form.cleaned_data["desde"],
                end=form.cleaned_data["hasta"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Informe pedido: se genera en segundo plano."))
            return redirect("reports:run", pk=run.pk)
    return render(
        request,
        "reports/index.html",
        {
            "form": form,
            "runs": selectors.report_runs(user)[:50],
            "has_entities": entities.exists(),
            "is_rector": permissions.may_see_rector_dashboard(user),
            "presets": [
                {"key": key, "label": label, "current": key == (preset or "mes")}
                for key, (label, _choose) in PRESETS.items()
            ],
        },
        status=400 if request.method == "POST" else 200,
    )


def _run_context(run: ReportRun) -> dict[str, Any]:
    return {"run": run, "done": run.status in (RunStatus.LISTO, RunStatus.FALLIDO)}


@login_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.report_run_get(_user(request), pk, with_content=True)
    context = _run_context(run)
    if run.status == RunStatus.LISTO and run.data:
        context["data"] = run.data
        context["doc"] = document(run.data)
    return render(request, "reports/run.html", context)


@login_required
@require_GET
def run_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment that the run page polls; a finished run reloads the page."""
    run = selectors.report_run_get(_user(request), pk)
    response = render(request, "reports/_run_status.html", _run_context(run))
    if run.status in (RunStatus.LISTO, RunStatus.FALLIDO):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def run_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    run = selectors.report_run_get(_user(request), pk, with_content=True)
    if run.status != RunStatus.LISTO or not run.data:
        raise Http404(_("El informe aún no está listo."))
    if fmt == "csv":
        content = report_csv(run.data)
    elif fmt == "xlsx":
        content = report_xlsx(run.data)
    elif fmt == "pdf":
        content = bytes(run.pdf) if run.pdf else report_pdf(run.data)
    else:
        raise Http404(_("Formato desconocido."))
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    name = f"informe-{run.entity.code}-{run.start:%Y%m%d}-{run.end:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- rector dashboard --------------------------------------------------------------------------


def _dashboard(request: HttpRequest) -> selectors.Dashboard:
    try:
        return selectors.rector_dashboard(_user(request))
    except DomainError as error:
        raise PermissionDenied(error.message) from error


@staff_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    board = _dashboard(request)
    return render(
        request,
        "reports/dashboard.html",
        {
            "board": board,
            "tables": paged_tables(board.tables(), request.GET)
            + publishing_figures.dashboard_section(_user(request), request.GET),
            "background": background_work(),
        },
    )


def background_work() -> dict[str, Any]:
    """What the workers have not done yet (the metrics' gauges), for the rector's dashboard."""
    from agora.core.metrics import gauges_read
    from agora.core.outbox import outbox_state

    state = outbox_state()
    names = {
        "agora.reports.tasks.run_report": _("generar un informe"),
        "agora.reports.tasks.rollups_pending": _("contar mensajes para el indicador público"),
        "agora.language.tasks.classify_ingested": _("clasificar un lote de mensajes"),
        "agora.language.watchlists.messages_watch_task": _("cotejar las listas de vigilancia"),
        "agora.inbox.moderation.platform_actions_run": _(
            "ocultar o mostrar comentarios en la plataforma"
        ),
        "agora.core.notifications.mail_each": _("enviar correos"),
    }
    failed = [(names.get(func, _("otra tarea")), func) for func in state["failed_funcs"]]
    rows = gauges_read()
    # Zero is "up to date" for every reading except the queue's own size while it works.
    late = [r for r in rows if r[2] is None or (r[2] and r[0] != "agora_queue_tasks")]
    return {"rows": rows, "late": late, "failed": failed}


@staff_required
@require_http_methods(["POST"])
def dashboard_retry(request: HttpRequest) -> HttpResponse:
    """The rector office gives the failed background tasks new attempts."""
    from agora.core.errors import PermissionDeniedError
    from agora.core.outbox import outbox_retry_failed

    try:
        count = outbox_retry_failed(actor=_user(request))
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error
    messages.success(request, _("%(n)s tarea(s) fallida(s) se intentarán de nuevo.") % {"n": count})
    return redirect("reports:dashboard")


@login_required
@require_GET
def dashboard_export(request: HttpRequest, fmt: str) -> HttpResponse:
    board = _dashboard(request)
    data = {
        "entity": {"code": "ente-rector", "name": _("Ente rector")},
        "start": "",
        "end": timezone.localdate().isoformat(),
        "tables": [
            {**t, "description": ""}
            for t in board.tables() + publishing_figures.dashboard_tables(_user(request))
        ],
    }
    if fmt == "csv":
        content = report_csv(data)
    elif fmt == "xlsx":
        content = report_xlsx(data)
    else:
        raise Http404(_("Formato desconocido."))
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="tablero-ente-rector-{data["end"]}.{fmt}"'
    )
    return response
