"""Conversations with citizens on an entity's verified accounts, their messages, response
deadline policies, labels, the library of approved answers, and quarantined events."""

from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agora.core.models import CreatedAtFeminine, DemoMarked
from agora.directory.models import Entity, Platform, SocialAccount

if TYPE_CHECKING:
    from agora.core.models import User


# Platform ids are stored whole, never cut: Instagram direct-message ids are about 164
# characters, YouTube reply ids and page tokens are long too. An id longer than these columns
# is refused by ingestion with a clear error (agora/inbox/ingest/events.py: incoming_problem).
PLATFORM_ID_MAX = 512


class ThreadKind(models.TextChoices):
    COMMENTS = "comentarios", _("Comentarios de una publicación")
    DIRECT = "mensaje_directo", _("Mensajes directos")
    MENTION = "mencion", _("Mención")


class Status(models.TextChoices):
    NUEVO = "nuevo", _("Nuevo")
    ABIERTO = "abierto", _("Abierto")
    EN_ESPERA = "en_espera", _("En espera del ciudadano")
    RESPONDIDO = "respondido", _("Respondido")
    CERRADO = "cerrado", _("Cerrado")


class Priority(models.TextChoices):
    BAJA = "baja", _("Baja")
    NORMAL = "normal", _("Normal")
    ALTA = "alta", _("Alta")
    URGENTE = "urgente", _("Urgente")


class PriorityReason(models.TextChoices):
    """Why a conversation has the priority it has (agora/inbox/priority.py: the written
    rules; "manual" when a person set it, which then wins over the rules)."""

    NINGUNA = "", _("Ninguna regla")
    AMENAZA = "amenaza", _("Alerta de amenaza abierta")
    PLAZO = "plazo", _("Plazo por vencer o vencido")
    RECURRENTE = "recurrente", _("Ciudadano que escribe de nuevo")
    MANUAL = "manual", _("Fijada por el personal")


class Direction(models.TextChoices):
    ENTRANTE = "entrante", _("Del ciudadano")
    SALIENTE = "saliente", _("Respuesta de la entidad")
    NOTA = "nota", _("Nota interna")


class SendStatus(models.TextChoices):
    NO_APLICA = "", _("No aplica")
    PENDIENTE = "pendiente", _("Por enviar")
    # Claimed by one worker that is calling the platform: never sent again automatically
    # (agora/inbox/sending.py), so that an answer is published at most once.
    # It may or may not be on the platform (a timeout, a worker that died mid-send): Ágora
    # looks for it there before any new attempt (agora/connectors/lookups.py).
    ENVIANDO = "enviando", _("Publicando")
    ENVIADO = "enviado", _("Enviado")
    FALLIDO = "fallido", _("Falló el envío")
    # The platform could not tell whether it was published: a person checks and decides.
    VERIFICAR = "verificar", _("Verificar en la plataforma")
    # The entity asks that answers be approved (agora/inbox/reply_approval.py): not sent
    # until a manager or a named approver, never its writer, approves it.
    APROBAR = "aprobar", _("Pendiente de aprobación")
    DEVUELTA = "devuelta", _("Devuelta sin enviar")


class ConversationQuerySet(models.QuerySet["Conversation"]):
    def for_staff(self, user: User) -> ConversationQuerySet:
        """Only the conversations of the entities this person works for (all for rector)."""
        return self.filter(entity__in=Entity.objects.for_staff(user))


