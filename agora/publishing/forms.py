"""Forms of publishing with a plan: they parse input; the services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from agora.commitments.models import Commitment, Evidence, Milestone
from agora.core.files import upload_is
from agora.core.models import User
from agora.directory.models import Entity, Membership, Platform, SocialAccount
from agora.publishing import selectors
from agora.publishing.models import TEXT_LIMITS, ContentPlan, PlannedPost, PlanTheme
from agora.publishing.services import LIMA

MEDIA_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".mp4")
MEDIA_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"}
MEDIA_MAX_BYTES = 20 * 1024 * 1024


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class AccountCheckboxes(forms.CheckboxSelectMultiple):
    """Account checkboxes that say their network (``data-network``), for the editor's script
    to show only the text boxes of the chosen networks."""

    platforms: dict[int, str]

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        value = getattr(option["value"], "value", option["value"])
        platform = getattr(self, "platforms", {}).get(value)
        if platform:
            option["attrs"]["data-network"] = platform
        return option


class AccountChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class MilestoneChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.commitment.code} · {obj.order}. {obj.activity[:80]}"


class EvidenceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.update.commitment.code} · {obj.original_name}"


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Título"), max_length=200)
    period_start = forms.DateField(label=_("Inicio"), widget=DateInput())
    period_end = forms.DateField(label=_("Término"), widget=DateInput())
    objectives = forms.CharField(
        label=_("Objetivos"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    themes = forms.CharField(
        label=_("Temas"),
        required=False,
        help_text=_("Uno por línea."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    accounts = AccountChoiceField(
        label=_("Redes del plan"),
        queryset=SocialAccount.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Sin ninguna marcada, el plan usa todas las cuentas de la entidad."),
    )

    def __init__(self, *args: Any, entity: Entity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accounts"].queryset = selectors.entity_accounts(entity)  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(plan: ContentPlan) -> dict[str, Any]:
        return {
            "title": plan.title,
            "period_start": plan.period_start,
            "period_end": plan.period_end,
            "objectives": plan.objectives,
            "themes": "\n".join(plan.themes.values_list("name", flat=True)),
            "accounts": list(plan.accounts.all()),
        }


class PostForm(forms.Form):
    """The post editor: accounts, one text per network of the chosen accounts, media, what it
    cites, and the date and time in Lima."""

    title = forms.CharField(label=_("Título interno"), max_length=200)
    theme = forms.ModelChoiceField(
        label=_("Tema"), queryset=PlanTheme.objects.none(), required=False
    )
    accounts = AccountChoiceField(
        label=_("Cuentas"),
        queryset=SocialAccount.objects.none(),
        widget=AccountCheckboxes,
        error_messages={"required": _("Elija al menos una cuenta donde publicar.")},
    )
    date = forms.DateField(label=_("Fecha de publicación"), widget=DateInput())
    time = forms.TimeField(
        label=_("Hora (Lima)"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    media_file = forms.FileField(label=_("Imagen o video"), required=False)
    media_alt = forms.CharField(
        label=_("Descripción de la imagen o video"),
        max_length=500,
        required=False,
        help_text=_("Texto alternativo para quien no puede verla."),
    )
    own_infographic = forms.BooleanField(
        label=_("Es una infografía propia de la institución"),
        required=False,
        help_text=_("Debe llevar la nota de licencia libre (lineamiento 18)."),
    )
    commitment = forms.ModelChoiceField(
        label=_("Compromiso citado"), queryset=Commitment.objects.none(), required=False
    )
    milestone = MilestoneChoiceField(
        label=_("Hito citado"), queryset=Milestone.objects.none(), required=False
    )
    evidence = EvidenceChoiceField(
        label=_("Evidencia citada"), queryset=Evidence.objects.none(), required=False
    )

    def __init__(self, *args: Any, plan: ContentPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        accounts = selectors.plan_accounts(plan)
        self.fields["accounts"].queryset = SocialAccount.objects.filter(  # type: ignore[attr-defined]
            pk__in=[a.pk for a in accounts]
        )
        self.fields["accounts"].widget.platforms = {a.pk: a.platform for a in accounts}
        self.fields["theme"].queryset = plan.themes.all()  # type: ignore[attr-defined]
        self.fields["commitment"].queryset = selectors.commitments_for_entity(plan.entity)  # type: ignore[attr-defined]
        self.fields["milestone"].queryset = selectors.milestones_for_entity(plan.entity)  # type: ignore[attr-defined]
        self.fields["evidence"].queryset = selectors.evidence_for_entity(plan.entity)  # type: ignore[attr-defined]
        labels = dict(Platform.choices)
        self.networks: list[tuple[str, str, int]] = []
        for platform in sorted({a.platform for a in accounts}):
            limit = TEXT_LIMITS.get(platform)
            if limit is None:
                continue
            name = f"text_{platform}"
            self.fields[name] = forms.CharField(
                label=_("Texto para %(network)s") % {"network": labels[platform]},
                required=False,
                widget=forms.Textarea(
                    attrs={
                        "rows": 5,
                        "data-limit": str(limit),
                        "data-network": platform,
                        "class": "post-text",
                    }
                ),
                help_text=_("Hasta %(limit)s caracteres.")
                % {"limit": f"{limit:,}".replace(",", " ")},
            )
            self.networks.append((platform, name, limit))

    @staticmethod
    def initial_for(post: PlannedPost) -> dict[str, Any]:
        local = post.scheduled_at.astimezone(LIMA)
        initial: dict[str, Any] = {
            "title": post.title,
            "theme": post.theme_id,
            "accounts": [v.account_id for v in post.variants.all()],
            "date": local.date(),
            "time": local.time().replace(second=0, microsecond=0),
            "media_alt": post.media_alt,
            "own_infographic": post.own_infographic,
            "commitment": post.commitment_id,
            "milestone": post.milestone_id,
            "evidence": post.evidence_id,
        }
        for variant in post.variants.select_related("account"):
            initial.setdefault(f"text_{variant.account.platform}", variant.text)
        return initial

    def text_fields(self) -> list[forms.BoundField]:
        return [self[name] for _platform, name, _limit in self.networks]

    def clean_media_file(self) -> Any:
        media = self.cleaned_data.get("media_file")
        if media:
            if not media.name.lower().endswith(MEDIA_EXTENSIONS):
                raise ValidationError(
                    _("Suba una imagen (JPG, PNG, GIF, WebP) o un video MP4."), code="type"
                )
            if media.size > MEDIA_MAX_BYTES:
                raise ValidationError(_("El archivo supera los 20 MB."), code="size")
            if not upload_is(media, MEDIA_TYPES):
                raise ValidationError(
                    _(
                        "El archivo no es la imagen o el video que dice su nombre (se revisa "
                        "su contenido, no solo la extensión)."
                    ),
                    code="content",
                )
        return media

    def scheduled_at(self) -> dt.datetime:
        return dt.datetime.combine(
            self.cleaned_data["date"], self.cleaned_data["time"], tzinfo=LIMA
        )

    def texts(self) -> dict[SocialAccount, str]:
        return {
            account: self.cleaned_data.get(f"text_{account.platform}", "")
            for account in self.cleaned_data["accounts"]
        }


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Motivo del rechazo"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Escriba el motivo del rechazo.")},
    )


class SettingsForm(forms.Form):
    approvers = forms.ModelMultipleChoiceField(
        label=_("Aprobadores designados"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Además del responsable de comunicaciones."),
    )
    authority_names = forms.CharField(
        label=_("Nombres de la autoridad"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Uno por línea: cómo se nombra a la máxima autoridad (lineamiento 6)."),
    )
    self_promotion_max_percent = forms.IntegerField(
        label=_("Porcentaje máximo de publicaciones que nombran a la autoridad"),
        min_value=0,
        max_value=100,
    )
    reply_approval = forms.BooleanField(
        label=_("Las respuestas a la ciudadanía también se aprueban"), required=False
    )

    def __init__(self, *args: Any, entity: Entity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = Membership.objects.active().filter(entity=entity).values("user")
        self.fields["approvers"].queryset = User.objects.filter(pk__in=members).order_by(  # type: ignore[attr-defined]
            "username"
        )
