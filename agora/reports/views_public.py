"""The public page of one entity's figures on the scoreboard: the current period with each
figure's definition and the last twelve calendar months (issue #17, point 4)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from agora.directory import roles
from agora.reports.charts import bar_chart
from agora.reports.scoreboard import (
    MIN_MESSAGES,
    PERIODS,
    TREND_POINTS,
    entity_history,
    scoreboard,
)


@require_GET
def entity_page(request: HttpRequest, code: str) -> HttpResponse:
    entity = roles.entity_by_code(code)
    if entity is None:
        raise Http404(_("No hay una entidad con ese código."))
    board = scoreboard(days=30)
    current = next((row for row in board.rows if row.code == entity.code), None)
    history = entity_history(entity)
    chart_rows = [
        [month.month.strftime("%m/%Y"), round(month.within_share, 1)]
        for month in reversed(history)
        if month.within_share is not None
    ]
    return render(
        request,
        "reports/scoreboard_entity.html",
        {
            "entity": entity,
            "board": board,
            "row": current,
            "history": history,
            "period_label": PERIODS["30"],
            "min_messages": MIN_MESSAGES,
            "trend_points": TREND_POINTS,
            "chart": bar_chart(
                chart_rows,
                unit=" %",
                title=_("Porcentaje dentro del plazo por mes"),
            ),
        },
    )
