"""``{% classification_panel message conversation %}``: a citizen message's kind and flags
with the correction form, and its moderation (hide, show, history) in the conversation view."""

from __future__ import annotations

from typing import Any

from django import template

from agora.inbox import moderation
from agora.inbox.models import Conversation, Direction, Message, ThreatAlert
from agora.inbox.moderation_forms import FLAG_CHOICES, KIND_CHOICES, CorrectionForm
from agora.language.dismissal import dismiss_label
from agora.language.explain import Reason, explain_messages

register = template.Library()

# The conversation's keyboard shortcut for each «No es …» button (agora/static/agora/
# inbox-keys.js reads them from the buttons; agora/templates/inbox/_keys.html lists them).
DISMISS_KEYS = {"amenaza": "n", "insulto": "i", "spam": "s", "datos_personales": "d"}

KIND_LABELS = dict(KIND_CHOICES)
FLAG_LABELS = dict(FLAG_CHOICES)


@register.filter
def kind_label(value: str) -> str:
    return str(KIND_LABELS.get(value, value))


@register.filter
def flag_label(value: str) -> str:
    if value == moderation.HIDDEN_FLAG:
        return "oculto"
    return str(FLAG_LABELS.get(value, value))


@register.inclusion_tag("inbox/_classification.html", takes_context=True)
def classification_panel(
    context: dict[str, Any], message: Message, conversation: Conversation
) -> dict[str, Any]:
    flags = list(message.flags or [])
    # The history is read only where there can be one: a hidden or flagged message.
    history = (
        list(message.moderation_actions.select_related("actor").order_by("created_at", "id"))
        if message.hidden_at or {"insulto", "spam", "amenaza"} & set(flags)
        else []
    )
    form = CorrectionForm(
        initial={"tipo": message.kind or "otro", "alertas": flags}, prefix=f"m{message.pk}"
    )
    reasons = _flag_reasons(context, message)
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "message": message,
        "conversation": conversation,
        "flags": [(flag, FLAG_LABELS.get(flag, flag)) for flag in flags],
        "reasons": [
            {
                "flag": flag,
                "label": FLAG_LABELS.get(flag, flag),
                "reason": reasons.get(flag),
                "dismiss": dismiss_label(flag),
                "key": DISMISS_KEYS.get(flag, ""),
            }
            for flag in flags
        ],
        "kind": KIND_LABELS.get(message.kind, message.kind),
        "is_threat": "amenaza" in flags,
        "history": history,
        "form": form,
        "platform_allows": moderation.platform_allows(message, conversation),
    }


@register.inclusion_tag("inbox/_alert_reason.html", takes_context=True)
def alert_reason(context: dict[str, Any], alert: ThreatAlert) -> dict[str, Any]:
    """On the threat alerts page: why the message was taken for a threat, and «No es
    amenaza» while it still is one (the reasons of the whole page in one pass)."""
    page = [a.message for a in context.get("alerts") or [] if isinstance(a, ThreatAlert)]
    message = alert.message
    return {
        "csrf_token": context.get("csrf_token"),
        "alert": alert,
        "message": message,
        "reason": _flag_reasons(context, message, page).get("amenaza"),
        "is_threat": "amenaza" in (message.flags or []),
        "dismiss": dismiss_label("amenaza"),
    }


def _flag_reasons(
    context: dict[str, Any], message: Message, page: list[Message] | None = None
) -> dict[str, Reason]:
    """Why the message carries each flag. Computed once per page for every flagged citizen
    message of the thread (or of ``page``) in one pass of the model, kept on the request by
    message and flags (a correction in the same request shows the fresh flags)."""
    if not message.flags:
        return {}
    request = context.get("request")
    cache: dict[tuple[int, tuple[str, ...]], dict[str, Reason]] = (
        getattr(request, "_agora_flag_reasons", None) or {}
    )
    key = (message.pk, tuple(message.flags))
    if key not in cache:
        thread = [
            m
            for m in (page if page is not None else context.get("thread") or [])
            if isinstance(m, Message) and m.direction == Direction.ENTRANTE and m.flags
        ]
        batch = [m for m in thread if (m.pk, tuple(m.flags)) not in cache]
        if key not in {(m.pk, tuple(m.flags)) for m in batch}:
            batch.append(message)
        found = explain_messages(batch)
        for m in batch:
            cache[(m.pk, tuple(m.flags))] = found.get(m.pk, {})
        if request is not None:
            request._agora_flag_reasons = cache
    return cache[key]


def _summary(request: Any) -> moderation.HeaderSummary:
    """Read once per request, shared by the banner and the alerts link."""
    cached = getattr(request, "_agora_moderation_summary", None)
    if cached is None:
        cached = moderation.header_summary(user=request.user)
        request._agora_moderation_summary = cached
    return cached


@register.inclusion_tag("inbox/_crisis_banner.html", takes_context=True)
def crisis_banner(context: dict[str, Any]) -> dict[str, Any]:
    """The crisis banner of the signed-in person's entities (nothing when none is in crisis)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"crises": []}
    if not _summary(request).recent_flagged:
        return {"crises": []}
    return {"crises": moderation.crises_for(user=user)}


@register.inclusion_tag("inbox/_alerts_link.html", takes_context=True)
def threat_alerts_link(context: dict[str, Any]) -> dict[str, Any]:
    """The link to the threat alerts with the open count, for managers and the rector."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    summary = _summary(request)
    return {"show": summary.manages, "open": summary.open_alerts}
