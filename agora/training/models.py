"""Communicator training (PE0065, milestone 2: "capacitar a los responsables de las cuentas").

A ``TrainingSession`` (a workshop: date, in person or online, topics, trainer) with its
``TrainingMaterial``s and ``Attendance``s: who attended, from which entity, in which role. An
entity counts as covered when someone who runs its accounts (its communications manager or a
communicator) attended; the public page shows the share of entities covered by level of
government, and since when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agora.core.models import DemoMarked
from agora.directory.models import Entity


class Mode(models.TextChoices):
    PRESENCIAL = "presencial", _("Presencial")
    VIRTUAL = "virtual", _("Virtual")


class AttendeeRole(models.TextChoices):
    GESTOR = "gestor", _("Responsable de comunicaciones")
    COMUNICADOR = "comunicador", _("Comunicador o administrador de cuentas")
    OTRO = "otro", _("Otro cargo")


class TrainingSession(DemoMarked):
    title = models.CharField(_("título"), max_length=200)
    date = models.DateField(_("fecha"))
    mode = models.CharField(_("modalidad"), max_length=10, choices=Mode.choices)
    place = models.CharField(_("lugar o enlace"), max_length=255, blank=True)
    topics = models.TextField(_("temas"), help_text=_("Uno por línea."))
    trainer = models.CharField(_("capacitador"), max_length=200)
    hours = models.DecimalField(_("horas"), max_digits=4, decimal_places=1, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrado por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registrado"), auto_now_add=True)

    class Meta:
        verbose_name = _("taller de capacitación")
        verbose_name_plural = _("talleres de capacitación")
        ordering = ["-date", "pk"]

    def __str__(self) -> str:
        return self.title


class TrainingMaterial(models.Model):
    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("taller"),
        on_delete=models.CASCADE,
        related_name="materials",
    )
    title = models.CharField(_("título"), max_length=200)
    url = models.URLField(_("enlace"), max_length=500, blank=True)
    file = models.FileField(_("archivo"), upload_to="capacitacion/%Y/", blank=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materiales")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("taller"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    entity = models.ForeignKey(
        Entity, verbose_name=_("entidad"), on_delete=models.CASCADE, related_name="trainings"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cuenta en Ágora"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("nombre"), max_length=200)
    role = models.CharField(_("rol"), max_length=12, choices=AttendeeRole.choices)
    completed = models.BooleanField(_("completó el taller"), default=True)

    class Meta:
        verbose_name = _("asistencia")
        verbose_name_plural = _("asistencias")
        ordering = ["pk"]
        indexes = [models.Index(fields=["entity", "role"], name="training_attendance_entity")]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "entity", "name"], name="training_attendance_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.entity}"
