"""The labelling queue's form: a message's kind (one) and flags (any)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agora.language.taxonomy import Flag, Kind

# The keys of the queue page (agora/static/agora/labelling-keys.js reads them from the page).
KIND_KEYS = {kind: str(number) for number, kind in enumerate(Kind.values, start=1)}
FLAG_KEYS = {
    Flag.AMENAZA.value: "a",
    Flag.INSULTO.value: "i",
    Flag.SPAM.value: "s",
    Flag.DATOS_PERSONALES.value: "d",
}


class QueueLabelForm(forms.Form):
    mensaje = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    tipo = forms.ChoiceField(
        label=_("Tipo"),
        choices=Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Elija el tipo del mensaje.")},
    )
    alertas = forms.MultipleChoiceField(
        label=_("Alertas"),
        choices=[(flag, Flag(flag).label) for flag in FLAG_KEYS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
