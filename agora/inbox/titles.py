"""A conversation's title as staff see it outside the conversation (list rows, notifications,
exports, the page heading, the author's history): the citizen's first message with DNI
numbers, phone numbers, e-mails, plates, home addresses and handles masked
(the language app's rules, registered in ``agora.core.registries``; the same masking
reports use). The full text
stays in the thread, which only the entity's staff open."""

from __future__ import annotations

from django.utils.text import Truncator
from django.utils.translation import gettext as _

from agora.core.registries import mask_personal_data


def conversation_title(subject: str, *, limit: int = 0) -> str:
    """The masked subject ("(sin texto)" when empty), cut to ``limit`` characters if given.
    Masked before cutting, so that a cut never leaves half a number readable."""
    if not subject:
        return _("(sin texto)")
    masked = mask_personal_data(subject)
    return Truncator(masked).chars(limit) if limit else masked
