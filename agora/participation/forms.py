"""Forms of the participation pages: they parse types; rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agora.core.fields import IdField
from agora.participation.models import (
    Agreement,
    AgreementStatus,
    AnswerOutcome,
    DecisionDirection,
    DecisionKind,
    Forum,
    ForumSession,
    ForumStatus,
    RepresentativeRole,
    StakeholderType,
    VoteStatus,
)
from agora.participation.services import MAX_COMMENT_CHARS


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Su comentario"),
        max_length=MAX_COMMENT_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    paragraph = forms.CharField(required=False, widget=forms.HiddenInput)


class AnswerForm(forms.Form):
    comment = IdField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("Respuesta"), choices=AnswerOutcome.choices)
    reason = forms.CharField(
        label=_("Fundamento"), widget=forms.Textarea(attrs={"rows": 2}), max_length=3000
    )


class ModerationForm(forms.Form):
    comment = IdField(widget=forms.HiddenInput)
    publish = forms.TypedChoiceField(
        label=_("Decisión"),
        choices=[("1", _("Publicar")), ("0", _("Mantener oculto"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label=_("Motivo"), max_length=1000)


class RegisterForm(forms.Form):
    email = forms.EmailField(label=_("Correo electrónico"))
    password = forms.CharField(label=_("Contraseña"), widget=forms.PasswordInput)
    password_confirm = forms.CharField(label=_("Repita la contraseña"), widget=forms.PasswordInput)
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)


class SubscriptionForm(forms.Form):
    email = forms.EmailField(label=_("Correo electrónico"))


class AdmissionForm(forms.Form):
    organisation_name = forms.CharField(label=_("Nombre de la organización"), max_length=200)
    stakeholder_type = forms.ChoiceField(label=_("Tipo de actor"), choices=StakeholderType.choices)
    vote = forms.ChoiceField(label=_("Participación solicitada"), choices=VoteStatus.choices)
    ruc = forms.CharField(label=_("RUC (opcional)"), max_length=11, required=False)
    website = forms.URLField(label=_("Sitio web (opcional)"), required=False, assume_scheme="https")
    motivation = forms.CharField(
        label=_("Motivación"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    document_title = forms.CharField(
        label=_("Título del documento"), max_length=200, required=False
    )
    document = forms.FileField(label=_("Documento (PDF, PNG o JPG, hasta 10 MB)"), required=False)

    def __init__(self, *args: Any, requirements: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.requirements = requirements
        for index, text in enumerate(requirements):
            self.fields[f"req_{index}"] = forms.BooleanField(label=text, required=False)

    def checklist(self) -> dict[str, bool]:
        return {
            text: bool(self.cleaned_data.get(f"req_{index}"))
            for index, text in enumerate(self.requirements)
        }


class DecisionForm(forms.Form):
    request = IdField(widget=forms.HiddenInput)
    admit = forms.TypedChoiceField(
        label=_("Decisión"),
        choices=[("1", _("Admitir")), ("0", _("Rechazar"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label=_("Motivo"), max_length=2000)
    applicant_as_titular = forms.BooleanField(
        label=_("Nombrar a quien envió la solicitud como representante titular"), required=False
    )


class RepresentativeForm(forms.Form):
    """Names a titular or alterno of a member organisation from an existing account."""

    membership = IdField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label=_("Rol"), choices=RepresentativeRole.choices)
    login = forms.CharField(label=_("Usuario o correo electrónico"), max_length=254)
    full_name = forms.CharField(
        label=_("Nombre y apellidos (se publican en la página del foro)"), max_length=200
    )
    position = forms.CharField(label=_("Cargo (opcional)"), max_length=200, required=False)


class RepresentativeEndForm(forms.Form):
    representative = IdField(widget=forms.HiddenInput)


class SeatForm(forms.Form):
    stakeholder_type = forms.ChoiceField(label=_("Tipo de actor"), choices=StakeholderType.choices)
    min_seats = forms.IntegerField(label=_("Mínimo"), min_value=0, max_value=50)
    max_seats = forms.IntegerField(label=_("Máximo"), min_value=0, max_value=50)


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Título"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Inicio"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Lugar o enlace"), max_length=300, required=False)
    agenda = forms.CharField(label=_("Agenda (Markdown)"), widget=forms.Textarea(attrs={"rows": 4}))
    is_public = forms.BooleanField(label=_("Sesión pública"), required=False, initial=True)
    convocation_days = forms.IntegerField(
        label=_("Días de anticipación de la convocatoria"), min_value=0, max_value=60, initial=7
    )


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _("Sesión %(n)s: %(title)s (%(date)s)") % {
            "n": obj.number,
            "title": obj.title,
            "date": timezone.localtime(obj.starts_at).strftime("%d/%m/%Y"),
        }


class AgreementForm(forms.Form):
    text = forms.CharField(label=_("Acuerdo"), widget=forms.Textarea(attrs={"rows": 3}))
    responsible_entity = forms.CharField(
        label=_("Entidad responsable: código en el directorio (opcional, p. ej. minam)"),
        max_length=32,
        required=False,
    )
    responsible = forms.CharField(
        label=_("Persona o unidad responsable (si no se indica la entidad)"),
        max_length=200,
        required=False,
    )
    due_date = forms.DateField(
        label=_("Fecha límite"), widget=forms.DateInput(attrs={"type": "date"})
    )
    session = SessionChoiceField(
        label=_("Sesión en que se adoptó (opcional)"),
        queryset=ForumSession.objects.none(),
        required=False,
        empty_label=_("Ninguna"),
    )
    decision_kind = forms.ChoiceField(
        label=_("Decisión de gobierno vinculada"), choices=DecisionKind.choices, required=False
    )
    decision_direction = forms.ChoiceField(
        label=_("Relación con la decisión"), choices=DecisionDirection.choices, required=False
    )
    decision_reference = forms.CharField(label=_("Referencia"), max_length=300, required=False)
    decision_url = forms.URLField(label=_("Enlace"), required=False, assume_scheme="https")

    def __init__(self, *args: Any, forum: Forum | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if forum is not None:
            self.fields["session"].queryset = forum.sessions.order_by("-starts_at")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision_kind") and not data.get("decision_direction"):
            self.add_error(
                "decision_direction",
                _("Indique si el acuerdo proviene de la decisión de gobierno o conduce a ella."),
            )
        return data


class AgreementEditForm(AgreementForm):
    """The agreement form filled with an existing agreement, for the secretariat's
    corrections; the responsible entity is given by its directory code."""

    def __init__(self, *args: Any, agreement: Agreement, **kwargs: Any) -> None:
        if (args[0] if args else kwargs.get("data")) is None:
            kwargs.setdefault(
                "initial",
                {
                    "text": agreement.text,
                    "responsible_entity": (
                        agreement.responsible_entity.code if agreement.responsible_entity else ""
                    ),
                    "responsible": agreement.responsible,
                    "due_date": agreement.due_date,
                    "session": agreement.session_id,
                    "decision_kind": agreement.decision_kind,
                    "decision_direction": agreement.decision_direction,
                    "decision_reference": agreement.decision_reference,
                    "decision_url": agreement.decision_url,
                },
            )
        super().__init__(*args, forum=agreement.forum, **kwargs)
        self.fields["session"].label = _("Sesión en que se adoptó")
        # A date input only accepts ISO dates as its value, whatever the locale's format.
        self.fields["due_date"].widget.format = "%Y-%m-%d"
        # Errors are announced next to each field (see agreement_edit.html).
        for name, field in self.fields.items():
            if self.is_bound and name in self.errors:
                field.widget.attrs["aria-invalid"] = "true"
                field.widget.attrs["aria-describedby"] = f"id_{name}_error"


class AgreementStatusForm(forms.Form):
    agreement = IdField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Estado"), choices=AgreementStatus.choices)
    fulfilled_on = forms.DateField(
        label=_("Cumplido el"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class MinutesForm(forms.Form):
    text = forms.CharField(label=_("Acta (Markdown)"), widget=forms.Textarea(attrs={"rows": 10}))


class ConsultationForm(forms.Form):
    title = forms.CharField(label=_("Título"), max_length=250)
    summary = forms.CharField(
        label=_("Resumen"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    opens_at = forms.DateTimeField(
        label=_("Apertura"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.DateTimeField(
        label=_("Cierre"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    source_md = forms.CharField(
        label=_(
            "Documento (Markdown: # títulos de sección, párrafos separados por una línea en blanco)"
        ),
        widget=forms.Textarea(attrs={"rows": 12}),
    )


class VersionForm(forms.Form):
    source_md = forms.CharField(
        label=_("Nueva versión (Markdown)"), widget=forms.Textarea(attrs={"rows": 12})
    )
    change_note = forms.CharField(
        label=_("Nota de cambios"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ForumEditForm(forms.Form):
    name = forms.CharField(label=_("Nombre"), max_length=200)
    status = forms.ChoiceField(label=_("Estado"), choices=ForumStatus.choices)
    purpose = forms.CharField(label=_("Finalidad"), widget=forms.Textarea(attrs={"rows": 3}))
    commitments_reference = forms.CharField(
        label=_("Compromisos vinculados"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    requirements = forms.CharField(
        label=_("Requisitos de admisión (uno por línea)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    term_months = forms.IntegerField(label=_("Mandato (meses)"), min_value=1, max_value=120)
    convocation_days = forms.IntegerField(
        label=_("Anticipación de la convocatoria (días)"), min_value=1, max_value=60
    )
    quorum_percent = forms.IntegerField(
        label=_("Quórum: más de este % de los miembros con voto (50 = mitad más uno)"),
        min_value=1,
        max_value=100,
        initial=50,
        required=False,  # left out: the forum keeps its rule
    )

    def clean_requirements(self) -> list[str]:
        text = self.cleaned_data.get("requirements") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]
