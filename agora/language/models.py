"""Staff corrections of the classifier (each one trains the next model) and the trained model
versions with their evaluation figures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agora.directory.models import Entity
from agora.inbox.models import Message
from agora.language.taxonomy import Kind


class Correction(models.Model):
    """A staff member's kind and flags for a message, replacing the model's."""

    message = models.ForeignKey(
        Message, verbose_name=_("mensaje"), on_delete=models.CASCADE, related_name="corrections"
    )
    entity = models.ForeignKey(
        Entity, verbose_name=_("entidad"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("tipo corregido"), max_length=20, choices=Kind.choices)
    flags = models.JSONField(_("alertas corregidas"), default=list, blank=True)
    previous_kind = models.CharField(_("tipo anterior"), max_length=20, blank=True)
    previous_flags = models.JSONField(_("alertas anteriores"), default=list, blank=True)
    previous_model_version = models.CharField(
        _("versión del modelo anterior"), max_length=40, blank=True
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("corregido por"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("corregido el"), auto_now_add=True)

    class Meta:
        verbose_name = _("corrección de clasificación")
        verbose_name_plural = _("correcciones de clasificación")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["entity", "at"], name="language_correction_entity")]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.previous_kind or '-'} → {self.kind}"


class ModelVersion(models.Model):
    """A trained classifier; exactly one is current."""

    version = models.CharField(_("versión"), max_length=40, unique=True)
    trained_at = models.DateTimeField(_("entrenado el"))
    corpus_size = models.PositiveIntegerField(_("mensajes del corpus usados"), default=0)
    corrections_used = models.PositiveIntegerField(_("correcciones usadas"), default=0)
    metrics = models.JSONField(_("métricas"), default=dict, blank=True)
    is_current = models.BooleanField(_("vigente"), default=False)

    class Meta:
        verbose_name = _("versión del modelo")
        verbose_name_plural = _("versiones del modelo")
        ordering = ["-trained_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="language_one_current_model",
            )
        ]

    def __str__(self) -> str:
        return self.version
