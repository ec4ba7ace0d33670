"""Forms of the classification, moderation, threat-alert and crisis actions."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from agora.inbox.moderation import CHECKLIST_ITEM_MAX, CHECKLIST_MAX_ITEMS, REASON_MAX

KIND_CHOICES = [
    ("consulta", _("Consulta")),
    ("queja", _("Queja")),
    ("denuncia", _("Denuncia")),
    ("sugerencia", _("Sugerencia")),
    ("felicitacion", _("Felicitación")),
    ("otro", _("Otro")),
]
FLAG_CHOICES = [
    ("insulto", _("Insulto")),
    ("spam", _("Spam")),
    ("amenaza", _("Amenaza")),
    ("datos_personales", _("Datos personales")),
]


class CorrectionForm(forms.Form):
    tipo = forms.ChoiceField(label=_("Tipo de mensaje"), choices=KIND_CHOICES)
    alertas = forms.MultipleChoiceField(
        label=_("Alertas"),
        choices=FLAG_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class HideForm(forms.Form):
    motivo = forms.CharField(
        label=_("Motivo"),
        max_length=REASON_MAX,
        help_text=_("Queda registrado con su nombre y la fecha."),
    )
    en_plataforma = forms.BooleanField(
        label=_("Ocultar también en la red social (no se borra)"), required=False
    )


class ShowForm(forms.Form):
    motivo = forms.CharField(label=_("Motivo"), max_length=REASON_MAX)


class AttendForm(forms.Form):
    nota = forms.CharField(
        label=_("Nota (qué se hizo)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ChecklistForm(forms.Form):
    pasos = forms.CharField(
        label=_("Pasos de la lista de crisis"),
        help_text=_("Uno por línea; hasta %(n)s pasos de %(m)s caracteres.")
        % {"n": CHECKLIST_MAX_ITEMS, "m": CHECKLIST_ITEM_MAX},
        widget=forms.Textarea(attrs={"rows": 12}),
    )


class PolicyForm(forms.Form):
    ocultar_insultos = forms.BooleanField(label=_("Ocultar insultos en la bandeja"), required=False)
    ocultar_spam = forms.BooleanField(label=_("Ocultar spam en la bandeja"), required=False)
    ocultar_en_plataforma = forms.BooleanField(
        label=_("Ocultarlos también en Facebook e Instagram (comentarios; nunca se borran)"),
        required=False,
    )
    umbral_crisis = forms.DecimalField(
        label=_("Crisis: veces la tasa habitual por hora"),
        min_value=Decimal(1),
        max_value=Decimal(100),
        decimal_places=2,
        max_digits=5,
    )
    minimo_crisis = forms.IntegerField(
        label=_("Crisis: mínimo de insultos o amenazas en la última hora"),
        min_value=1,
        max_value=100_000,
    )
