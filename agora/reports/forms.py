"""Forms of the reports app: the scoreboard's filters and the report request."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from agora.directory.models import Branch, Entity, Level
from agora.reports.periods import date_es, last_month, last_quarter, last_year
from agora.reports.scoreboard import PERIODS, SORTS, departments

MAX_REPORT_DAYS = 366
EXPORT_FORMATS = [("pdf", "PDF"), ("xlsx", "XLSX"), ("csv", "CSV")]


class ScoreboardFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Buscar entidad"),
        required=False,
        max_length=100,
        help_text=_("Nombre, sigla o parte del nombre: «minsa», «municipalidad de lima»."),
    )
    periodo = forms.ChoiceField(
        label=_("Período"), choices=list(PERIODS.items()), required=False, initial="30"
    )
    nivel = forms.ChoiceField(label=_("Nivel de gobierno"), required=False)
    poder = forms.ChoiceField(label=_("Poder u organismo"), required=False)
    departamento = forms.ChoiceField(label=_("Departamento"), required=False)
    orden = forms.ChoiceField(
        label=_("Ordenar por"),
        required=False,
        initial="recibidos",
        choices=[
            *[(key, label) for key, label in SORTS.items()],
            ("-entidad", _("Entidad (Z a A)")),
        ],
    )

    con_datos = forms.BooleanField(label=_("Solo entidades con datos suficientes"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = ("", _("Todos"))
        cast(forms.ChoiceField, self.fields["nivel"]).choices = [everything, *Level.choices]
        cast(forms.ChoiceField, self.fields["poder"]).choices = [everything, *Branch.choices]
        cast(forms.ChoiceField, self.fields["departamento"]).choices = [
            everything,
            *departments(),
        ]

    def criteria(self) -> dict[str, Any]:
        """Valid criteria only: a bad value is dropped (and reported by the form)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if self.is_bound and not self.is_valid():
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return {
            "days": int(data.get("periodo") or 30),
            "level": data.get("nivel") or "",
            "branch": data.get("poder") or "",
            "department": data.get("departamento") or "",
            # Most messages first: the entities with figures open the page, not rows of
            # «insuficiente».
            "sort": data.get("orden") or "recibidos",
        }

    def search(self) -> tuple[str, bool]:
        """(text searched, only entities with enough messages), valid values only."""
        if not self.is_bound or not self.is_valid():
            data = dict(getattr(self, "cleaned_data", {}))
        else:
            data = self.cleaned_data
        return (data.get("q") or "").strip(), bool(data.get("con_datos"))


PRESETS = {
    "mes": (_("Mes anterior"), last_month),
    "trimestre": (_("Trimestre anterior"), last_quarter),
    "anio": (_("Año anterior"), last_year),
}
EARLIEST = date(2010, 1, 1)


def previous_month(today: date) -> tuple[date, date]:
    """The last complete calendar month (kept for the monthly schedule's callers)."""
    return last_month(today)


def _date_input() -> forms.DateInput:
    # Browsers accept only ISO dates in <input type="date">, whatever the page's language.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReportRequestForm(forms.Form):
    """Opens valid: the last complete month and, for a person with one entity, that entity.
    ``preset`` ("mes", "trimestre", "anio") opens it on another calendar period."""

    entidad = forms.ModelChoiceField(
        label=_("Entidad"),
        queryset=Entity.objects.none(),
        empty_label=_("Elija una entidad"),
        error_messages={
            "required": _("Elija la entidad del informe."),
            "invalid_choice": _("Elija una de sus entidades."),
        },
    )
    desde = forms.DateField(
        label=_("Desde"),
        widget=_date_input(),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={
            "required": _("Indique la fecha inicial."),
            "invalid": _("La fecha inicial no es una fecha válida: escriba día, mes y año."),
        },
    )
    hasta = forms.DateField(
        label=_("Hasta"),
        widget=_date_input(),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={
            "required": _("Indique la fecha final."),
            "invalid": _("La fecha final no es una fecha válida: escriba día, mes y año."),
        },
    )

    def __init__(
        self, *args: Any, entities: Any, today: date, preset: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        field = cast(forms.ModelChoiceField, self.fields["entidad"])
        field.queryset = entities
        field.to_field_name = "code"
        if len(entities[:2]) == 1:
            field.empty_label = None  # one entity: chosen already
            self.fields["entidad"].initial = entities[0]
        __, choose = PRESETS.get(preset or "", PRESETS["mes"])
        start, end = choose(today)
        self.fields["desde"].initial = start
        self.fields["hasta"].initial = end
        for name in ("desde", "hasta"):
            self.fields[name].widget.attrs.update(
                {"min": EARLIEST.isoformat(), "max": today.isoformat()}
            )

    def full_clean(self) -> None:
        super().full_clean()
        # Each field points at its own error, which the template shows below it.
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"id_{name}_error"}
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("desde"), data.get("hasta")
        if start and start < EARLIEST:
            self.add_error("desde", _("La fecha inicial es anterior a 2010."))
        if end and end > self.today:
            self.add_error(
                "hasta",
                _("La fecha final no puede ser posterior a hoy (%(today)s).")
                % {"today": date_es(self.today)},
            )
        if start and end:
            if end < start:
                raise forms.ValidationError(_("La fecha final es anterior a la inicial."))
            if (end - start).days + 1 > MAX_REPORT_DAYS:
                raise forms.ValidationError(
                    _("El período no puede pasar de %(days)s días.") % {"days": MAX_REPORT_DAYS}
                )
        return data
