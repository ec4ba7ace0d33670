"""The "Escalar" form of a conversation: a person of the entity and the reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agora.core.models import User
from agora.inbox.escalation import REASON_MAX


class EscalateForm(forms.Form):
    escalar_a = forms.ChoiceField(
        label=_("Escalar a"),
        error_messages={
            "required": _("Elija a la persona a quien escalar la conversación."),
            "invalid_choice": _("Esa persona no trabaja para esta entidad."),
        },
    )
    motivo = forms.CharField(
        label=_("Motivo de la escalada"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Lo leerá la persona que recibe la conversación."),
        error_messages={
            "required": _("Indique el motivo de la escalada."),
            "max_length": _("El motivo admite hasta %(limit_value)d caracteres."),
        },
    )

    def __init__(self, *args: Any, staff: Sequence[User], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "escalada_%s")  # unique on a page with other forms
        super().__init__(*args, **kwargs)
        self.staff = {str(u.pk): u for u in staff}
        field: Any = self.fields["escalar_a"]
        field.choices = [
            ("", _("Elija una persona")),
            *((pk, u.get_full_name() or u.get_username()) for pk, u in self.staff.items()),
        ]

    def person(self) -> User | None:
        return self.staff.get(self.cleaned_data.get("escalar_a") or "")
