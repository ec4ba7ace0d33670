"""Forms of the staff inbox: the list filters (GET parameters with Spanish names) and one
small form per action on a conversation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agora.core.fields import MAX_ID, IdField
from agora.core.models import User
from agora.directory import roles
from agora.directory.models import Entity, Platform, SocialAccount
from agora.inbox.models import CannedAnswer, Label, Priority, Status
from agora.inbox.queues import QUEUE_CHOICES
from agora.inbox.selectors import (
    FLAGS,
    KINDS,
    ORDER_DUE,
    ORDERS,
    CursorError,
    InboxFilters,
    cursor_decode,
)

INVALID_CHOICE = _("El valor «%(value)s» no es válido para este filtro.")
ANSWER_MAX = 8000
NOTE_MAX = 8000


def _blank(choices: Sequence[tuple[Any, Any]], label: Any) -> list[tuple[Any, Any]]:
    return [("", label), *choices]


def _person(user: User) -> str:
    return user.get_full_name() or user.get_username()


def account_choices(accounts: Sequence[SocialAccount]) -> list[tuple[str, str]]:
    """The list filter's account choices (``select_related("entity")`` expected)."""
    return [(str(a.pk), f"{a} ({a.entity.acronym or a.entity.name})") for a in accounts]


def assignee_choices(people: Sequence[User]) -> list[tuple[str, str]]:
    return [(str(u.pk), _person(u)) for u in people]


def _choice(label: Any, choices: Sequence[tuple[Any, Any]], blank: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=_blank(choices, blank),
        error_messages={"invalid_choice": INVALID_CHOICE},
    )


class InboxFilterForm(forms.Form):
    """The list filters. Invalid values are reported and ignored, never a server error."""

    entidad = forms.CharField(label=_("Entidad"), required=False, max_length=32)
    estado = _choice(_("Estado"), Status.choices, _("Todos"))
    cuenta = _choice(_("Cuenta"), [], _("Todas"))
    plataforma = _choice(_("Plataforma"), Platform.choices, _("Todas"))
    tipo = _choice(_("Tipo de mensaje"), KINDS, _("Todos"))
    alerta = _choice(_("Alerta"), FLAGS, _("Cualquiera"))
    asignada = _choice(_("Asignada a"), [], _("Cualquiera"))
    vencidas = forms.BooleanField(label=_("Solo con el plazo vencido"), required=False)
    fallidos = forms.BooleanField(label=_("Solo con envío fallido o por verificar"), required=False)
    ocultos = forms.BooleanField(label=_("Mostrar ocultos (insultos y spam)"), required=False)
    cola = _choice(_("Cola de trabajo"), QUEUE_CHOICES, _("Todas"))
    orden = forms.ChoiceField(
        label=_("Ordenar por"),
        required=False,
        choices=ORDERS,
        initial=ORDER_DUE,
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    desde = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        entities: Sequence[Entity] | None,
        accounts: Sequence[tuple[str, str]],
        assignees: Sequence[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        self.entity_codes: set[str] | None = None
        if entities is not None:
            # A person who works for a few entities picks one; rector staff type the code.
            self.entity_codes = {e.code for e in entities}
            fields["entidad"] = _choice(
                _("Entidad"), [(e.code, e.name) for e in entities], _("Todas")
            )
        else:
            fields["entidad"].help_text = _("Código de la entidad, por ejemplo «minsa».")
        fields["cuenta"].choices = _blank(list(accounts), _("Todas"))
        fields["asignada"].choices = _blank(
            [("yo", _("A mí")), ("nadie", _("Sin asignar")), *assignees], _("Cualquiera")
        )

    def clean_entidad(self) -> str:
        code = str(self.cleaned_data.get("entidad") or "").strip().lower()
        if code and self.entity_codes is None and roles.entity_by_code(code) is None:
            raise forms.ValidationError(
                _("No hay ninguna entidad con el código «%(value)s»."), params={"value": code}
            )
        return code

    def clean_desde(self) -> str:
        cursor = str(self.cleaned_data.get("desde") or "")
        if cursor:
            try:
                cursor_decode(cursor, str(self.cleaned_data.get("orden") or ORDER_DUE))
            except CursorError:
                raise forms.ValidationError(
                    _("El enlace de la página no es válido; se muestra la primera página.")
                ) from None
        return cursor

    # Shown above the list; the rest fold under «Más filtros». The status and the queue are
    # also the tabs above the rows, so choosing them there does not open the fold.
    MAIN = ("orden",)
    TABBED = ("estado", "cola")

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.MAIN]

    def more_fields(self) -> list[forms.BoundField]:
        return [field for field in self.visible_fields() if field.name not in self.MAIN]

    def more_active(self) -> int:
        """How many of the folded filters are set (or wrong): the fold opens when any is."""
        if not self.is_bound:
            return 0
        search_order = 1 if self.data.get("por") == "vence" else 0
        return search_order + sum(
            1
            for field in self.more_fields()
            if field.name not in self.TABBED and (self.data.get(field.name) or field.errors)
        )

    def filters(self) -> InboxFilters:
        """The valid filters; invalid ones are left out (and reported by the form)."""
        data = self.cleaned_data if self.is_bound else {}
        account = data.get("cuenta") or ""
        return InboxFilters(
            entity=data.get("entidad") or "",
            status=data.get("estado") or "",
            account=int(account) if account else None,
            platform=data.get("plataforma") or "",
            kind=data.get("tipo") or "",
            flag=data.get("alerta") or "",
            assignee=data.get("asignada") or "",
            overdue=bool(data.get("vencidas")),
            send_failed=bool(data.get("fallidos")),
            hidden=bool(data.get("ocultos")),
            cursor=data.get("desde") or "",
            queue=data.get("cola") or "",
            order=data.get("orden") or ORDER_DUE,
        )


class AnswerForm(forms.Form):
    texto = forms.CharField(
        label=_("Respuesta a la ciudadanía"),
        max_length=ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Se publica en la plataforma en nombre de la entidad, en primera persona del plural."
        ),
        error_messages={
            "required": _("Escriba la respuesta."),
            "max_length": _("La respuesta es demasiado larga (máximo %(limit_value)d caracteres)."),
        },
    )


