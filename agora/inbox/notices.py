"""How a notification names the conversation it is about: "Conversación #123 · Facebook ·
MINSA: «¿Dónde me vacuno…»", with personal data masked. The e-mail copy leaves Ágora, so it
names the conversation without quoting the citizen (``quote=False``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from agora.core.registries import mask_personal_data
from agora.inbox.models import Conversation

SNIPPET = 40


def conversation_notice_label(conversation: Conversation, *, quote: bool = True) -> str:
    entity = conversation.entity
    title = " ".join(mask_personal_data(conversation.subject or "").split())
    if len(title) > SNIPPET:
        title = title[: SNIPPET - 1].rstrip() + "…"
    label = _("Conversación #%(id)s · %(platform)s · %(entity)s") % {
        "id": conversation.pk,
        "platform": conversation.get_platform_display(),
        "entity": entity.acronym or entity.name,
    }
    if title and quote:
        label = _("%(label)s: «%(title)s»") % {"label": label, "title": title}
    return label


def conversation_notice(text: str, conversation: Conversation, *, quote: bool = True) -> str:
    """``text`` followed by the conversation's label."""
    return _("%(text)s %(conversation)s") % {
        "text": text,
        "conversation": conversation_notice_label(conversation, quote=quote),
    }