class Label(models.Model):
    entity = models.ForeignKey(
        Entity, verbose_name=_("entidad"), on_delete=models.CASCADE, related_name="labels"
    )
    name = models.CharField(_("nombre"), max_length=60)

    class Meta:
        verbose_name = _("etiqueta")
        verbose_name_plural = _("etiquetas")
        constraints = [
            models.UniqueConstraint(fields=["entity", "name"], name="inbox_label_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Post(DemoMarked):
    """A publication of the entity (a Facebook post, an Instagram media, an X post, a YouTube
    video) that citizens comment on: the context shown above each comment thread, never a
    message of it. Stored once for all the threads under it; a thread that names a post not
    read yet gets an empty row, filled when the post arrives."""

    entity = models.ForeignKey(
        Entity, verbose_name=_("entidad"), on_delete=models.CASCADE, related_name="+"
    )
    account = models.ForeignKey(
        SocialAccount, verbose_name=_("cuenta"), on_delete=models.CASCADE, related_name="posts"
    )
    platform = models.CharField(_("plataforma"), max_length=12, choices=Platform.choices)
    platform_post_id = models.CharField(_("id en la plataforma"), max_length=PLATFORM_ID_MAX)
    text = models.TextField(_("texto"), blank=True)
    url = models.URLField(_("enlace"), max_length=500, blank=True)
    posted_at = models.DateTimeField(_("publicada el"), null=True, blank=True)

    class Meta:
        verbose_name = _("publicación de la entidad")
        verbose_name_plural = _("publicaciones de la entidad")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "platform_post_id"], name="inbox_post_account_id"
            )
        ]

    def __str__(self) -> str:
        return self.text[:60] or self.platform_post_id

    @property
    def link(self) -> str:
        """The stored permalink, or the platform's address built from the id."""
        if self.url:
            return self.url
        post_id = self.platform_post_id
        if self.platform == Platform.FACEBOOK:
            return f"https://www.facebook.com/{post_id}"
        if self.platform == Platform.X:
            return f"https://x.com/i/web/status/{post_id}"
        if self.platform == Platform.YOUTUBE:
            return f"https://www.youtube.com/watch?v={post_id}"
        return ""


