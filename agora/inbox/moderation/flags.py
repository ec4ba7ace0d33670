"""The moderation flags, and a conversation's kind and flags from its citizen messages'."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import gettext as _

from agora.inbox.counts import counts_changed
from agora.inbox.models import (
    Conversation,
    Direction,
    Message,
)

INSULT, SPAM, THREAT = "insulto", "spam", "amenaza"
# Pseudo-flag of a conversation whose every citizen message is hidden: the default inbox
# view leaves it out; the "mostrar ocultos" filter brings it back, marked.
HIDDEN_FLAG = "oculto"
CRISIS_FLAGS = (INSULT, THREAT)
CHUNK = 500


def _flag_match(flag: str) -> Q:
    # flags is a JSON list of fixed slugs: a quoted match works on SQLite and PostgreSQL.
    return Q(flags__icontains=f'"{flag}"')


def _flag_names(flag: str) -> str:
    return {INSULT: _("insulto"), SPAM: _("spam")}.get(flag, flag)


def conversations_flags_refresh(conversation_ids: Iterable[int]) -> None:
    """Kind of each conversation = its latest classified citizen message's kind; flags = the
    union of its citizen messages' flags, plus ``oculto`` when every one of them is hidden."""
    ids = sorted(set(conversation_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        kind: dict[int, str] = {}
        flags: dict[int, set[str]] = defaultdict(set)
        visible: dict[int, bool] = defaultdict(bool)
        rows = (
            Message.objects.filter(conversation_id__in=chunk, direction=Direction.ENTRANTE)
            .order_by("conversation_id", "sent_at", "id")
            .values_list("conversation_id", "kind", "flags", "hidden_at")
        )
        for conversation_id, message_kind, message_flags, hidden_at in rows.iterator(
            chunk_size=2_000
        ):
            if message_kind:
                kind[conversation_id] = message_kind
            flags[conversation_id].update(message_flags or [])
            visible[conversation_id] |= hidden_at is None
        conversations = list(
            Conversation.objects.filter(pk__in=list(visible)).only("id", "kind", "flags", "hidden")
        )
        changed = []
        for conversation in conversations:
            new_flags = set(flags[conversation.pk])
            hidden = not visible[conversation.pk]
            if hidden:
                new_flags.add(HIDDEN_FLAG)
            new_kind = kind.get(conversation.pk, conversation.kind)
            if (
                sorted(new_flags) != list(conversation.flags or [])
                or new_kind != conversation.kind
                or hidden != conversation.hidden
            ):
                conversation.kind = new_kind
                conversation.flags = sorted(new_flags)
                conversation.hidden = hidden
                changed.append(conversation)
        if changed:
            Conversation.objects.bulk_update(changed, ["kind", "flags", "hidden"], batch_size=500)
            counts_changed()
