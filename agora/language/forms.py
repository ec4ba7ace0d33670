"""Forms of the language pages: a watch-list, the matches filter and the allies filter."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agora.language.models import WatchList

MAX_PERIOD_DAYS = 366
DEFAULT_PERIOD_DAYS = 30
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class WatchListForm(forms.Form):
    owner = forms.ChoiceField(label=_("Propietario"), required=False)
    name = forms.CharField(label=_("Nombre"), max_length=120)
    description = forms.CharField(
        label=_("Descripción"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    queries = forms.CharField(
        label=_("Términos y consultas (una por línea)"),
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text=_(
            "Una palabra, una «frase entre comillas» o una consulta con AND, OR, NOT y "
            'paréntesis, por ejemplo: corrupción AND (obra OR licitación), "agua potable" '
            "NOT Sedapal. Sin tildes ni mayúsculas que importen."
        ),
    )
    is_active = forms.BooleanField(label=_("Activa"), required=False, initial=True)

    def __init__(self, *args: Any, owner_choices: list[tuple[str, str]] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        if owner_choices is None:
            del self.fields["owner"]
        else:
            cast(forms.ChoiceField, self.fields["owner"]).choices = owner_choices


def _today() -> date:
    return timezone.localdate()


class PeriodForm(forms.Form):
    """A period of Lima dates; by default the last 30 days."""

    desde = forms.DateField(label=_("Desde"), required=False, widget=DATE_INPUT)
    hasta = forms.DateField(label=_("Hasta"), required=False, widget=DATE_INPUT)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        end = data.get("hasta") or _today()
        start = data.get("desde") or end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        if start > end:
            raise forms.ValidationError(_("La fecha «desde» es posterior a la fecha «hasta»."))
        if (end - start).days + 1 > MAX_PERIOD_DAYS:
            raise forms.ValidationError(
                _("El periodo admite hasta %(max)s días.") % {"max": MAX_PERIOD_DAYS}
            )
        data["desde"], data["hasta"] = start, end
        return data

    def period(self) -> tuple[date, date]:
        if self.is_valid():
            return self.cleaned_data["desde"], self.cleaned_data["hasta"]
        end = _today()
        return end - timedelta(days=DEFAULT_PERIOD_DAYS - 1), end


class MatchFilterForm(PeriodForm):
    lista = forms.ModelChoiceField(
        label=_("Lista"),
        queryset=WatchList.objects.none(),
        required=False,
        empty_label=_("Todas las listas"),
        error_messages={"invalid_choice": _("Esa lista no existe o no puede verla.")},
    )

    field_order = ["lista", "desde", "hasta"]

    def __init__(self, *args: Any, lists: Any = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        if lists is not None:
            self.fields["lista"].queryset = lists  # type: ignore[attr-defined]


class AlliesFilterForm(PeriodForm):
    entidad = forms.ChoiceField(label=_("Entidad"))

    field_order = ["entidad", "desde", "hasta"]

    def __init__(self, *args: Any, entities: list[tuple[str, str]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        cast(forms.ChoiceField, self.fields["entidad"]).choices = entities
        self.fields["entidad"].error_messages["invalid_choice"] = _(
            "No puede ver los aliados de esa entidad."
        )
