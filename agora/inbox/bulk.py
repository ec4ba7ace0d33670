"""Actions on many conversations at once from the inbox list: assign, close, add a label, hide
the citizens' messages. All or nothing: every id must be one of the actor's conversations, or
none changes; each conversation gets its own audit entry, as if acted on one by one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agora.core.audit import audit_record
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.directory.models import Entity
from agora.inbox import moderation, services
from agora.inbox.models import (
    Conversation,
    Direction,
    Label,
    Message,
    ModerationAction,
    ModerationVerb,
    Status,
    ThreatAlert,
)

BULK_MAX = 200
LABEL_MAX = 60


def _clean_ids(ids: Iterable[object]) -> list[int]:
    """The distinct positive integer ids, in the order given; a Spanish error otherwise."""
    clean: list[int] = []
    for raw in ids:
        try:
            pk = int(str(raw).strip())
        except ValueError:
            raise DomainError(
                _("La selección no es válida: «%(value)s» no es una conversación.")
                % {"value": str(raw)[:40]}
            ) from None
        if pk <= 0:
            raise DomainError(
                _("La selección no es válida: «%(value)s» no es una conversación.")
                % {"value": str(raw)[:40]}
            )
        if pk not in clean:
            clean.append(pk)
    if not clean:
        raise DomainError(_("Elija al menos una conversación."))
    if len(clean) > BULK_MAX:
        raise DomainError(
            _(
                "Se pueden cambiar hasta %(max)s conversaciones a la vez; eligió %(n)s. "
                "Filtre la lista o elija menos."
            )
            % {"max": BULK_MAX, "n": len(clean)}
        )
    return clean


def _scoped(*, actor: User, ids: Iterable[object]) -> list[Conversation]:
    """The actor's conversations with these ids, locked, in the order given; refused as a
    whole when any id is not one of them (another entity's or unknown: the same answer, so
    that a guessed id tells nothing)."""
    clean = _clean_ids(ids)
    found = {
        c.pk: c
        for c in Conversation.objects.for_staff(actor)
        .select_for_update(of=("self",))
        .select_related("entity")
        .filter(pk__in=clean)
    }
    missing = [pk for pk in clean if pk not in found]
    if missing:
        raise PermissionDeniedError(
            ngettext(
                "La conversación %(ids)s no existe o no es de su entidad: no se cambió ninguna.",
                "Las conversaciones %(ids)s no existen o no son de su entidad: no se cambió "
                "ninguna.",
                len(missing),
            )
            % {"ids": ", ".join(str(pk) for pk in missing[:10])}
        )
    return [found[pk] for pk in clean]


@transaction.atomic
def conversations_bulk_assign(
    *, actor: User, ids: Sequence[object], assignee: User | None
) -> list[Conversation]:
    """Assigns every chosen conversation to ``assignee`` (None: nobody). The assignee must
    work for every entity involved, else nothing changes."""
    conversations = _scoped(actor=actor, ids=ids)
    if assignee is not None:
        entity_ids = {c.entity_id for c in conversations}
        theirs = set(
            Entity.objects.for_staff(assignee)
            .filter(pk__in=entity_ids)
            .values_list("pk", flat=True)
        )
        if entity_ids - theirs:
            raise DomainError(
                _(
                    "%(name)s no trabaja para la entidad de alguna de las conversaciones "
                    "elegidas: no se cambió ninguna."
                )
                % {"name": assignee.get_full_name() or assignee.get_username()}
            )
    return [
        services.conversation_assign(conversation=c, actor=actor, assignee=assignee)
        for c in conversations
    ]


@transaction.atomic
def conversations_bulk_close(*, actor: User, ids: Sequence[object]) -> list[Conversation]:
    """Closes every chosen conversation (those already closed stay as they are, unaudited),
    through the same service as one by one, so that deadlines and rollups follow."""
    conversations = _scoped(actor=actor, ids=ids)
    return [
        services.conversation_set_status(conversation=c, actor=actor, status=Status.CERRADO)
        if c.status != Status.CERRADO
        else c
        for c in conversations
    ]


@transaction.atomic
def conversations_bulk_tag(*, actor: User, ids: Sequence[object], name: str) -> int:
    """Adds the label ``name`` to every chosen conversation (created per entity when new);
    returns how many did not have it yet. One audit entry per conversation that changed."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Escriba la etiqueta que quiere agregar."))
    if len(name) > LABEL_MAX:
        raise DomainError(_("La etiqueta admite hasta %(max)s caracteres.") % {"max": LABEL_MAX})
    conversations = _scoped(actor=actor, ids=ids)
    labels: dict[int, Label] = {}
    for entity_id in sorted({c.entity_id for c in conversations}):
        labels[entity_id], _created = Label.objects.get_or_create(entity_id=entity_id, name=name)
    through = Conversation.labels.through
    current: dict[int, list[str]] = {c.pk: [] for c in conversations}
    for conversation_id, label_name in through.objects.filter(
        conversation_id__in=list(current)
    ).values_list("conversation_id", "label__name"):
        current[conversation_id].append(label_name)
    changed = [c for c in conversations if name not in current[c.pk]]
    through.objects.bulk_create(
        [through(conversation_id=c.pk, label_id=labels[c.entity_id].pk) for c in changed]
    )
    for conv in changed:
        before = sorted(current[conv.pk])
        audit_record(
            actor=actor,
            verb="conversacion.etiquetada",
            instance=conv,
            scope=conv.entity.code,
            before={"labels": before},
            after={"labels": sorted([*before, name])},
        )
    return len(changed)


@transaction.atomic
def conversations_bulk_hide(
    *, actor: User, ids: Sequence[object], reason: str = ""
) -> tuple[int, int]:
    """Hides from the inbox every visible citizen message of the chosen conversations, as
    moderation does one by one (a ``ModerationAction`` each, never deleted); threats stay in
    view as evidence. Returns (messages hidden, threats kept)."""
    reason = reason.strip() or _("Ocultado en bloque desde la bandeja.")
    reason = moderation._clean_reason(reason)
    conversations = _scoped(actor=actor, ids=ids)
    conv_ids = [c.pk for c in conversations]
    rows = list(
        Message.objects.select_for_update()
        .filter(conversation_id__in=conv_ids, direction=Direction.ENTRANTE, hidden_at__isnull=True)
        .only("id", "entity_id", "conversation_id", "flags", "hidden_at")
    )
    alerted = set(
        ThreatAlert.objects.filter(message_id__in=[m.pk for m in rows]).values_list(
            "message_id", flat=True
        )
    )
    kept = [m for m in rows if m.pk in alerted or moderation.THREAT in (m.flags or [])]
    to_hide = [m for m in rows if m not in kept]
    now = timezone.now()
    Message.objects.filter(pk__in=[m.pk for m in to_hide]).update(hidden_at=now)
    created = ModerationAction.objects.bulk_create(
        [
            moderation._action(m, ModerationVerb.OCULTAR, actor, "", reason, automatic=False)
            for m in to_hide
        ],
        batch_size=500,
    )
    moderation.conversations_flags_refresh(conv_ids)
    by_conversation: dict[int, list[int]] = {}
    for message, action in zip(to_hide, created, strict=True):
        by_conversation.setdefault(message.conversation_id, []).append(action.pk)
    for conv in conversations:
        if conv.pk in by_conversation:
            audit_record(
                actor=actor,
                verb="conversacion.ocultada",
                instance=conv,
                scope=conv.entity.code,
                after={"acciones": by_conversation[conv.pk]},
                reason=reason,
            )
    return len(to_hide), len(kept)
