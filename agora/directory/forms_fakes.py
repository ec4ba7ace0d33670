"""Forms of fake-account reports: the public report and the rector's decision."""

from __future__ import annotations

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 2000


class FakeReportForm(forms.Form):
    cuenta = forms.CharField(
        label=_("Dirección (URL) o nombre de usuario de la cuenta falsa"),
        max_length=500,
        error_messages={
            "required": _("Pegue la dirección de la cuenta que quiere reportar."),
            "max_length": _("La dirección es demasiado larga (máximo %(limit_value)d caracteres)."),
        },
    )
    entidad = forms.CharField(
        label=_("Entidad que suplanta (opcional)"),
        max_length=200,
        required=False,
        help_text=_("Nombre o siglas, por ejemplo: Ministerio de Salud o MINSA."),
    )
    evidencia = forms.URLField(
        label=_("Enlace de evidencia (opcional)"),
        max_length=500,
        required=False,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_(
            "Una publicación de la cuenta falsa o una captura subida a la web, por ejemplo."
        ),
        error_messages={
            "invalid": _("Escriba un enlace completo, que empiece con https://."),
            "max_length": _("El enlace es demasiado largo (máximo %(limit_value)d caracteres)."),
        },
    )
    descripcion = forms.CharField(
        label=_("¿Qué hace la cuenta? ¿Por qué cree que es falsa?"),
        min_length=DESCRIPTION_MIN,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Solo lo ve el equipo que revisa los reportes."),
        error_messages={
            "required": _("Cuéntenos brevemente por qué cree que la cuenta es falsa."),
            "min_length": _("Escriba al menos %(limit_value)d caracteres."),
            "max_length": _("Escriba como máximo %(limit_value)d caracteres."),
        },
    )
    correo = forms.EmailField(
        label=_("Su correo electrónico (opcional)"),
        max_length=254,
        required=False,
        help_text=_(
            "Solo si quiere que le escribamos si necesitamos más datos. No se publica; puede "
            "reportar sin dar su nombre ni su correo."
        ),
        error_messages={"invalid": _("Escriba un correo válido, como nombre@ejemplo.pe.")},
    )
    # A field people never see (hidden by the stylesheet, out of the tab order): robots that
    # fill every field give themselves away.
    sitio_web = forms.CharField(label=_("No llene este campo"), required=False, max_length=200)

    def clean_sitio_web(self) -> str:
        value: str = self.cleaned_data.get("sitio_web", "")
        if value:
            raise forms.ValidationError(_("No se pudo enviar el reporte."))
        return value


class FakeReportDecisionForm(forms.Form):
    DECISIONS = [
        ("confirmar", _("Confirmar: es falsa")),
        ("descartar", _("Descartar el reporte")),
        ("en_revision", _("Marcar en revisión")),
    ]
    report = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("Decisión"), choices=DECISIONS)
    reason = forms.CharField(
        label=_("Motivo público"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    entity = forms.CharField(label=_("Entidad suplantada"), max_length=200, required=False)
    profile_url = forms.CharField(
        label=_("Dirección del perfil (si el reporte trae un enlace para compartir)"),
        max_length=500,
        required=False,
    )
