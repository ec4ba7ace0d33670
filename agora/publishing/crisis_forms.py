"""Forms of the crisis manual and crisis mode (agora/publishing/crisis.py does the work)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CrisisOpenForm(forms.Form):
    resumen = forms.CharField(
        label=_("Qué pasa"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Una o dos frases: lo que se sabe y desde cuándo."),
    )
    origen = forms.ChoiceField(
        choices=[("declarada", "declarada"), ("pico", "pico")],
        required=False,
        widget=forms.HiddenInput,
    )


class CrisisCloseForm(forms.Form):
    reanudar = forms.BooleanField(
        label=_("Reanudar las publicaciones pausadas"),
        required=False,
        initial=True,
        help_text=_("Si no la marca, siguen en pausa hasta que las reanude."),
    )


class StepDoneForm(forms.Form):
    nota = forms.CharField(label=_("Nota (opcional)"), max_length=2000, required=False)


class ManualForm(forms.Form):
    introduccion = forms.CharField(
        label=_("Cuándo se usa este manual"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class StepForm(forms.Form):
    texto = forms.CharField(label=_("Paso"), max_length=1000)
    responsable = forms.CharField(label=_("Responsable"), max_length=120, required=False)


class ContactForm(forms.Form):
    nombre = forms.CharField(label=_("Nombre"), max_length=120)
    cargo = forms.CharField(label=_("Cargo"), max_length=120, required=False)
    telefono = forms.CharField(label=_("Teléfono"), max_length=40, required=False)
    correo = forms.EmailField(label=_("Correo"), required=False)


class StatementForm(forms.Form):
    situacion = forms.CharField(label=_("Situación"), max_length=160)
    texto = forms.CharField(
        label=_("Texto de la declaración"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
