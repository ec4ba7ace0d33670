"""Forms of the training registry's staff pages. They parse what the person typed; the rules
live in ``agora.training.services``."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agora.core.models import User
from agora.directory.models import Entity
from agora.training.models import AttendeeRole, Mode


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Título del taller"), max_length=200)
    date = forms.DateField(
        label=_("Fecha"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Escriba la fecha como AAAA-MM-DD.")},
    )
    mode = forms.ChoiceField(label=_("Modalidad"), choices=Mode.choices, widget=forms.RadioSelect)
    place = forms.CharField(
        label=_("Lugar o enlace"),
        max_length=255,
        help_text=_("La dirección del local o, si fue virtual, el enlace o la plataforma."),
    )
    topics = forms.CharField(
        label=_("Temas"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Uno por línea."),
    )
    trainer = forms.CharField(label=_("Capacitador o capacitadora"), max_length=200)
    hours = forms.CharField(
        label=_("Horas"), required=False, max_length=6, help_text=_("Por ejemplo, 3 o 2,5.")
    )

    def clean_hours(self) -> str:
        return (self.cleaned_data.get("hours") or "").strip().replace(",", ".")


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Título del material"), max_length=200)
    url = forms.CharField(label=_("Enlace"), required=False, max_length=500)
    file = forms.FileField(
        label=_("o un archivo"),
        required=False,
        help_text=_("PDF, imagen o documento de oficina, hasta 20 MB."),
    )


ENTITY_CODE = re.compile(r"\(([a-z0-9-]+)\)\s*$")


class AttendanceForm(forms.Form):
    entity = forms.CharField(
        label=_("Entidad"),
        max_length=300,
        help_text=_("Escriba el nombre o el código de la entidad y elíjala de la lista."),
    )
    name = forms.CharField(label=_("Nombre de la persona"), max_length=200)
    role = forms.ChoiceField(label=_("Rol en la entidad"), choices=AttendeeRole.choices)
    username = forms.CharField(
        label=_("Usuario en Ágora (opcional)"),
        required=False,
        max_length=150,
        help_text=_("Si la persona tiene cuenta en Ágora para esa entidad."),
    )
    completed = forms.BooleanField(label=_("Completó el taller"), required=False, initial=True)

    def __init__(self, *args: Any, entities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entities = entities
        self.fields["entity"].widget.attrs["list"] = "entidades-lista"
        self.fields["entity"].widget.attrs["autocomplete"] = "off"

    def clean_entity(self) -> Entity:
        text = (self.cleaned_data.get("entity") or "").strip()
        match = ENTITY_CODE.search(text)
        code = match.group(1) if match else text.lower()
        entity = (
            self.entities.filter(code=code).first()
            or self.entities.filter(name__iexact=text).first()
        )
        if entity is None:
            raise forms.ValidationError(
                _("No encontramos esa entidad entre las que puede registrar: elíjala de la lista.")
            )
        return entity

    def clean_username(self) -> User | None:
        username = (self.cleaned_data.get("username") or "").strip()
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No existe un usuario activo con ese nombre."))
        return user
