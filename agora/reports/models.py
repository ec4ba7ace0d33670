"""What the reports app stores: per-conversation response facts and per-day rollups that
ingestion keeps current (the public scoreboard reads only these), and report runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agora.directory.models import Entity
from agora.inbox.models import Conversation


class ConversationFact(models.Model):
    """One conversation's first-response figures, computed with ``agora.inbox.deadlines``
    when it changes, so that days can be re-aggregated without the calendar arithmetic."""

    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    # Day (America/Lima) of the first citizen message.
    day = models.DateField()
    answered = models.BooleanField(default=False)
    first_response_work = models.PositiveIntegerField(null=True)
    first_response_calendar = models.PositiveIntegerField(null=True)
    within = models.BooleanField(null=True)
    first_due_at = models.DateTimeField(null=True)
    # Unanswered and past its deadline when last counted: the rollup's "decided" includes it.
    overdue = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("dato de respuesta de una conversación")
        verbose_name_plural = _("datos de respuesta de conversaciones")
        indexes = [
            models.Index(fields=["entity", "day"], name="reports_fact_entity_day"),
            # The hourly job: unanswered conversations not yet counted as overdue.
            models.Index(
                fields=["first_due_at"],
                condition=Q(answered=False, overdue=False),
                name="reports_fact_pending_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.day}"


class DailyRollup(models.Model):
    """One entity's day: what the public scoreboard adds up over a period."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("día"))
    received = models.PositiveIntegerField(_("mensajes recibidos"), default=0)
    conversations = models.PositiveIntegerField(_("conversaciones"), default=0)
    answered = models.PositiveIntegerField(_("respondidas"), default=0)
    # Answered, or unanswered past the first-response deadline: where "within" is decided.
    decided = models.PositiveIntegerField(_("con plazo decidido"), default=0)
    within = models.PositiveIntegerField(_("dentro del plazo"), default=0)
    # First-response working seconds of the answered conversations, as {bucket: count}
    # (see agora.reports.rollups.BUCKET_EDGES): medians over any period without the rows.
    first_response_histogram = models.JSONField(default=dict)
    # The same, added up over every day of the entity up to this one: a period's histogram is
    # last row's minus first row's plus the first day's, two rows per entity (scoreboard).
    cumulative_histogram = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("resumen diario")
        verbose_name_plural = _("resúmenes diarios")
        constraints = [
            models.UniqueConstraint(fields=["entity", "day"], name="reports_rollup_entity_day")
        ]
        indexes = [
            # Covering the scoreboard's sums over a period, and the latest change that its
            # memo of medians compares: read from the index alone.
            models.Index(
                fields=[
                    "day",
                    "entity",
                    "received",
                    "conversations",
                    "answered",
                    "decided",
                    "within",
                    "updated_at",
                ],
                name="reports_rollup_day_sums2",
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity_id} {self.day}"


class RunStatus(models.TextChoices):
    PENDIENTE = "pendiente", _("En cola")
    EN_CURSO = "en_curso", _("Generándose")
    LISTO = "listo", _("Listo")
    FALLIDO = "fallido", _("Falló")


class ReportRunQuerySet(models.QuerySet["ReportRun"]):
    def for_staff(self, user: object) -> ReportRunQuerySet:
        """Runs of the entities this person works for (all of them for rector staff)."""
        return self.filter(entity__in=Entity.objects.for_staff(user))  # type: ignore[arg-type]


class ReportRun(models.Model):
    """One entity report for a date range, generated in the background."""

    entity = models.ForeignKey(
        Entity, verbose_name=_("entidad"), on_delete=models.CASCADE, related_name="+"
    )
    start = models.DateField(_("desde"))
    end = models.DateField(_("hasta"))
    status = models.CharField(
        _("estado"), max_length=10, choices=RunStatus.choices, default=RunStatus.PENDIENTE
    )
    progress = models.PositiveSmallIntegerField(_("avance (%)"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pedido por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scheduled = models.BooleanField(_("programado"), default=False)
    data = models.JSONField(_("contenido"), null=True, blank=True)
    pdf = models.BinaryField(_("PDF"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("pedido el"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminado el"), null=True, blank=True)

    objects = ReportRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("informe")
        verbose_name_plural = _("informes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["entity", "-created_at"], name="reports_run_entity")]

    def __str__(self) -> str:
        return f"{self.entity_id} {self.start}–{self.end}"


class DeliveryStatus(models.TextChoices):
    PENDIENTE = "pendiente", _("Por enviar")
    ENVIANDO = "enviando", _("Enviándose")
    ENVIADO = "enviado", _("Enviado")
    SIN_DESTINATARIOS = "sin_destino", _("Sin gestores con correo")


class MonthlyReportDelivery(models.Model):
    """The monthly report of one entity for one period, mailed to its managers at most once:
    the unique row is claimed (``enviando``) and committed before the mail goes out, so a
    retried or repeated task finds it and sends nothing (agora/reports/monthly.py)."""

    entity = models.ForeignKey(
        Entity, verbose_name=_("entidad"), on_delete=models.CASCADE, related_name="+"
    )
    start = models.DateField(_("desde"))
    end = models.DateField(_("hasta"))
    run = models.ForeignKey(
        ReportRun,
        verbose_name=_("informe"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("estado"),
        max_length=12,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDIENTE,
    )
    # The addresses it was delivered to (personal data of officials: never public).
    recipients = models.JSONField(_("enviado a"), default=list, blank=True)
    created_at = models.DateTimeField(_("creado el"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("envío empezado el"), null=True, blank=True)
    sent_at = models.DateTimeField(_("enviado el"), null=True, blank=True)

    class Meta:
        verbose_name = _("envío del informe mensual")
        verbose_name_plural = _("envíos de los informes mensuales")
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "start", "end"], name="reports_monthly_delivery_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity_id} {self.start}–{self.end} {self.status}"
