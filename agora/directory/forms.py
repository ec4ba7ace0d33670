"""Forms of the directory: public search and look-up, staff proposals and decisions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agora.directory.models import PLATFORM_ACCOUNT_ID_MAX, Branch, EntityType, Level, Platform
from agora.directory.selectors import SORTS

MAX_QUERY = 200


def _blank(choices: Sequence[tuple[str, Any]], label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class DirectorySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Buscar por nombre o siglas"),
        required=False,
        max_length=MAX_QUERY,
        error_messages={
            "max_length": _("La búsqueda es demasiado larga (máximo %(limit_value)d caracteres).")
        },
    )
    poder = forms.ChoiceField(label=_("Poder u organismo"), required=False)
    nivel = forms.ChoiceField(label=_("Nivel de gobierno"), required=False)
    tipo = forms.ChoiceField(label=_("Tipo de entidad"), required=False)
    departamento = forms.ChoiceField(label=_("Departamento"), required=False)
    plataforma = forms.ChoiceField(label=_("Con cuenta verificada en"), required=False)
    orden = forms.ChoiceField(label=_("Ordenar por"), required=False)

    def __init__(self, *args: object, departments: list[tuple[str, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        fields: dict[str, Any] = self.fields
        fields["poder"].choices = _blank(Branch.choices, _("Todos"))
        fields["nivel"].choices = _blank(Level.choices, _("Todos"))
        fields["tipo"].choices = _blank(EntityType.choices, _("Todos"))
        fields["departamento"].choices = _blank(departments, _("Todos"))
        fields["plataforma"].choices = _blank(Platform.choices, _("Cualquiera"))
        labels = {
            "nombre": _("Nombre (A–Z)"),
            "-nombre": _("Nombre (Z–A)"),
            "cuentas": _("Más cuentas verificadas"),
            "nivel": _("Nivel de gobierno"),
            "departamento": _("Departamento"),
        }
        fields["orden"].choices = _blank([(key, labels[key]) for key in SORTS], _("Relevancia"))

    def filters(self) -> dict[str, str]:
        """The valid filters; invalid ones are dropped (and reported by the form)."""
        data = self.cleaned_data if self.is_bound else {}
        return {
            "q": data.get("q", ""),
            "branch": data.get("poder", ""),
            "level": data.get("nivel", ""),
            "entity_type": data.get("tipo", ""),
            "department": data.get("departamento", ""),
            "platform": data.get("plataforma", ""),
            "sort": data.get("orden", ""),
        }


class LookupForm(forms.Form):
    q = forms.CharField(
        label=_("Dirección (URL) o nombre de usuario de la cuenta"),
        max_length=500,
        error_messages={
            "required": _("Pegue la dirección o el nombre de usuario que desea comprobar."),
            "max_length": _("El texto es demasiado largo (máximo %(limit_value)d caracteres)."),
        },
    )


class AccountProposeForm(forms.Form):
    entity = forms.ChoiceField(label=_("Entidad"))
    platform = forms.ChoiceField(label=_("Plataforma"), choices=Platform.choices)
    handle = forms.CharField(label=_("Nombre de usuario"), max_length=150, required=False)
    url = forms.CharField(label=_("Dirección (URL)"), max_length=500, required=False)
    platform_id = forms.CharField(
        label=_("Id en la plataforma"), max_length=PLATFORM_ACCOUNT_ID_MAX, required=False
    )
    evidence = forms.CharField(
        label=_("Evidencia"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Oficio, enlace desde el sitio web institucional u otra prueba."),
    )

    def __init__(self, *args: object, entities: list[tuple[str, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        fields: dict[str, Any] = self.fields
        fields["entity"].choices = entities


class AccountDecisionForm(forms.Form):
    DECISIONS = [
        ("verificar", _("Verificar")),
        ("rechazar", _("Rechazar")),
        ("suspender", _("Suspender")),
        ("retirar", _("Retirar")),
    ]
    decision = forms.ChoiceField(label=_("Decisión"), choices=DECISIONS)
    reason = forms.CharField(
        label=_("Motivo o evidencia"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class AccountImportForm(forms.Form):
    file = forms.FileField(label=_("Archivo CSV"))
    confirm = forms.BooleanField(
        label=_("Importar (sin marcar, solo se revisa el archivo)"), required=False
    )
