"""Staff corrections of the classifier (each one trains the next model) and the trained model
versions with their evaluation figures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agora.core.models import DemoMarked
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
    labels_used = models.PositiveIntegerField(_("etiquetas de la cola usadas"), default=0)
    metrics = models.JSONField(_("métricas"), default=dict, blank=True)
    is_current = models.BooleanField(_("vigente"), default=False)
    # The gate (agora/language/gate.py): None for versions trained before it existed.
    accepted = models.BooleanField(_("aprobado por la compuerta"), null=True, blank=True)
    forced = models.BooleanField(_("vigente por decisión del operador"), default=False)
    decision_reason = models.TextField(_("motivo de la decisión"), blank=True)

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


class LabelRound(models.IntegerChoices):
    PRIMERA = 1, _("Primera lectura")
    SEGUNDA = 2, _("Segunda lectura")


class QueueLabel(DemoMarked):
    """A staff member's reading of a citizen message in the labelling queue («Ayude a mejorar
    la lectura»). It never changes the message: it trains the next model or, for the messages
    of the fixed sample, tests it. Only a masked copy of the text is kept."""

    message = models.ForeignKey(
        Message, verbose_name=_("mensaje"), on_delete=models.CASCADE, related_name="+"
    )
    entity = models.ForeignKey(
        Entity, verbose_name=_("entidad"), on_delete=models.CASCADE, related_name="+"
    )
    round = models.PositiveSmallIntegerField(_("lectura"), choices=LabelRound.choices)
    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices)
    flags = models.JSONField(_("alertas"), default=list, blank=True)
    masked_text = models.TextField(_("texto con datos personales ocultos"))
    in_sample = models.BooleanField(_("en la muestra de prueba"), default=False)
    wants_second = models.BooleanField(_("pide segunda lectura"), default=False)
    model_version = models.CharField(_("versión del modelo que lo leyó"), max_length=40)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("etiquetado por"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("etiquetado el"), auto_now_add=True)

    class Meta:
        verbose_name = _("etiqueta de la cola")
        verbose_name_plural = _("etiquetas de la cola")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "round"], name="language_label_round"),
            models.UniqueConstraint(fields=["message", "by"], name="language_label_person"),
        ]
        indexes = [models.Index(fields=["entity", "at"], name="language_label_entity")]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.round}): {self.kind}"


class WatchList(models.Model):
    """Terms and phrases an entity (or, without one, the rector office for every entity) wants
    to be told about. ``queries`` holds one query per line (terms, "quoted phrases", AND, OR,
    NOT, parentheses); the list matches a message when any line does."""

    entity = models.ForeignKey(
        Entity,
        verbose_name=_("entidad"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="watch_lists",
        help_text=_("Vacío: lista global del ente rector, aplicada a todas las entidades."),
    )
    name = models.CharField(_("nombre"), max_length=120)
    description = models.TextField(_("descripción"), blank=True)
    queries = models.TextField(_("términos y consultas"))
    is_active = models.BooleanField(_("activa"), default=True)
    # Bumped by every change: compiled lists are cached per process keyed on it.
    revision = models.PositiveIntegerField(_("revisión"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("creada por"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("creada el"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizada el"), auto_now=True)

    class Meta:
        verbose_name = _("lista de vigilancia")
        verbose_name_plural = _("listas de vigilancia")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "name"], name="language_watchlist_entity_name"
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(entity__isnull=True),
                name="language_watchlist_global_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_global(self) -> bool:
        return self.entity_id is None


class WatchMatch(DemoMarked):
    """A citizen's message that matched a watch-list: one row per list and message, however
    often the message is replayed or edited."""

    watch_list = models.ForeignKey(
        WatchList, verbose_name=_("lista"), on_delete=models.CASCADE, related_name="matches"
    )
    message = models.ForeignKey(
        Message, verbose_name=_("mensaje"), on_delete=models.CASCADE, related_name="+"
    )
    entity = models.ForeignKey(
        Entity, verbose_name=_("entidad del mensaje"), on_delete=models.CASCADE, related_name="+"
    )
    terms = models.JSONField(_("términos encontrados"), default=list)
    matched_at = models.DateTimeField(_("encontrado el"))

    class Meta:
        verbose_name = _("coincidencia de vigilancia")
        verbose_name_plural = _("coincidencias de vigilancia")
        ordering = ["-matched_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["watch_list", "message"], name="language_watchmatch_unique"
            )
        ]
        indexes = [
            models.Index(fields=["watch_list", "matched_at"], name="language_watchmatch_list"),
            models.Index(fields=["entity", "matched_at"], name="language_watchmatch_entity"),
        ]

    def __str__(self) -> str:
        return f"{self.watch_list_id} ← {self.message_id}"


class ModelPayload(models.Model):
    """The serialised classifier of a version, in the database so that every machine reads the
    same model (agora/language/classifier/storage.py caches it per process by version). Apart from
    ``ModelVersion`` so that listing versions never reads megabytes."""

    version = models.OneToOneField(
        ModelVersion,
        verbose_name=_("versión"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="payload",
    )
    data = models.BinaryField(_("modelo serializado"))
    code_version = models.CharField(_("versión del código"), max_length=40)
    size = models.PositiveIntegerField(_("tamaño en bytes"))
    sha256 = models.CharField(_("huella SHA-256"), max_length=64)
    stored_at = models.DateTimeField(_("guardado el"), auto_now_add=True)

    class Meta:
        verbose_name = _("modelo serializado")
        verbose_name_plural = _("modelos serializados")

    def __str__(self) -> str:
        return str(self.version_id)
