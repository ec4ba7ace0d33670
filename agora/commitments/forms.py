"""Forms of the commitments pages: public filters and the staff forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agora.commitments.models import SMART_RUBRIC, CommitmentStatus, MilestoneStatus, SmartCriterion
from agora.commitments.selectors import CommitmentFilters

STATUS_CHOICES = [
    ("", _("Todos los estados")),
    *CommitmentStatus.choices,
    ("vencido", _("Con hitos vencidos")),
]


class CommitmentFilterForm(forms.Form):
    q = forms.CharField(label=_("Buscar"), required=False, max_length=120)
    plan = forms.TypedChoiceField(label=_("Plan"), required=False, coerce=int, empty_value=None)
    entidad = forms.ChoiceField(label=_("Entidad"), required=False)
    area = forms.ChoiceField(label=_("Área de política"), required=False)
    estado = forms.ChoiceField(label=_("Estado"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args: Any, choices: dict[str, list[tuple[str, str]]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = [("", _("Todos los planes")), *choices["plans"]]  # type: ignore[attr-defined]
        self.fields["entidad"].choices = [("", _("Todas las entidades")), *choices["entities"]]  # type: ignore[attr-defined]
        self.fields["area"].choices = [("", _("Todas las áreas")), *choices["areas"]]  # type: ignore[attr-defined]

    def filters(self) -> CommitmentFilters:
        """The valid criteria only: an invalid one is ignored (and reported on the page)."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return CommitmentFilters(
            plan=data.get("plan") or None,
            entity=data.get("entidad") or "",
            area=data.get("area") or "",
            status=data.get("estado") or "",
            q=(data.get("q") or "").strip(),
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class UpdateForm(forms.Form):
    text = forms.CharField(label=_("Avance"), widget=forms.Textarea(attrs={"rows": 5}))
    milestone = forms.TypedChoiceField(
        label=_("Hito"), required=False, coerce=int, empty_value=None
    )
    milestone_status = forms.ChoiceField(
        label=_("Nuevo estado del hito"),
        required=False,
        choices=[
            ("", _("Sin cambio")),
            *[c for c in MilestoneStatus.choices if c[0] != "sin_dato"],
        ],
    )
    evidence_links = forms.CharField(
        label=_("Enlaces de evidencia"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Uno por línea (https://…)."),
    )
    evidence_files = MultipleFileField(
        label=_("Archivos de evidencia"),
        required=False,
        help_text=_("PDF, imágenes o documentos de oficina; hasta 20 MB cada uno."),
    )

    def __init__(self, *args: Any, milestones: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].choices = [("", _("Ninguno en particular")), *milestones]  # type: ignore[attr-defined]


class MonthInput(forms.TextInput):
    input_type = "month"


class MilestoneForm(forms.Form):
    """A milestone as the staff page edits it; ``services.milestone_check`` has the rules.
    The status is offered to rector staff only (managers report it with evidence)."""

    activity = forms.CharField(
        label=_("Actividad"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    responsible = forms.CharField(label=_("Responsable"), required=False, max_length=255)
    start_month = forms.CharField(
        label=_("Mes de inicio"),
        max_length=7,
        widget=MonthInput(attrs={"placeholder": "AAAA-MM"}),
        help_text=_("AAAA-MM, por ejemplo 2016-03."),
    )
    end_month = forms.CharField(
        label=_("Mes de término"),
        max_length=7,
        widget=MonthInput(attrs={"placeholder": "AAAA-MM"}),
        help_text=_("AAAA-MM; no puede ser anterior al mes de inicio."),
    )
    weight = forms.IntegerField(
        label=_("Peso"),
        min_value=1,
        max_value=1000,
        initial=1,
        help_text=_("Cuánto cuenta este hito en el avance del compromiso."),
    )
    status = forms.ChoiceField(label=_("Estado"), choices=MilestoneStatus.choices)

    def __init__(self, *args: Any, with_status: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not with_status:
            del self.fields["status"]
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}_ayuda"


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("aprobar", _("Aprobar y publicar")), ("rechazar", _("Observar (rechazar)"))]
    )
    note = forms.CharField(
        label=_("Nota"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class SmartScoreForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for criterion in SmartCriterion:
            top = len(SMART_RUBRIC[criterion])
            self.fields[criterion.value] = forms.CharField(
                label=criterion.label,
                help_text=" ".join(str(item) for item in SMART_RUBRIC[criterion]),
                widget=forms.Select(choices=[(str(n), str(n)) for n in range(top + 1)]),
            )


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Título de la propuesta"), max_length=300)
    description = forms.CharField(
        label=_("Descripción"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    workshop = forms.TypedChoiceField(
        label=_("Taller de origen"), required=False, coerce=int, empty_value=None
    )
    entity = forms.CharField(
        label=_("Código de la entidad proponente"),
        required=False,
        max_length=32,
        help_text=_("Código del directorio (por ejemplo, minsa), si no viene de un taller."),
    )
    submitter_name = forms.CharField(
        label=_("Otra organización proponente"), required=False, max_length=200
    )

    def __init__(self, *args: Any, workshops: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["workshop"].choices = [("", _("Ninguno")), *workshops]  # type: ignore[attr-defined]
