"""Credentials of each account (encrypted at rest), polling cursors, and the registry of who
holds admin access to each account on the platform (guidelines 1 and 24 of seed 003)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agora.core.crypto import EncryptedTextField
from agora.directory.models import SocialAccount
from agora.inbox.models import PLATFORM_ID_MAX


class CredentialKind(models.TextChoices):
    PAGE_TOKEN = "page_token", _("Token de página (Meta)")
    BEARER = "bearer", _("Token de acceso (X)")
    API_KEY = "api_key", _("Clave de API")
    OAUTH = "oauth", _("Token OAuth (YouTube)")


class AccountCredential(models.Model):
    """The secret Ágora uses to read and answer on one account. Never shown after saving."""

    account = models.OneToOneField(
        SocialAccount,
        verbose_name=_("cuenta"),
        on_delete=models.CASCADE,
        related_name="credential",
    )
    kind = models.CharField(_("tipo"), max_length=12, choices=CredentialKind.choices)
    secret = EncryptedTextField(_("secreto (cifrado)"))
    hint = models.CharField(_("últimos caracteres"), max_length=8, blank=True)
    # OAuth (YouTube): the refresh token that renews ``secret`` when it expires, encrypted too.
    refresh_token = EncryptedTextField(
        _("token de actualización (cifrado)"), blank=True, default=""
    )
    refresh_hint = models.CharField(
        _("últimos caracteres del token de actualización"), max_length=8, blank=True
    )
    expires_at = models.DateTimeField(_("el token vence el"), null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrado por"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    set_at = models.DateTimeField(_("registrado el"), auto_now=True)
    # The platform refused a send with this credential (invalid or revoked token): the reply
    # box warns until the credential is registered again (agora/connectors/selectors.py).
    refused_at = models.DateTimeField(_("rechazado por la plataforma el"), null=True, blank=True)
    refused_error = models.CharField(_("motivo del rechazo"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("credencial")
        verbose_name_plural = _("credenciales")

    def __str__(self) -> str:
        return f"{self.account} (…{self.hint})"


class PollCursor(models.Model):
    """Where polling of an account stopped, and until when the platform asked us to wait."""

    account = models.OneToOneField(
        SocialAccount, verbose_name=_("cuenta"), on_delete=models.CASCADE, related_name="cursor"
    )
    # Ids and page tokens are kept whole (a cut token would read the wrong page, or none).
    since_id = models.CharField(_("último id leído"), max_length=PLATFORM_ID_MAX, blank=True)
    page_token = models.TextField(_("página pendiente"), blank=True)
    last_polled_at = models.DateTimeField(_("última consulta"), null=True, blank=True)
    wait_until = models.DateTimeField(_("esperar hasta"), null=True, blank=True)
    last_error = models.TextField(_("último error"), blank=True)
    # X: the account's own posts (its replies written directly on X), read apart from mentions
    # with their own resume state and rate-limit window.
    replies_since_id = models.CharField(
        _("última respuesta propia leída"), max_length=PLATFORM_ID_MAX, blank=True
    )
    replies_page_token = models.TextField(_("página pendiente de respuestas propias"), blank=True)
    replies_wait_until = models.DateTimeField(
        _("esperar hasta (respuestas propias)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("cursor de consulta")
        verbose_name_plural = _("cursores de consulta")

    def __str__(self) -> str:
        return f"{self.account} @ {self.since_id}"


class AccountAccess(models.Model):
    """A person who holds admin access to an account on the platform itself."""

    account = models.ForeignKey(
        SocialAccount, verbose_name=_("cuenta"), on_delete=models.CASCADE, related_name="accesses"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("persona"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account_accesses",
    )
    person_name = models.CharField(_("nombre"), max_length=150)
    platform_role = models.CharField(_("rol en la plataforma"), max_length=60)
    granted_at = models.DateTimeField(_("desde"))
    revoked_at = models.DateTimeField(_("hasta"), null=True, blank=True)

    class Meta:
        verbose_name = _("acceso a una cuenta")
        verbose_name_plural = _("accesos a cuentas")

    def __str__(self) -> str:
        return f"{self.person_name} — {self.account}"


class PasswordChangeFlag(models.Model):
    """ "Cambiar contraseña": raised when someone who could reach the account leaves."""

    account = models.ForeignKey(
        SocialAccount,
        verbose_name=_("cuenta"),
        on_delete=models.CASCADE,
        related_name="password_flags",
    )
    reason = models.CharField(_("motivo"), max_length=300)
    created_at = models.DateTimeField(_("fecha"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmado por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("contraseña cambiada el"), null=True, blank=True)

    class Meta:
        verbose_name = _("aviso de cambio de contraseña")
        verbose_name_plural = _("avisos de cambio de contraseña")

    def __str__(self) -> str:
        return f"{self.account}: {self.reason}"


class SandboxKind(models.TextChoices):
    COMENTARIO = "comentario", _("Respuesta a un comentario")
    MENSAJE = "mensaje", _("Mensaje directo")
    OCULTAR = "ocultar", _("Cambio de visibilidad de un comentario")
    CIUDADANO = "ciudadano", _("Mensaje de un ciudadano de prueba")
    PUBLICACION = "publicacion", _("Publicación de la página")


class SandboxPublication(models.Model):
    """What the sandbox platform (agora/connectors/sandbox.py, demo only) received or sent: an
    answer published there, or a citizen message it made up. It is also the outbox of the
    webhook that tells Ágora about it: ``delivered_at`` stays empty until Ágora took it."""

    account = models.ForeignKey(
        SocialAccount, verbose_name=_("cuenta"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("tipo"), max_length=12, choices=SandboxKind.choices)
    platform_id = models.CharField(
        _("id en la plataforma de prueba"), max_length=PLATFORM_ID_MAX, unique=True
    )
    target_id = models.CharField(_("responde a"), max_length=PLATFORM_ID_MAX, blank=True)
    post_id = models.CharField(_("publicación"), max_length=PLATFORM_ID_MAX, blank=True)
    text = models.TextField(_("texto"), blank=True)
    payload = models.JSONField(_("webhook por entregar"), default=dict, blank=True)
    created_at = models.DateTimeField(_("publicado el"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("webhook entregado el"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("intentos de entrega"), default=0)
    last_error = models.CharField(_("último error de entrega"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("publicación en la plataforma de prueba")
        verbose_name_plural = _("publicaciones en la plataforma de prueba")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(delivered_at__isnull=True),
                name="connectors_sandbox_undelivered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.text[:60]}"


class MentionFetchStatus(models.TextChoices):
    PENDIENTE = "pendiente", _("Pendiente")
    HECHA = "hecha", _("Leída")
    FALLIDA = "fallida", _("Fallida")


class MentionFetch(models.Model):
    """An Instagram @mention of the account, announced by the webhook with its ids only. The
    row is written in the webhook's transaction; a worker makes the documented follow-up Graph
    call that reads the mention and stores it as a conversation (agora/connectors/
    meta_mentions.py). A dead worker delays it, never loses it; reading it twice stores it
    once."""

    account = models.ForeignKey(
        SocialAccount, verbose_name=_("cuenta"), on_delete=models.CASCADE, related_name="+"
    )
    media_id = models.CharField(_("id de la publicación"), max_length=PLATFORM_ID_MAX)
    # Empty for a mention in the caption of the publication.
    comment_id = models.CharField(_("id del comentario"), max_length=PLATFORM_ID_MAX, blank=True)
    status = models.CharField(
        _("estado"),
        max_length=10,
        choices=MentionFetchStatus.choices,
        default=MentionFetchStatus.PENDIENTE,
    )
    attempts = models.PositiveSmallIntegerField(_("intentos"), default=0)
    # Pending: when the next attempt may start (a claimed attempt moves it forward, so a
    # worker that dies mid-call leaves the row due again later).
    due_at = models.DateTimeField(_("próximo intento"))
    error = models.TextField(_("último error"), blank=True)
    created_at = models.DateTimeField(_("recibida"), auto_now_add=True)
    done_at = models.DateTimeField(_("leída el"), null=True, blank=True)

    class Meta:
        verbose_name = _("mención de Instagram por leer")
        verbose_name_plural = _("menciones de Instagram por leer")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "media_id", "comment_id"], name="connectors_mention_ids"
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(status="pendiente"),
                name="connectors_mention_due",
            )
        ]

    def __str__(self) -> str:
        return self.comment_id or self.media_id
