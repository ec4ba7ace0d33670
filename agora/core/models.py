"""Shared foundations: the base fields every app repeats (demo marking, creation time), the
staff user with its platform-wide role, and the audit log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DemoMarked(models.Model):
    """Rows the demo loaders create (``load_*_demo`` commands, ``*/demo.py``) carry
    ``is_demo=True``: they can be told apart from real data (the «demo» tag on screen, the
    loaders' "already loaded?" checks)."""

    is_demo = models.BooleanField(_("dato de demostración"), default=False)

    class Meta:
        abstract = True


class CreatedAt(models.Model):
    """When the row was created, set once on insert. Labelled «creado»: for a model whose noun
    is feminine use :class:`CreatedAtFeminine`. A model whose creation time is set by hand
    (imports, back-dated rows), indexed, or labelled otherwise declares its own field."""

    created_at = models.DateTimeField(_("creado"), auto_now_add=True)

    class Meta:
        abstract = True


class CreatedAtFeminine(models.Model):
    """:class:`CreatedAt` for a model whose noun is feminine (conversación, propuesta…):
    the same field, labelled «creada»."""

    created_at = models.DateTimeField(_("creada"), auto_now_add=True)

    class Meta:
        abstract = True


class User(DemoMarked, AbstractUser):  # noqa: DJ008 (AbstractUser.__str__ is the username)
    """A person who signs in. Entity roles live in ``directory.Membership``."""

    is_rector = models.BooleanField(
        _("personal del ente rector"),
        default=False,
        help_text=_("Personal de la Secretaría de Gobierno Digital o de Gestión Pública."),
    )

    class Meta:
        verbose_name = _("usuario")
        verbose_name_plural = _("usuarios")


class AuditEvent(models.Model):
    """One change, who made it and when, with the state before and after."""

    created_at = models.DateTimeField(_("fecha"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor (texto)"), max_length=150, blank=True)
    verb = models.CharField(_("acción"), max_length=80, db_index=True)
    object_type = models.CharField(_("tipo de objeto"), max_length=80)
    object_id = models.CharField(_("id del objeto"), max_length=64)
    object_repr = models.CharField(_("objeto"), max_length=300, blank=True)
    scope = models.CharField(
        _("ámbito"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Código de la entidad afectada, si corresponde."),
    )
    before = models.JSONField(_("antes"), null=True, blank=True)
    after = models.JSONField(_("después"), null=True, blank=True)
    reason = models.TextField(_("motivo"), blank=True)

    class Meta:
        verbose_name = _("evento de auditoría")
        verbose_name_plural = _("eventos de auditoría")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.verb} {self.object_repr}"


class NotificationKey(models.Model):
    """That a person was already told of one event (``notify(dedupe_key=…)``): claimed by a
    unique insert, so that concurrent deliveries of the same event notify and e-mail once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("aviso ya dado")
        verbose_name_plural = _("avisos ya dados")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="core_notification_key_unique")
        ]

    def __str__(self) -> str:
        return self.key


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app notice for one person (deadline breaches, threats, password changes...)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("persona"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    created_at = models.DateTimeField(_("fecha"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("tipo"), max_length=40)
    text = models.TextField(_("texto"))
    url = models.CharField(_("enlace"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("leída el"), null=True, blank=True)
    dedupe_key = models.CharField(max_length=120, blank=True, db_index=True)
    # Repeats of the same notice (same kind, same conversation or object) update one row:
    # how many there were and when the latest came (agora/core/notifications.py notify()).
    group_key = models.CharField(_("grupo"), max_length=400, blank=True)
    count = models.PositiveIntegerField(_("veces"), default=1)
    last_at = models.DateTimeField(_("última vez"), default=timezone.now)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notificación")
        verbose_name_plural = _("notificaciones")
        ordering = ["-last_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-last_at", "-id"], name="core_notif_user_last"),
            models.Index(fields=["user", "group_key"], name="core_notif_user_group"),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class OutboxTask(models.Model):
    """Work to do after a commit, written in the same transaction as the data it is about
    (``agora.core.outbox.enqueue_on_commit``): if the process dies right after the commit, or
    the queue loses the task, the row is still here and the sweeper hands it out again. A row
    is deleted only when its task has finished; a task that keeps failing stays, marked, and
    shows on the rector's dashboard."""

    func = models.CharField(_("tarea"), max_length=120)
    args = models.JSONField(_("argumentos"), default=list)
    created_at = models.DateTimeField(_("creada el"), default=timezone.now)
    available_at = models.DateTimeField(_("disponible desde"), default=timezone.now)
    # Leased to a worker until this moment: another delivery of the same row waits for it.
    leased_until = models.DateTimeField(_("tomada hasta"), null=True, blank=True)
    lease = models.CharField(_("toma"), max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(_("intentos"), default=0)
    failed = models.BooleanField(_("fallida"), default=False)
    last_error = models.TextField(_("último error"), blank=True)

    class Meta:
        verbose_name = _("tarea por hacer tras guardar")
        verbose_name_plural = _("tareas por hacer tras guardar")
        indexes = [
            models.Index(fields=["failed", "available_at"], name="core_outbox_due"),
        ]

    def __str__(self) -> str:
        return f"{self.func} #{self.pk}"
