"""Template filters of triage: a conversation's masked title (agora/inbox/titles.py)."""

from __future__ import annotations

from django import template

from agora.inbox.titles import conversation_title

register = template.Library()


@register.filter
def masked_title(subject: str, limit: int = 0) -> str:
    return conversation_title(subject or "", limit=int(limit))
