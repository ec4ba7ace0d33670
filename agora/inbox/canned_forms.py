"""Forms of the approved answers library (agora/inbox/canned.py decides and records)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agora.directory import roles
from agora.directory.models import Entity
from agora.inbox.canned import BODY_MAX, CATEGORY_MAX, SHORTCUT_MAX, TITLE_MAX


class CannedAnswerForm(forms.Form):
    """Title, text (with placeholders), category and shortcut; on creation, the library."""

    entidad = forms.ChoiceField(
        label=_("Biblioteca"),
        error_messages={"invalid_choice": _("No gestiona las respuestas de esa entidad.")},
    )
    titulo = forms.CharField(
        label=_("Título"),
        max_length=TITLE_MAX,
        help_text=_("Cómo la encuentra el equipo, por ejemplo «Dónde vacunarse»."),
        error_messages={"required": _("Escriba un título.")},
    )
    texto = forms.CharField(
        label=_("Texto de la respuesta"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "En primera persona del plural («le informamos», «podemos»). Puede usar los "
            "marcadores de la lista: se reemplazan al insertar la respuesta en una conversación."
        ),
        error_messages={
            "required": _("Escriba el texto de la respuesta."),
            "max_length": _("El texto admite hasta %(limit_value)d caracteres."),
        },
    )
    categoria = forms.CharField(
        label=_("Categoría (opcional)"),
        max_length=CATEGORY_MAX,
        required=False,
        help_text=_("Agrupa las respuestas, por ejemplo «Vacunación»."),
    )
    atajo = forms.CharField(
        label=_("Atajo (opcional)"),
        max_length=SHORTCUT_MAX,
        required=False,
        help_text=_(
            "Una palabra sin espacios para encontrarla al escribir «/» en la respuesta, "
            "por ejemplo «vacunas»."
        ),
    )

    def __init__(
        self,
        *args: Any,
        entities: Sequence[Entity] | None = None,
        creating: bool = False,
        **kwargs: Any,
    ) -> None:
        """On creation, a manager picks one of ``entities``; rector staff (``entities`` None)
        type an entity's code or leave it empty for every entity. Editing keeps the library."""
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        if not creating:
            del fields["entidad"]
        elif entities is None:
            fields["entidad"] = forms.CharField(
                label=_("Entidad"),
                required=False,
                max_length=32,
                help_text=_(
                    "Código de la entidad, por ejemplo «minsa»; vacío: para todas las entidades."
                ),
            )
        else:
            fields["entidad"].choices = [(e.code, e.name) for e in entities]

    def clean_entidad(self) -> str:
        code = str(self.cleaned_data.get("entidad") or "").strip().lower()
        if code and roles.entity_by_code(code) is None:
            raise forms.ValidationError(
                _("No hay ninguna entidad con el código «%(value)s»."), params={"value": code}
            )
        return code
