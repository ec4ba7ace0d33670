"""Forms of the reports app: the scoreboard's filters and the report request."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from agora.directory.models import Branch, Entity, Level
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


def previous_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


class ReportRequestForm(forms.Form):
    entidad = forms.ModelChoiceField(label=_("Entidad"), queryset=Entity.objects.none())
    desde = forms.DateField(label=_("Desde"), widget=forms.DateInput(attrs={"type": "date"}))
    hasta = forms.DateField(label=_("Hasta"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, entities: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["entidad"]
        field.queryset = entities  # type: ignore[attr-defined]
        field.to_field_name = "code"  # type: ignore[attr-defined]
        start, end = previous_month(today)
        self.fields["desde"].initial = start
        self.fields["hasta"].initial = end

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("desde"), data.get("hasta")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("La fecha final es anterior a la inicial."))
            if (end - start).days + 1 > MAX_REPORT_DAYS:
                raise forms.ValidationError(
                    _("El período no puede pasar de %(days)s días.") % {"days": MAX_REPORT_DAYS}
                )
        return data
