"""Forms of the entity settings area. They only parse input: the services decide and refuse."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agora.connectors.models import CredentialKind
from agora.core.models import User
from agora.inbox.models import ResponsePolicy

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


def _secret_field(
    label: StrOrPromise, help_text: StrOrPromise, required: StrOrPromise
) -> forms.CharField:
    """A pasted secret: never rendered back into the page, not spell-checked or autofilled.
    Spaces around it are dropped (only spaces is no value: "required")."""
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=4000,
        strip=True,
        widget=forms.PasswordInput(
            render_value=False,
            attrs={"autocomplete": "new-password", "spellcheck": "false"},
        ),
        error_messages={"required": required},
    )


class CredentialForm(forms.Form):
    """A new access token for one account. The secret is never rendered back into the page."""

    tipo = forms.ChoiceField(label=_("Tipo de credencial"), choices=CredentialKind.choices)
    token = _secret_field(
        _("Nuevo token de acceso"),
        _("Se guarda cifrado y no se vuelve a mostrar; solo se verán sus últimos 4 caracteres."),
        _("Pegue el token de acceso."),
    )


class RefreshTokenForm(forms.Form):
    """The OAuth refresh token of a YouTube account: Ágora renews the access token with it
    when it expires. Never rendered back into the page."""

    token = _secret_field(
        _("Token de actualización (OAuth)"),
        _(
            "Con él, Ágora renueva el token de acceso cuando vence (cada hora en YouTube). "
            "Se guarda cifrado; solo se verán sus últimos 4 caracteres."
        ),
        _("Pegue el token de actualización."),
    )


def _hours_field(label: StrOrPromise) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        error_messages={
            "required": _("Indique el plazo en horas hábiles."),
            "invalid": _("Escriba un número de horas, por ejemplo 4 o 4.5."),
        },
    )


def _time_field(label: StrOrPromise) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("Indique la hora."),
            "invalid": _("Escriba la hora como HH:MM, por ejemplo 08:30."),
        },
    )


class PolicyForm(forms.Form):
    """The entity's response targets (working hours) and its working day."""

    primera_respuesta = _hours_field(_("Primera respuesta (horas hábiles)"))
    siguiente_respuesta = _hours_field(_("Siguiente respuesta (horas hábiles)"))
    resolucion = _hours_field(_("Resolución (horas hábiles)"))
    inicio_jornada = _time_field(_("Inicio de la jornada"))
    fin_jornada = _time_field(_("Fin de la jornada"))

    @classmethod
    def for_policy(cls, policy: ResponsePolicy) -> PolicyForm:
        return cls(
            initial={
                "primera_respuesta": policy.first_response_hours,
                "siguiente_respuesta": policy.next_response_hours,
                "resolucion": policy.resolution_hours,
                "inicio_jornada": policy.workday_start,
                "fin_jornada": policy.workday_end,
            }
        )


class TriageForm(forms.Form):
    """When a conversation becomes "alta" before its deadline, and who missed deadlines are
    escalated to (agora/inbox/priority.py and escalation.py)."""

    prioridad_horas = forms.DecimalField(
        label=_("Prioridad alta cuando faltan (horas hábiles)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("45"),
        help_text=_(
            "Una conversación cuyo plazo vence dentro de estas horas hábiles, o ya venció, "
            "pasa a prioridad alta."
        ),
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
        error_messages={
            "required": _("Indique las horas hábiles."),
            "invalid": _("Escriba un número de horas, por ejemplo 2 o 1.5."),
        },
    )
    escalar_a = forms.ChoiceField(
        label=_("Escalar los plazos vencidos a"),
        required=False,
        help_text=_("Vacío: a los responsables de comunicaciones de la entidad."),
        error_messages={"invalid_choice": _("Esa persona no trabaja para la entidad.")},
    )

    def __init__(self, *args: Any, members: Sequence[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = {str(u.pk): u for u in members}
        field: Any = self.fields["escalar_a"]
        field.choices = [
            ("", _("Los responsables de comunicaciones")),
            *((pk, u.get_full_name() or u.get_username()) for pk, u in self.members.items()),
        ]

    @classmethod
    def for_policy(cls, policy: ResponsePolicy, members: Sequence[User]) -> TriageForm:
        return cls(
            members=members,
            initial={
                "prioridad_horas": policy.priority_hours,
                "escalar_a": str(policy.escalation_contact_id or ""),
            },
        )

    def contact(self) -> User | None:
        return self.members.get(self.cleaned_data.get("escalar_a") or "")


class AccessForm(forms.Form):
    """A person who holds admin access to the account on the platform itself."""

    nombre = forms.CharField(
        label=_("Nombre de la persona"),
        max_length=150,
        error_messages={"required": _("Indique el nombre de la persona.")},
    )
    rol = forms.CharField(
        label=_("Rol en la plataforma"),
        help_text=_("Por ejemplo: administrador, editor, moderador."),
        max_length=60,
        error_messages={"required": _("Indique el rol de la persona en la plataforma.")},
    )
