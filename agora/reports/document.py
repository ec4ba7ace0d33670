"""The report as a document for a manager: the heading (entity, period, comparison, date of
generation), a first-page summary in words written from the figures, "how to read this
report" definitions, and every table's cells written the Peruvian way. The web page, the PDF
and the XLSX all read it, so a figure is worded the same everywhere."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agora.core import numbers
from agora.reports import periods
from agora.reports.charts import bar_chart


def _quoted(terms: list[str]) -> str:
    quoted = ["«%s»" % term for term in terms]
    if len(quoted) <= 1:
        return "".join(quoted)
    return _("%(first)s y %(last)s") % {"first": ", ".join(quoted[:-1]), "last": quoted[-1]}


def _change_words(now: int, before: int, compared: str) -> str:
    if before == 0:
        return _("en %(before)s no hubo ninguno") % {"before": compared}
    if now == before:
        return _("la misma cantidad que en %(before)s") % {"before": compared}
    change = abs(100 * (now - before) / before)
    if now > before:
        return _("%(change)s más que en %(before)s, cuando fueron %(n)s") % {
            "change": numbers.percent(change),
            "before": compared,
            "n": numbers.number(before),
        }
    return _("%(change)s menos que en %(before)s, cuando fueron %(n)s") % {
        "change": numbers.percent(change),
        "before": compared,
        "n": numbers.number(before),
    }


def summary(data: dict[str, Any]) -> list[str]:
    """Paragraphs for the first page, from the report's figures (empty for a report made
    before the figures were kept)."""
    figures = data.get("figures")
    if not figures:
        return []
    start, end = date.fromisoformat(data["start"]), date.fromisoformat(data["end"])
    opening = periods.period_in(start, end)
    compared = periods.comparison_text(start, end)
    n = figures["received"]
    paragraphs = [
        ngettext(
            "%(period)s las cuentas oficiales de la entidad recibieron %(n)s mensaje de la "
            "ciudadanía (%(change)s), en %(conv)s conversaciones nuevas.",
            "%(period)s las cuentas oficiales de la entidad recibieron %(n)s mensajes de la "
            "ciudadanía (%(change)s), en %(conv)s conversaciones nuevas.",
            n,
        )
        % {
            "period": opening,
            "n": numbers.number(n),
            "change": _change_words(n, figures["received_before"], compared),
            "conv": numbers.number(figures["conversations"]),
        }
    ]
    conversations = figures["conversations"]
    if conversations:
        text = _(
            "Se respondió el %(answered)s de esas conversaciones. De las que ya tenían su "
            "plazo cumplido o su respuesta, el %(within)s recibió la primera respuesta "
            "dentro del plazo."
        ) % {
            "answered": numbers.percent(figures["answered_share"]),
            "within": numbers.percent(figures["within_share"]),
        }
        if figures["median_hours"] is not None:
            text += " " + _(
                "La mitad de las primeras respuestas llegó en %(hours)s horas hábiles o menos."
            ) % {"hours": numbers.number(figures["median_hours"], 1)}
        paragraphs.append(text)
        breaches = figures["breaches"]
        paragraphs.append(
            ngettext(
                "Hubo %(n)s plazo incumplido: %(late)s conversaciones respondidas fuera del "
                "plazo y %(open)s que siguen sin respuesta con el plazo vencido.",
                "Hubo %(n)s plazos incumplidos: %(late)s conversaciones respondidas fuera del "
                "plazo y %(open)s que siguen sin respuesta con el plazo vencido.",
                breaches,
            )
            % {
                "n": numbers.number(breaches),
                "late": numbers.number(figures["late"]),
                "open": numbers.number(figures["overdue_open"]),
            }
            if breaches
            else _(
                "No hubo plazos incumplidos: toda conversación se respondió a tiempo o aún "
                "está en plazo."
            )
        )
    topics = figures.get("frequent_topics") or []
    if topics:
        text = _("Los temas más frecuentes fueron %(topics)s.") % {"topics": _quoted(topics)}
        grown = [t for t in figures.get("grown_topics") or [] if t not in topics]
        if grown:
            text += " " + _("Crecieron frente al período anterior: %(topics)s.") % {
                "topics": _quoted(grown)
            }
        question = figures.get("top_question")
        if question:
            text += " " + ngettext(
                "La consulta más repetida trató de «%(phrase)s» (%(n)s consulta).",
                "La consulta más repetida trató de «%(phrase)s» (%(n)s consultas).",
                question["count"],
            ) % {"phrase": question["phrase"], "n": numbers.number(question["count"])}
        paragraphs.append(text)
    generated = generated_text(data)
    waiting = figures["waiting_now"]
    paragraphs.append(
        ngettext(
            "Al generar el informe (%(at)s), %(n)s conversación de cualquier fecha esperaba "
            "respuesta; %(overdue)s con el plazo vencido.",
            "Al generar el informe (%(at)s), %(n)s conversaciones de cualquier fecha esperaban "
            "respuesta; %(overdue)s con el plazo vencido.",
            waiting,
        )
        % {
            "at": generated,
            "n": numbers.number(waiting),
            "overdue": numbers.number(figures["overdue_now"]),
        }
    )
    if figures.get("threats"):
        paragraphs.append(
            ngettext(
                "%(n)s mensaje fue marcado como amenaza: revise las alertas.",
                "%(n)s mensajes fueron marcados como amenaza: revise las alertas.",
                figures["threats"],
            )
            % {"n": numbers.number(figures["threats"])}
        )
    return paragraphs


def definitions() -> list[tuple[str, str]]:
    """ "Cómo leer este informe": each figure defined once."""
    return [
        (
            _("Mensajes recibidos"),
            _(
                "Mensajes escritos por la ciudadanía (no por la entidad) en las cuentas "
                "oficiales, con fecha de Lima dentro del período."
            ),
        ),
        (
            _("Conversaciones iniciadas"),
            _(
                "Hilos cuyo primer mensaje ciudadano llegó en el período. Las cifras de "
                "respuesta y de plazos se refieren a estas conversaciones."
            ),
        ),
        (
            _("Dentro del plazo"),
            _(
                "Primera respuesta antes de vencer el plazo de la entidad, contado en horas "
                "hábiles con los feriados del Perú. El porcentaje se calcula sobre las "
                "conversaciones ya respondidas o con el plazo vencido."
            ),
        ),
        (
            _("Plazos incumplidos"),
            _(
                "Conversaciones del período respondidas fuera del plazo más las que siguen "
                "sin respuesta con el plazo vencido."
            ),
        ),
        (
            _("Pendientes al generar el informe"),
            _(
                "Conversaciones de cualquier fecha que esperan respuesta en el momento de "
                "generar el informe. Incluyen las de períodos anteriores, por eso pueden ser "
                "más que los plazos incumplidos del período."
            ),
        ),
        (
            _("Mediana y percentil 90"),
            _(
                "La mitad de las respuestas tardó la mediana o menos; nueve de cada diez, el "
                "percentil 90 o menos."
            ),
        ),
        (
            _("Período anterior"),
            _(
                "Para meses, trimestres o años completos, el mismo número de meses "
                "calendario justo antes; para otras fechas, los mismos días justo antes."
            ),
        ),
        (
            _("Temas"),
            _(
                "Palabras y frases más repetidas en los mensajes, sin saludos, pronombres ni "
                "otras palabras que no dicen de qué se trata."
            ),
        ),
        (
            _("Cambio"),
            _(
                "Porcentual frente al período anterior; para los porcentajes, en puntos "
                "porcentuales."
            ),
        ),
    ]


def generated_text(data: dict[str, Any]) -> str:
    try:
        return periods.datetime_es(datetime.fromisoformat(data["generated_at"]))
    except (KeyError, TypeError, ValueError):
        return ""


def cell_text(value: Any, column: str) -> str:
    """A table cell as a person reads it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("sí") if value else _("no")
    if isinstance(value, int | float):
        if "%" in column or isinstance(value, float):
            return numbers.number(value, 1)
        return numbers.number(value)
    return str(value)


