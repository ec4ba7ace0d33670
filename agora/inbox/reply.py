"""Which citizen message an answer targets (reply-to) as the conversation view shows it."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from agora.core.errors import DomainError
from agora.inbox.models import Conversation, Direction, Message


def masked_name(name: str) -> str:
    """First name and initials: enough to tell citizens apart in a thread, no full name."""
    words = name.split()
    if not words:
        return _("la persona")
    return " ".join([words[0], *(f"{w[0]}." for w in words[1:])])


def reply_targets(thread: Sequence[Message]) -> list[Message]:
    """The messages an answer may target: the citizen's, not deleted on the platform."""
    return [m for m in thread if m.direction == Direction.ENTRANTE and m.deleted_at is None]


def reply_target_pick(thread: Sequence[Message], raw: str | None) -> Message | None:
    """The chosen target (``responder_a``) when it is one of the thread's, else the latest."""
    targets = reply_targets(thread)
    if raw and raw.isdigit():
        chosen = next((m for m in targets if m.pk == int(raw)), None)
        if chosen is not None:
            return chosen
    return max(targets, key=lambda m: (m.sent_at, m.pk)) if targets else None


def reply_target_parse(conversation: Conversation, raw: str | None) -> Message | None:
    """The message named by the answer form; None (the default target) when none is named.
    The service checks that it is a live citizen message of this conversation."""
    if not raw:
        return None
    message = (
        Message.objects.filter(pk=int(raw), conversation_id=conversation.pk).first()
        if raw.isdigit() and len(raw) < 19
        else None
    )
    if message is None:
        raise DomainError(_("El mensaje al que responde no es de esta conversación."))
    return message