class CannedChoiceForm(forms.Form):
    respuesta_aprobada = forms.ChoiceField(
        label=_("Respuestas aprobadas de la entidad"),
        required=False,
        help_text=_("Al elegir una, su texto se copia en la respuesta para que lo adapte."),
        error_messages={"invalid_choice": _("Esa respuesta aprobada no está disponible.")},
    )

    def __init__(self, *args: Any, answers: Sequence[CannedAnswer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["respuesta_aprobada"]
        field.choices = _blank([(str(a.pk), a.title) for a in answers], _("Elija una respuesta"))


class NoteForm(forms.Form):
    nota = forms.CharField(
        label=_("Nota interna"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Solo la ve el personal de la entidad; no se publica."),
        error_messages={
            "required": _("Escriba la nota."),
            "max_length": _("La nota es demasiado larga (máximo %(limit_value)d caracteres)."),
        },
    )


class AssignForm(forms.Form):
    asignada_a = forms.ChoiceField(
        label=_("Asignar a"),
        required=False,
        error_messages={"invalid_choice": _("Esa persona no trabaja para esta entidad.")},
    )

    def __init__(self, *args: Any, staff: Sequence[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = {str(u.pk): u for u in staff}
        field: Any = self.fields["asignada_a"]
        field.choices = _blank([(pk, _person(u)) for pk, u in self.staff.items()], _("Nadie"))

    def assignee(self) -> User | None:
        return self.staff.get(self.cleaned_data.get("asignada_a") or "")


class StatusForm(forms.Form):
    estado = forms.ChoiceField(
        label=_("Estado"),
        choices=Status.choices,
        error_messages={"invalid_choice": _("Estado desconocido.")},
    )


class PriorityForm(forms.Form):
    prioridad = forms.ChoiceField(
        label=_("Prioridad"),
        choices=[("auto", _("Automática (según las reglas)")), *Priority.choices],
        help_text=_("Una prioridad elegida a mano se mantiene hasta que vuelva a «Automática»."),
        error_messages={"invalid_choice": _("Prioridad desconocida.")},
    )


class LabelsForm(forms.Form):
    etiquetas = forms.MultipleChoiceField(
        label=_("Etiquetas"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("La etiqueta «%(value)s» no existe.")},
    )
    nuevas_etiquetas = forms.CharField(
        label=_("Etiquetas nuevas"),
        required=False,
        max_length=500,
        help_text=_("Separadas por comas, por ejemplo: vacunas, citas."),
    )

    def __init__(self, *args: Any, labels: Sequence[Label], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["etiquetas"]
        field.choices = [(label.name, label.name) for label in labels]

    def clean_nuevas_etiquetas(self) -> list[str]:
        names = [n.strip() for n in str(self.cleaned_data.get("nuevas_etiquetas", "")).split(",")]
        names = [n for n in names if n]
        if any(len(n) > 60 for n in names):
            raise forms.ValidationError(_("Cada etiqueta puede tener hasta 60 caracteres."))
        return names

    def names(self) -> list[str]:
        return [*self.cleaned_data.get("etiquetas", []), *self.cleaned_data["nuevas_etiquetas"]]


class IdListField(forms.Field):
    """Several ids from checkboxes with the same name (positive integers only)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("La selección no es válida.")}

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        try:
            ids = [int(v) for v in value]
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if any(pk <= 0 or pk > MAX_ID for pk in ids):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return ids


class NotificationReadForm(forms.Form):
    """Mark as read: one (its own button), the selected ones, or all."""

    notificacion = IdField(required=False, widget=forms.HiddenInput)
    todas = forms.BooleanField(required=False, widget=forms.HiddenInput)
    seleccion = IdListField(required=False)

    def ids(self) -> list[int] | None:
        """The ids to mark (None: all of them); empty when nothing was chosen."""
        if self.cleaned_data["todas"]:
            return None
        if self.cleaned_data["notificacion"]:
            return [self.cleaned_data["notificacion"]]
        return list(self.cleaned_data["seleccion"])