def _cell_text_at(columns: list[str], index: int, value: Any) -> str:
    return cell_text(value, columns[index] if index < len(columns) else "")


def document(data: dict[str, Any]) -> dict[str, Any]:
    """Everything the web page, the PDF and the XLSX show, worded once."""
    start, end = date.fromisoformat(data["start"]), date.fromisoformat(data["end"])
    entity = data["entity"]
    period = periods.period_name(start, end)
    tables = []
    for table in data["tables"]:
        columns = table["columns"]
        tables.append(
            {
                **table,
                "cells": [
                    [
                        cell_text(value, columns[i] if i < len(columns) else "")
                        for i, value in enumerate(row)
                    ]
                    for row in table["rows"]
                ],
                "svg": bar_chart(table["rows"], unit=table["unit"], title=table["title"])
                if table["chart"]
                else None,
            }
        )
    return {
        "entity_name": entity["name"],
        "entity_acronym": entity.get("acronym", ""),
        "title": _("Informe de lo que escribió la ciudadanía"),
        "period": period[:1].upper() + period[1:],
        "dates": _("Del %(start)s al %(end)s")
        % {
            "start": periods.date_es(start),
            "end": periods.date_es(end),
        },
        "compared": periods.comparison_text(start, end),
        "generated": generated_text(data),
        "summary": summary(data),
        "definitions": definitions(),
        "tables": tables,
    }