class Conversation(DemoMarked, CreatedAtFeminine):
    """One citizen thread on one account: a top-level comment with its replies, a
    direct-message thread, or a mention. The post it hangs on is context (``post``)."""

    # Neither has an index of its own: every index of the list starts with the entity, and
    # the unique (account, kind, thread) starts with the account; one fewer index for every
    # conversation an import writes (bench/ingest_command.py).
    # The entity is the account's (ingestion and every service write it from the account),
    # kept on the row for the indexes: the database checks the account, and through it the
    # entity, not the copy once more on each row at commit. Deleting an entity still deletes
    # its conversations (Django's cascade; and the account's key protects it in SQL). SQLite
    # databases keep the old key (migration 0026: dropping it there copies the table).
    entity = models.ForeignKey(
        Entity,
        verbose_name=_("entidad"),
        on_delete=models.CASCADE,
        related_name="conversations",
        db_index=False,
        db_constraint=False,
    )
    account = models.ForeignKey(
        SocialAccount,
        verbose_name=_("cuenta"),
        on_delete=models.CASCADE,
        related_name="conversations",
        db_index=False,
    )
    platform = models.CharField(_("plataforma"), max_length=12, choices=Platform.choices)
    thread_kind = models.CharField(_("tipo de hilo"), max_length=20, choices=ThreadKind.choices)
    thread_id = models.CharField(_("id del hilo en la plataforma"), max_length=PLATFORM_ID_MAX)
    subject = models.CharField(_("asunto"), max_length=300, blank=True)
    post = models.ForeignKey(
        Post,
        verbose_name=_("publicación"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
    )
    # The citizen who opened the thread (personal data: never on public pages).
    author_id = models.CharField(_("id del autor"), max_length=PLATFORM_ID_MAX, blank=True)
    author_name = models.CharField(_("nombre del autor"), max_length=200, blank=True)
    status = models.CharField(
        _("estado"), max_length=12, choices=Status.choices, default=Status.NUEVO
    )
    priority = models.CharField(
        _("prioridad"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    # The rule that set the priority (agora/inbox/priority.py); "manual": set by a person,
    # and the rules leave it alone until someone gives it back to them.
    priority_reason = models.CharField(
        _("motivo de la prioridad"),
        max_length=12,
        choices=PriorityReason.choices,
        default="",
        db_default="",  # ingestion inserts conversations with a fixed list of columns
        blank=True,
    )
    priority_manual = models.BooleanField(
        _("prioridad fijada a mano"), default=False, db_default=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asignada a"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
        db_index=False,  # inbox_conv_assignee (assignee, status) starts with it
    )
    labels = models.ManyToManyField(Label, verbose_name=_("etiquetas"), blank=True)
    # Filled by the language module.
    kind = models.CharField(_("tipo de mensaje"), max_length=20, blank=True)
    flags = models.JSONField(_("alertas"), default=list, blank=True)
    # Timeline and deadlines (UTC). "awaiting" = a citizen message waits for an answer.
    first_inbound_at = models.DateTimeField(_("primer mensaje"), null=True, blank=True)
    last_inbound_at = models.DateTimeField(_("último mensaje del ciudadano"), null=True, blank=True)
    awaiting_since = models.DateTimeField(_("espera respuesta desde"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("primera respuesta"), null=True, blank=True)
    last_response_at = models.DateTimeField(_("última respuesta"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resuelta el"), null=True, blank=True)
    waiting_since = models.DateTimeField(_("en espera desde"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("segundos en pausa"), default=0)
    due_at = models.DateTimeField(_("vence"), null=True, blank=True, db_index=True)
    resolution_due_at = models.DateTimeField(_("vence la resolución"), null=True, blank=True)
    breached_at = models.DateTimeField(_("plazo incumplido el"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalada el"), null=True, blank=True)
    # The named person it was escalated to (agora/inbox/escalation.py) and why.
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalada a"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalated_conversations",
        db_index=False,  # inbox_conv_escalated_to: only the escalated ones
    )
    escalation_reason = models.CharField(
        _("motivo de la escalada"), max_length=300, blank=True, default="", db_default=""
    )
    message_count = models.PositiveIntegerField(_("mensajes"), default=0)
    # Every citizen message hidden by moderation (agora/inbox/moderation/): out of the
    # default list view. A column, not only the "oculto" flag, so that the list's index has it.
    hidden = models.BooleanField(_("oculta por moderación"), default=False, db_default=False)
    # Answers of the thread whose send failed for good and wait for "Reintentar" (a column, so
    # that the list shows and filters them without reading messages).
    failed_sends = models.PositiveSmallIntegerField(_("envíos fallidos"), default=0, db_default=0)
    # Answers that may or may not be published, for a person to check on the platform.
    sends_to_check = models.PositiveSmallIntegerField(
        _("envíos por verificar"), default=0, db_default=0
    )
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        verbose_name = _("conversación")
        verbose_name_plural = _("conversaciones")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "thread_kind", "thread_id"], name="inbox_conversation_thread"
            )
        ]
        indexes = [
            # The inbox list: an entity's conversations by last activity (keyset pagination).
            # due_at at the end: the overdue filter reads the index only, however rare.
            models.Index(
                fields=["entity", "hidden", "-last_inbound_at", "-id", "due_at"],
                name="inbox_conv_recent2",
            ),
            models.Index(fields=["-last_inbound_at", "-id"], name="inbox_conv_recent_all"),
            # Status tabs and filters; due_at last so that the overdue counts read the index only.
            models.Index(
                fields=["entity", "hidden", "status", "-last_inbound_at", "due_at"],
                name="inbox_conv_status3",
            ),
            # Indexes of columns that stay empty on most rows (assignee, escalated_to) keep
            # only the rows that have them: a new conversation writes none of these entries
            # (bench/ingest_command.py), and "assignee = …" still reads them.
            models.Index(
                fields=["assignee", "status"],
                condition=Q(assignee__isnull=False),
                name="inbox_conv_assignee2",
            ),
            models.Index(
                fields=["escalated_to"],
                condition=Q(escalated_to__isnull=False),
                name="inbox_conv_escalated_to",
            ),
            # The citizen's earlier conversations with the entity (selectors.author_history).
            models.Index(
                fields=["entity", "platform", "author_id", "-last_inbound_at"],
                name="inbox_conv_author",
            ),
            models.Index(
                fields=["due_at"],
                condition=Q(breached_at__isnull=True, due_at__isnull=False),
                name="inbox_conv_due_open",
            ),
            # The header's unread count (agora/inbox/unread.py): only conversations waiting
            # for an answer, a small part of all of them.
            # The work queues' waiting counts (agora/inbox/queues.py) read it too; the
            # leading columns match the list's, so the planner prefers this smaller index.
            models.Index(
                fields=[
                    "entity",
                    "hidden",
                    "last_inbound_at",
                    "assignee",
                    "status",
                    "due_at",
                    "breached_at",
                ],
                condition=Q(awaiting_since__isnull=False),
                name="inbox_conv_awaiting",
            ),
            # The "mine" queue per entity (the staff home), read from the index only.
            models.Index(
                fields=["assignee", "entity", "hidden", "status", "last_inbound_at"],
                condition=Q(assignee__isnull=False),
                name="inbox_conv_mine2",
            ),
            # The default list: an entity's conversations by due time (keyset pagination,
            # agora/inbox/selectors.py); only those with a due time, the rest follow by
            # last activity on the indexes above.
            models.Index(
                fields=["entity", "hidden", "due_at", "id"],
                condition=Q(due_at__isnull=False),
                name="inbox_conv_due_list",
            ),
            models.Index(
                fields=["entity", "hidden", "status", "due_at", "id"],
                condition=Q(due_at__isnull=False),
                name="inbox_conv_due_status",
            ),
            # The conversations a rule raised: the periodic job checks each of them again.
            models.Index(
                fields=["priority_reason", "due_at"],
                condition=~Q(priority_reason__in=["", "manual"]),
                name="inbox_conv_priority_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} · {self.subject or self.thread_id}"


class Message(DemoMarked):
    """A citizen's message, the entity's answer, or an internal note."""

    # Neither has an index of its own: inbox_msg_thread starts with the conversation and
    # inbox_msg_entity_time with the entity (bench/ingest_command.py).
    conversation = models.ForeignKey(
        Conversation,
        verbose_name=_("conversación"),
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
    )
    # The conversation's entity, copied for the indexes: checked through the conversation,
    # not once more on each message at commit (see Conversation.entity).
    entity = models.ForeignKey(
        Entity,
        verbose_name=_("entidad"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    platform = models.CharField(_("plataforma"), max_length=12, choices=Platform.choices)
    # Platform id; for answers written in Ágora and notes, a local id "agora:<uuid>".
    platform_message_id = models.CharField(_("id en la plataforma"), max_length=PLATFORM_ID_MAX)
    parent_platform_id = models.CharField(_("responde a"), max_length=PLATFORM_ID_MAX, blank=True)
    # For the entity's answers written in Ágora: the citizen message it answers.
    reply_to = models.ForeignKey(
        "self",
        verbose_name=_("en respuesta a"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # inbox_msg_reply_to: only the answers
    )
    direction = models.CharField(_("dirección"), max_length=10, choices=Direction.choices)
    author_id = models.CharField(_("id del autor"), max_length=PLATFORM_ID_MAX, blank=True)
    author_name = models.CharField(_("nombre del autor"), max_length=200, blank=True)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escrita por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # inbox_msg_author_user: only the messages written in Ágora
    )
    text = models.TextField(_("texto"), blank=True)
    sent_at = models.DateTimeField(_("fecha en la plataforma"), db_index=True)
    received_at = models.DateTimeField(_("recibida"), auto_now_add=True)
    edited_at = models.DateTimeField(_("editada el"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("borrada en la plataforma el"), null=True, blank=True)
    send_status = models.CharField(
        _("envío"), max_length=10, choices=SendStatus.choices, default="", blank=True
    )
    send_attempts = models.PositiveSmallIntegerField(_("intentos de envío"), default=0)
    # Pending: when the next attempt is due (the recovery job re-queues answers left past it);
    # publishing: until when the worker that claimed it may still be calling the platform, or
    # when to look on the platform after an unknown outcome.
    send_due_at = models.DateTimeField(_("próximo intento de envío"), null=True, blank=True)
    send_error = models.TextField(_("último error de envío"), blank=True)
    # Filled by the language module.
    kind = models.CharField(_("tipo"), max_length=20, blank=True)
    flags = models.JSONField(_("alertas"), default=list, blank=True)
    model_version = models.CharField(_("versión del modelo"), max_length=40, blank=True)
    # The classifier's scores (kind probabilities, each flag's score) from ``model_version``,
    # and how sure it was: the smallest of the kind margin and each flag's distance to its
    # threshold (agora/language/labelling.py). The labelling queue reads the least sure.
    scores = models.JSONField(_("puntuaciones del modelo"), null=True, blank=True)
    certainty = models.FloatField(_("seguridad del modelo"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("oculto el"), null=True, blank=True)

    class Meta:
        verbose_name = _("mensaje")
        verbose_name_plural = _("mensajes")
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "platform_message_id"], name="inbox_message_platform_id"
            )
        ]
        indexes = [
            models.Index(fields=["conversation", "sent_at"], name="inbox_msg_thread"),
            # Empty on every citizen message: only the rows that have them.
            models.Index(
                fields=["reply_to"],
                condition=models.Q(reply_to__isnull=False),
                name="inbox_msg_reply_to",
            ),
            models.Index(
                fields=["author_user"],
                condition=models.Q(author_user__isnull=False),
                name="inbox_msg_author_user",
            ),
            models.Index(fields=["entity", "sent_at"], name="inbox_msg_entity_time"),
            # The citizen messages no model has classified yet (the catch-up job reads them).
            models.Index(
                fields=["id"],
                condition=models.Q(kind="", direction="entrante"),
                name="inbox_msg_unclassified",
            ),
            # The citizen messages without scores (agora/language/selectors.py: the sweep).
            models.Index(
                fields=["id"],
                condition=models.Q(scores__isnull=True, direction="entrante"),
                name="inbox_msg_unscored",
            ),
            # The labelling queue: the citizen messages the model was least sure about.
            models.Index(
                fields=["certainty"],
                condition=models.Q(certainty__isnull=False, direction="entrante"),
                name="inbox_msg_certainty",
            ),
            # The answers still to send (agora/inbox/sending.py: sends_recover).
            models.Index(
                fields=["send_due_at"],
                condition=models.Q(send_status__in=["pendiente", "enviando"]),
                name="inbox_msg_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()}: {self.text[:60]}"

    @property
    def counts_as_answer(self) -> bool:
        return self.direction == Direction.SALIENTE and self.send_status in (
            SendStatus.NO_APLICA,
            SendStatus.ENVIADO,
        )


class BreachKind(models.TextChoices):
    PRIMERA = "primera", _("Primera respuesta")
    SIGUIENTE = "siguiente", _("Siguiente respuesta")
    RESOLUCION = "resolucion", _("Resolución")


# The kinds that count as a missed *response* (reports counted only these before resolution
# deadlines were enforced, and still do).
RESPONSE_BREACH_KINDS = (BreachKind.PRIMERA, BreachKind.SIGUIENTE)


class DeadlineBreach(models.Model):
    """A response deadline that passed without an answer: the record reports count."""

    conversation = models.ForeignKey(
        Conversation,
        verbose_name=_("conversación"),
        on_delete=models.CASCADE,
        related_name="breaches",
    )
    entity = models.ForeignKey(
        Entity, verbose_name=_("entidad"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("plazo"), max_length=10, choices=BreachKind.choices)
    due_at = models.DateTimeField(_("vencía"))
    detected_at = models.DateTimeField(_("detectado"), auto_now_add=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asignada a"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("plazo incumplido")
        verbose_name_plural = _("plazos incumplidos")
        constraints = [
            # A response and the resolution deadline may fall on the same minute.
            models.UniqueConstraint(
                fields=["conversation", "kind", "due_at"], name="inbox_breach_unique_kind_due"
            )
        ]
        indexes = [models.Index(fields=["entity", "detected_at"], name="inbox_breach_entity")]

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.kind} {self.due_at}"


class MessageRevision(models.Model):
    """An earlier text of a message that was edited on the platform."""

    message = models.ForeignKey(
        Message, verbose_name=_("mensaje"), on_delete=models.CASCADE, related_name="revisions"
    )
    text = models.TextField(_("texto anterior"))
    replaced_at = models.DateTimeField(_("reemplazado el"))

    class Meta:
        verbose_name = _("versión anterior")
        verbose_name_plural = _("versiones anteriores")
        ordering = ["replaced_at"]

    def __str__(self) -> str:
        return self.text[:60]


class AttachmentKind(models.TextChoices):
    IMAGEN = "imagen", _("Imagen")
    VIDEO = "video", _("Video")
    AUDIO = "audio", _("Audio")
    ARCHIVO = "archivo", _("Archivo")
    UBICACION = "ubicacion", _("Ubicación")
    ENLACE = "enlace", _("Enlace")
    PUBLICACION = "publicacion", _("Publicación compartida")
    HISTORIA = "historia", _("Mención en una historia")
    STICKER = "sticker", _("Sticker")
    NO_COMPATIBLE = "no_compatible", _("Contenido no compatible")


class Attachment(DemoMarked):
    """What a message carries besides its text (a photo, a video, a file, a location, a link,
    a shared post, …) as the platform gave it: its address on the platform's servers, never
    a copy (agora/inbox/attachments.py)."""

    message = models.ForeignKey(
        Message, verbose_name=_("mensaje"), on_delete=models.CASCADE, related_name="attachments"
    )
    # Order in the message (0, 1, …): with the message, what makes a replay change nothing.
    position = models.PositiveSmallIntegerField(_("posición"))
    kind = models.CharField(_("tipo"), max_length=20, choices=AttachmentKind.choices)
    # Platform CDN addresses are long (signed query strings of 500+ characters): never cut.
    url = models.TextField(_("dirección"), blank=True)
    preview_url = models.TextField(_("vista previa"), blank=True)
    title = models.TextField(_("título"), blank=True)
    latitude = models.FloatField(_("latitud"), null=True, blank=True)
    longitude = models.FloatField(_("longitud"), null=True, blank=True)
    mime_type = models.CharField(_("tipo MIME"), max_length=120, blank=True)
    platform_id = models.TextField(_("id en la plataforma"), blank=True)

    class Meta:
        verbose_name = _("adjunto")
        verbose_name_plural = _("adjuntos")
        ordering = ["message", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "position"], name="inbox_attachment_message_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.title or self.url}"[:80]


class MessageAlias(models.Model):
    """Another platform id of the same message: an X post edited on X gets a new id for each
    version (``edit_history_tweet_ids``); the message keeps the original id and is found by
    every later one (a reply to the edited post joins the same conversation)."""

    message = models.ForeignKey(
        Message, verbose_name=_("mensaje"), on_delete=models.CASCADE, related_name="aliases"
    )
    platform = models.CharField(_("plataforma"), max_length=12, choices=Platform.choices)
    alias_id = models.CharField(_("otro id en la plataforma"), max_length=PLATFORM_ID_MAX)
    created_at = models.DateTimeField(_("registrado"), auto_now_add=True)

    class Meta:
        verbose_name = _("otro id de un mensaje")
        verbose_name_plural = _("otros ids de mensajes")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "alias_id"], name="inbox_message_alias_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.alias_id} → {self.message_id}"


class ResponsePolicy(models.Model):
    """Response deadlines in working hours. The rector office's default has no entity; an
    entity's own policy may only be stricter."""

    entity = models.OneToOneField(
        Entity,
        verbose_name=_("entidad"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="response_policy",
    )
    first_response_hours = models.DecimalField(
        _("primera respuesta (horas hábiles)"), max_digits=6, decimal_places=2, default=8
    )
    next_response_hours = models.DecimalField(
        _("siguiente respuesta (horas hábiles)"), max_digits=6, decimal_places=2, default=8
    )
    resolution_hours = models.DecimalField(
        _("resolución (horas hábiles)"), max_digits=6, decimal_places=2, default=45
    )
    workday_start = models.TimeField(_("inicio de la jornada"), default=time(8, 30))
    workday_end = models.TimeField(_("fin de la jornada"), default=time(17, 30))
    # agora/inbox/priority.py: a conversation due within this many working hours (or already
    # overdue) is raised to "alta".
    priority_hours = models.DecimalField(
        _("prioridad alta cuando faltan (horas hábiles)"),
        max_digits=5,
        decimal_places=2,
        default=2,
    )
    # agora/inbox/escalation.py: who a missed deadline is escalated to (empty: the
    # entity's communications managers).
    escalation_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalar a"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)

    class Meta:
        verbose_name = _("política de plazos de respuesta")
        verbose_name_plural = _("políticas de plazos de respuesta")

    def __str__(self) -> str:
        return str(self.entity or _("Política general del ente rector"))


class NonWorkingDay(models.Model):
    """A day the entity does not work (besides Peru's national holidays)."""

    entity = models.ForeignKey(
        Entity, verbose_name=_("entidad"), on_delete=models.CASCADE, related_name="closed_days"
    )
    day = models.DateField(_("día"))
    description = models.CharField(_("motivo"), max_length=120)

    class Meta:
        verbose_name = _("día no laborable")
        verbose_name_plural = _("días no laborables")
        constraints = [
            models.UniqueConstraint(fields=["entity", "day"], name="inbox_closed_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.description}"


class CannedAnswer(DemoMarked):
    """An approved answer for the library (seed 000: a guide with good examples)."""

    entity = models.ForeignKey(
        Entity,
        verbose_name=_("entidad"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_answers",
        help_text=_("Vacío: disponible para todas las entidades."),
    )
    title = models.CharField(_("título"), max_length=120)
    body = models.TextField(_("texto"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("aprobada por"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("aprobada el"), null=True)
    # Managed in the inbox (agora/inbox/canned.py): sorted and found by category and shortcut;
    # archived rather than deleted, so that the answers that used one keep pointing at it.
    category = models.CharField(_("categoría"), max_length=60, blank=True)
    shortcut = models.CharField(_("atajo"), max_length=40, blank=True)
    archived_at = models.DateTimeField(_("archivada el"), null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("archivada por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("respuesta aprobada")
        verbose_name_plural = _("respuestas aprobadas")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class CannedAnswerUse(models.Model):
    """One answer written with an approved answer: recorded with the answer, in the same
    transaction, so that usage counts only what was really saved."""

    canned_answer = models.ForeignKey(
        CannedAnswer,
        verbose_name=_("respuesta aprobada"),
        on_delete=models.CASCADE,
        related_name="uses",
    )
    message = models.OneToOneField(
        Message,
        verbose_name=_("respuesta enviada"),
        on_delete=models.CASCADE,
        related_name="canned_use",
    )
    entity = models.ForeignKey(
        Entity, verbose_name=_("entidad"), on_delete=models.CASCADE, related_name="+"
    )
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usada por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    used_at = models.DateTimeField(_("usada el"))

    class Meta:
        verbose_name = _("uso de una respuesta aprobada")
        verbose_name_plural = _("usos de respuestas aprobadas")
        indexes = [
            models.Index(fields=["canned_answer", "used_at"], name="inbox_canned_use_answer"),
        ]

    def __str__(self) -> str:
        return f"{self.canned_answer_id} → {self.message_id}"


class QuarantinedEvent(models.Model):
    """A platform event we could not place (unknown page or account): kept for the rector
    office to review, never silently dropped."""

    platform = models.CharField(_("plataforma"), max_length=12, choices=Platform.choices)
    object_id = models.CharField(
        _("id de la página o cuenta"), max_length=PLATFORM_ID_MAX, db_index=True
    )
    reason = models.CharField(_("motivo"), max_length=200)
    payload = models.JSONField(_("contenido"))
    received_at = models.DateTimeField(_("recibido"), auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(_("revisado el"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revisado por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("evento en cuarentena")
        verbose_name_plural = _("eventos en cuarentena")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.platform} {self.object_id}: {self.reason}"


class ModerationPolicy(models.Model):
    """How an entity moderates citizens' messages (seed 003: filters against insults and spam)
    and when its crisis banner appears. The rector office's default has no entity."""

    entity = models.OneToOneField(
        Entity,
        verbose_name=_("entidad"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="moderation_policy",
    )
    hide_insults = models.BooleanField(_("ocultar insultos en la bandeja"), default=True)
    hide_spam = models.BooleanField(_("ocultar spam en la bandeja"), default=True)
    hide_on_platform = models.BooleanField(
        _("ocultar también en la red social cuando la plataforma lo permite"),
        default=False,
        help_text=_(
            "Solo comentarios de Facebook e Instagram: se ocultan, nunca se borran. "
            "Las amenazas no se ocultan: se conservan como evidencia."
        ),
    )
    crisis_multiplier = models.DecimalField(
        _("umbral de crisis (veces la tasa habitual)"), max_digits=5, decimal_places=2, default=3
    )
    crisis_min_messages = models.PositiveIntegerField(
        _("mínimo de mensajes en la última hora para una crisis"), default=5
    )
    crisis_baseline_days = models.PositiveIntegerField(
        _("días para calcular la tasa habitual"), default=14
    )
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actualizada por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("política de moderación")
        verbose_name_plural = _("políticas de moderación")

    def __str__(self) -> str:
        return str(self.entity or _("Política general del ente rector"))


class ModerationVerb(models.TextChoices):
    OCULTAR = "ocultar", _("Ocultar")
    MOSTRAR = "mostrar", _("Mostrar")


class ModerationScope(models.TextChoices):
    BANDEJA = "bandeja", _("En la bandeja de Ágora")
    PLATAFORMA = "plataforma", _("En la red social")


class PlatformResult(models.TextChoices):
    NO_APLICA = "", _("No aplica")
    PENDIENTE = "pendiente", _("Pendiente")
    HECHO = "hecho", _("Hecho")
    FALLIDO = "fallido", _("Falló")
    NO_PERMITIDO = "no_permitido", _("La plataforma no lo permite")


class ModerationAction(models.Model):
    """One hide or unhide of a citizen's message, in the inbox or on the platform. Nothing is
    deleted: the record says who (or the system and the model version), when and why."""

    message = models.ForeignKey(
        Message,
        verbose_name=_("mensaje"),
        on_delete=models.CASCADE,
        related_name="moderation_actions",
    )
    entity = models.ForeignKey(
        Entity, verbose_name=_("entidad"), on_delete=models.CASCADE, related_name="+"
    )
    action = models.CharField(_("acción"), max_length=10, choices=ModerationVerb.choices)
    scope = models.CharField(_("dónde"), max_length=12, choices=ModerationScope.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hecha por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Vacío: acción automática del sistema."),
    )
    is_automatic = models.BooleanField(_("automática"), default=False)
    model_version = models.CharField(_("versión del modelo"), max_length=40, blank=True)
    reason = models.CharField(_("motivo"), max_length=300)
    created_at = models.DateTimeField(_("fecha"), auto_now_add=True)
    platform_result = models.CharField(
        _("resultado en la plataforma"),
        max_length=14,
        choices=PlatformResult.choices,
        default=PlatformResult.NO_APLICA,
        blank=True,
    )
    platform_attempts = models.PositiveSmallIntegerField(_("intentos en la plataforma"), default=0)
    platform_error = models.TextField(_("último error de la plataforma"), blank=True)
    platform_done_at = models.DateTimeField(_("hecho en la plataforma el"), null=True, blank=True)

    class Meta:
        verbose_name = _("acción de moderación")
        verbose_name_plural = _("acciones de moderación")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["entity", "created_at"], name="inbox_moderation_entity"),
            models.Index(fields=["message", "created_at"], name="inbox_moderation_message"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.action} ({self.scope})"


class AlertStatus(models.TextChoices):
    ABIERTA = "abierta", _("Abierta")
    ATENDIDA = "atendida", _("Atendida")
    # The team said the message is not a threat («No es amenaza»): a false alert.
    DESCARTADA = "descartada", _("Descartada")


class ThreatAlert(DemoMarked, CreatedAtFeminine):
    """A citizen message flagged as a threat: the managers and the rector office are told at
    once, and the message is kept as evidence (never hidden on the platform nor deleted)."""

    entity = models.ForeignKey(
        Entity, verbose_name=_("entidad"), on_delete=models.CASCADE, related_name="threat_alerts"
    )
    conversation = models.ForeignKey(
        Conversation,
        verbose_name=_("conversación"),
        on_delete=models.CASCADE,
        related_name="threat_alerts",
    )
    message = models.OneToOneField(
        Message,
        verbose_name=_("mensaje"),
        on_delete=models.PROTECT,
        related_name="threat_alert",
    )
    model_version = models.CharField(_("detectada por"), max_length=40, blank=True)
    status = models.CharField(
        _("estado"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.ABIERTA
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("atendida por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("atendida el"), null=True, blank=True)
    note = models.TextField(_("nota"), blank=True)

    class Meta:
        verbose_name = _("alerta de amenaza")
        verbose_name_plural = _("alertas de amenaza")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["entity", "status", "created_at"], name="inbox_threat_entity"),
            models.Index(fields=["status", "created_at"], name="inbox_threat_status"),
        ]

    def __str__(self) -> str:
        return f"{self.entity_id} · {self.message_id} ({self.status})"


class CrisisChecklist(models.Model):
    """The steps of an entity's crisis manual (seed 003), shown in the crisis banner."""

    entity = models.OneToOneField(
        Entity,
        verbose_name=_("entidad"),
        on_delete=models.CASCADE,
        related_name="crisis_checklist",
    )
    items = models.JSONField(_("pasos"), default=list)
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actualizada por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("lista de verificación de crisis")
        verbose_name_plural = _("listas de verificación de crisis")

    def __str__(self) -> str:
        return str(self.entity)


class ConversationPresence(models.Model):
    """Who is writing an answer in a conversation right now (agora/inbox/live.py). In the
    database, not in a per-process cache: every server process and machine sees it."""

    conversation = models.ForeignKey(
        Conversation,
        verbose_name=_("conversación"),
        on_delete=models.CASCADE,
        related_name="presences",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("persona"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    typing_until = models.DateTimeField(_("escribe una respuesta hasta"), null=True, blank=True)
    updated_at = models.DateTimeField(_("actualizada"))

    class Meta:
        verbose_name = _("presencia en una conversación")
        verbose_name_plural = _("presencias en conversaciones")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="inbox_presence_unique")
        ]
        indexes = [
            models.Index(fields=["conversation", "typing_until"], name="inbox_presence_typing"),
            models.Index(fields=["updated_at"], name="inbox_presence_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.conversation_id}"


class ConversationSeen(models.Model):
    """When a person last opened a conversation: a conversation of their queues is unread
    while its citizen's last message is newer than this mark (agora/inbox/unread.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("persona"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    conversation = models.ForeignKey(
        Conversation,
        verbose_name=_("conversación"),
        on_delete=models.CASCADE,
        related_name="seen_marks",
    )
    seen_at = models.DateTimeField(_("vista el"))

    class Meta:
        verbose_name = _("conversación vista")
        verbose_name_plural = _("conversaciones vistas")
        constraints = [
            # Also the index the unread count's "NOT EXISTS" probes, one row per conversation.
            models.UniqueConstraint(fields=["user", "conversation"], name="inbox_seen_one"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.conversation_id} · {self.seen_at:%Y-%m-%d %H:%M}"
