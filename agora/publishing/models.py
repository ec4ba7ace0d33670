"""Publishing with a plan (seed 003, guidelines 2, 6, 11, 13–19, 26; PE0065's review).

- ``PublishingSettings``: per entity, who may approve, the authority's names and the share of
  posts that may name them (guideline 6), and whether answers to citizens need approval too.
- ``ContentPlan`` with its ``PlanTheme``s: a period, objectives, networks; every post belongs
  to a plan (guideline 2: nothing is improvised).
- ``PlannedPost``: one publication on one or more accounts, a ``PostVariant`` per account with
  the text for that network; its status moves borrador → en revisión → aprobado → programado
  → publicado, or rechazado (back to borrador when edited); the author never approves their
  own post (four eyes, guideline 13). It may cite a commitment, milestone or evidence
  (accountability: what it announces can be verified).
- ``GuidelineFinding``: what the guideline check found in a post, each with the guideline's
  number; findings never block, they are shown to the author and the approver.
- ``CrisisManual`` (steps, contacts, holding statements) and ``Crisis``: opened by a manager or
  by the inbox's spike banner, it pauses scheduled posts; ``CrisisStepDone`` says who did what.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agora.core.models import CreatedAt, DemoMarked
from agora.directory.models import Entity, SocialAccount

# Characters each network takes in a post (X: 280; Facebook: 63,206; Instagram caption: 2,200;
# YouTube community post / description: 5,000).
TEXT_LIMITS = {
    "facebook": 63_206,
    "instagram": 2_200,
    "x": 280,
    "youtube": 5_000,
}


class PublishingSettings(models.Model):
    entity = models.OneToOneField(
        Entity,
        verbose_name=_("entidad"),
        on_delete=models.CASCADE,
        related_name="publishing_settings",
    )
    approvers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("aprobadores designados"),
        blank=True,
        related_name="+",
        help_text=_("Además del responsable de comunicaciones."),
    )
    authority_names = models.TextField(
        _("nombres de la autoridad"),
        blank=True,
        help_text=_("Uno por línea: cómo se nombra a la máxima autoridad (lineamiento 6)."),
    )
    self_promotion_max_percent = models.PositiveSmallIntegerField(
        _("porcentaje máximo de publicaciones que nombran a la autoridad"), default=20
    )
    reply_approval = models.BooleanField(
        _("las respuestas a la ciudadanía también se aprueban"), default=False
    )
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        verbose_name = _("configuración de publicación")
        verbose_name_plural = _("configuraciones de publicación")

    def __str__(self) -> str:
        return str(self.entity)


class ContentPlan(DemoMarked, CreatedAt):
    entity = models.ForeignKey(
        Entity, verbose_name=_("entidad"), on_delete=models.CASCADE, related_name="content_plans"
    )
    title = models.CharField(_("título"), max_length=200)
    period_start = models.DateField(_("inicio"))
    period_end = models.DateField(_("término"))
    objectives = models.TextField(_("objetivos"), blank=True)
    accounts = models.ManyToManyField(
        SocialAccount, verbose_name=_("redes"), blank=True, related_name="content_plans"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("creado por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        verbose_name = _("plan de contenidos")
        verbose_name_plural = _("planes de contenidos")
        ordering = ["-period_start", "pk"]
        indexes = [models.Index(fields=["entity", "period_start"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="publishing_plan_period",
            )
        ]

    def __str__(self) -> str:
        return self.title


class PlanTheme(models.Model):
    plan = models.ForeignKey(
        ContentPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="themes"
    )
    name = models.CharField(_("tema"), max_length=120)
    objective = models.TextField(_("objetivo"), blank=True)

    class Meta:
        verbose_name = _("tema del plan")
        verbose_name_plural = _("temas del plan")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="publishing_theme_name")
        ]

    def __str__(self) -> str:
        return self.name


class PostStatus(models.TextChoices):
    BORRADOR = "borrador", _("Borrador")
    EN_REVISION = "en_revision", _("En revisión")
    APROBADO = "aprobado", _("Aprobado")
    PROGRAMADO = "programado", _("Programado")
    PUBLICADO = "publicado", _("Publicado")
    RECHAZADO = "rechazado", _("Rechazado")


class PlannedPost(DemoMarked, CreatedAt):
    plan = models.ForeignKey(
        ContentPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="posts"
    )
    entity = models.ForeignKey(
        Entity, verbose_name=_("entidad"), on_delete=models.CASCADE, related_name="planned_posts"
    )
    theme = models.ForeignKey(
        PlanTheme,
        verbose_name=_("tema"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts",
    )
    title = models.CharField(_("título interno"), max_length=200)
    scheduled_at = models.DateTimeField(_("fecha y hora de publicación"))
    status = models.CharField(
        _("estado"), max_length=12, choices=PostStatus.choices, default=PostStatus.BORRADOR
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("autor"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("enviado a revisión"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("aprobado o rechazado por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("aprobado o rechazado el"), null=True, blank=True)
    rejection_reason = models.TextField(_("motivo del rechazo"), blank=True)
    # Media: one image or video, in the storage of uploads (object storage in production).
    media = models.FileField(_("imagen o video"), upload_to="publicaciones/%Y/%m/", blank=True)
    media_alt = models.CharField(_("descripción de la imagen"), max_length=500, blank=True)
    own_infographic = models.BooleanField(
        _("infografía propia de la institución"),
        default=False,
        help_text=_("Debe llevar la nota de licencia libre (lineamiento 18)."),
    )
    # Accountability: what the post announces, verifiable in Ágora.
    commitment = models.ForeignKey(
        "commitments.Commitment",
        verbose_name=_("compromiso citado"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="planned_posts",
    )
    milestone = models.ForeignKey(
        "commitments.Milestone",
        verbose_name=_("hito citado"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="planned_posts",
    )
    evidence = models.ForeignKey(
        "commitments.Evidence",
        verbose_name=_("evidencia citada"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="planned_posts",
    )
    # Set while a crisis pauses it (the post keeps its status; publishing skips it).
    paused_at = models.DateTimeField(_("pausada el"), null=True, blank=True)
    checked_at = models.DateTimeField(_("lineamientos revisados el"), null=True, blank=True)
    published_at = models.DateTimeField(_("publicada el"), null=True, blank=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        verbose_name = _("publicación planificada")
        verbose_name_plural = _("publicaciones planificadas")
        ordering = ["scheduled_at", "pk"]
        indexes = [
            models.Index(fields=["entity", "scheduled_at"], name="publishing_post_calendar"),
            models.Index(fields=["status", "scheduled_at"], name="publishing_post_due"),
        ]

    def __str__(self) -> str:
        return self.title


class VariantStatus(models.TextChoices):
    PENDIENTE = "pendiente", _("Pendiente")
    PUBLICANDO = "publicando", _("Publicando")
    PUBLICADA = "publicada", _("Publicada")
    FALLIDA = "fallida", _("Fallida")


class PostVariant(models.Model):
    """The post's text on one account, and what publishing it there gave."""

    post = models.ForeignKey(
        PlannedPost,
        verbose_name=_("publicación"),
        on_delete=models.CASCADE,
        related_name="variants",
    )
    account = models.ForeignKey(
        SocialAccount, verbose_name=_("cuenta"), on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(_("texto"))
    publish_status = models.CharField(
        _("publicación en la red"),
        max_length=12,
        choices=VariantStatus.choices,
        default=VariantStatus.PENDIENTE,
    )
    attempts = models.PositiveSmallIntegerField(_("intentos"), default=0)
    # When the next step is due: a retry after a refusal, the end of the lease of the worker
    # calling the platform ("publicando"), or the look on the platform after an unknown
    # outcome (agora/publishing/publishing.py).
    due_at = models.DateTimeField(_("próximo paso el"), null=True, blank=True)
    last_error = models.TextField(_("último error"), blank=True)
    platform_post_id = models.CharField(_("id en la red"), max_length=255, blank=True)
    published_at = models.DateTimeField(_("publicada el"), null=True, blank=True)
    # The inbox's row for the published post: citizens' comments on it are its conversations.
    inbox_post = models.ForeignKey(
        "inbox.Post",
        verbose_name=_("publicación en la bandeja"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("texto por red")
        verbose_name_plural = _("textos por red")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["post", "account"], name="publishing_variant_account")
        ]

    def __str__(self) -> str:
        return f"{self.post} · {self.account}"


class GuidelineFinding(models.Model):
    """One thing the guideline check found in a post (never a block)."""

    post = models.ForeignKey(
        PlannedPost,
        verbose_name=_("publicación"),
        on_delete=models.CASCADE,
        related_name="findings",
    )
    entity = models.ForeignKey(
        Entity, verbose_name=_("entidad"), on_delete=models.CASCADE, related_name="+"
    )
    guideline = models.PositiveSmallIntegerField(_("lineamiento"))
    rule = models.SlugField(_("revisión"), max_length=40)
    account = models.ForeignKey(
        SocialAccount,
        verbose_name=_("cuenta"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    detail = models.TextField(_("explicación"))
    evidence = models.CharField(_("texto señalado"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("encontrado"), auto_now_add=True)

    class Meta:
        verbose_name = _("observación de lineamientos")
        verbose_name_plural = _("observaciones de lineamientos")
        ordering = ["guideline", "pk"]
        indexes = [models.Index(fields=["entity", "rule"], name="publishing_finding_entity")]

    def __str__(self) -> str:
        return f"{self.guideline} · {self.rule}"


class CrisisManual(DemoMarked):
    entity = models.OneToOneField(
        Entity, verbose_name=_("entidad"), on_delete=models.CASCADE, related_name="crisis_manual"
    )
    introduction = models.TextField(_("cuándo se usa"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actualizado por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        verbose_name = _("manual de crisis")
        verbose_name_plural = _("manuales de crisis")

    def __str__(self) -> str:
        return str(self.entity)


class CrisisStep(models.Model):
    manual = models.ForeignKey(
        CrisisManual, verbose_name=_("manual"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("orden"))
    text = models.TextField(_("paso"))
    responsible = models.CharField(_("responsable"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("paso del manual de crisis")
        verbose_name_plural = _("pasos del manual de crisis")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class CrisisContact(models.Model):
    manual = models.ForeignKey(
        CrisisManual, verbose_name=_("manual"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("nombre"), max_length=120)
    role = models.CharField(_("cargo"), max_length=120, blank=True)
    phone = models.CharField(_("teléfono"), max_length=40, blank=True)
    email = models.EmailField(_("correo"), blank=True)

    class Meta:
        verbose_name = _("contacto de crisis")
        verbose_name_plural = _("contactos de crisis")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class HoldingStatement(models.Model):
    """A statement approved in advance, to publish while the facts are confirmed."""

    manual = models.ForeignKey(
        CrisisManual,
        verbose_name=_("manual"),
        on_delete=models.CASCADE,
        related_name="statements",
    )
    title = models.CharField(_("situación"), max_length=160)
    text = models.TextField(_("texto"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("aprobado por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("aprobado el"), null=True, blank=True)

    class Meta:
        verbose_name = _("declaración preaprobada")
        verbose_name_plural = _("declaraciones preaprobadas")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


class CrisisTrigger(models.TextChoices):
    DECLARADA = "declarada", _("Declarada por el responsable")
    PICO = "pico", _("Pico de mensajes en la bandeja")


class Crisis(DemoMarked):
    entity = models.ForeignKey(
        Entity, verbose_name=_("entidad"), on_delete=models.CASCADE, related_name="crises"
    )
    trigger = models.CharField(_("origen"), max_length=10, choices=CrisisTrigger.choices)
    summary = models.TextField(_("qué pasa"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("abierta por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("abierta el"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cerrada por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("cerrada el"), null=True, blank=True)

    class Meta:
        verbose_name = _("crisis")
        verbose_name_plural = _("crisis")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            # At most one open crisis per entity.
            models.UniqueConstraint(
                fields=["entity"],
                condition=models.Q(closed_at__isnull=True),
                name="publishing_one_open_crisis",
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity} · {self.opened_at:%Y-%m-%d}"


class CrisisStepDone(models.Model):
    crisis = models.ForeignKey(
        Crisis, verbose_name=_("crisis"), on_delete=models.CASCADE, related_name="steps_done"
    )
    step = models.ForeignKey(
        CrisisStep, verbose_name=_("paso"), on_delete=models.CASCADE, related_name="+"
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hecho por"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    done_at = models.DateTimeField(_("hecho el"))
    note = models.TextField(_("nota"), blank=True)

    class Meta:
        verbose_name = _("paso hecho")
        verbose_name_plural = _("pasos hechos")
        ordering = ["done_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["crisis", "step"], name="publishing_step_done_once")
        ]

    def __str__(self) -> str:
        return f"{self.crisis} · {self.step}"
