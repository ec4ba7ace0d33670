"""Automatic moderation: each entity's policy applied to freshly classified (or corrected)
citizen messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.models import User
from agora.inbox.models import (
    AlertStatus,
    Direction,
    Message,
    ModerationAction,
    ModerationPolicy,
    ModerationScope,
    ModerationVerb,
    ThreatAlert,
)
from agora.inbox.moderation.actions import _action, _last_inbox_actions, _platform_hidden
from agora.inbox.moderation.flags import CHUNK, THREAT, _flag_names
from agora.inbox.moderation.platform import _enqueue_many
from agora.inbox.moderation.policy import _hide_reason_flag, platform_allows, policies_for
from agora.inbox.moderation.threats import threat_alerts_raise


def messages_moderate(
    *,
    messages: Sequence[Message],
    model_version: str,
    actor: User | None = None,
    now: datetime | None = None,
) -> dict[str, int]:
    """Applies each entity's policy to freshly classified (or corrected) citizen messages:
    hides insults and spam, shows again what the model hid and no longer flags, raises threat
    alerts. ``messages`` need id, entity_id, conversation_id, platform, direction, flags and
    hidden_at. Runs inside the caller's transaction; returns counts per outcome."""
    now = now or timezone.now()
    inbound = [m for m in messages if m.direction == Direction.ENTRANTE]
    counts = {"ocultados": 0, "mostrados": 0, "amenazas": 0, "plataforma": 0}
    if not inbound:
        return counts
    threats = [m for m in inbound if THREAT in (m.flags or [])]
    if threats:
        counts["amenazas"] = threat_alerts_raise(
            messages=threats, model_version=model_version, now=now
        )
    policies = policies_for(m.entity_id for m in inbound)
    to_hide, maybe_show = _candidates(inbound, policies)
    if not to_hide and not maybe_show:
        return counts
    to_hide, to_show = _last_word(to_hide, maybe_show, actor)
    why = _Why(actor, model_version)
    actions = _inbox_actions(to_hide, to_show, why)
    hide_ids, show_ids = _apply_in_inbox(to_hide, to_show, now)
    actions += _platform_actions(to_hide, show_ids, policies, why)
    created = ModerationAction.objects.bulk_create(actions, batch_size=500)
    platform_ids = [a.pk for a in created if a.scope == ModerationScope.PLATAFORMA]
    if platform_ids:
        _enqueue_many(platform_ids)
    counts["ocultados"] = len(hide_ids)
    counts["mostrados"] = len(show_ids)
    counts["plataforma"] = len(platform_ids)
    return counts


def _candidates(
    inbound: Sequence[Message], policies: dict[int, ModerationPolicy]
) -> tuple[list[tuple[Message, str]], list[Message]]:
    """The messages the policy would hide (with the flag that hides them) and the hidden ones
    it no longer would."""
    to_hide: list[tuple[Message, str]] = []
    maybe_show: list[Message] = []
    for message in inbound:
        reason_flag = _hide_reason_flag(message.flags or [], policies[message.entity_id])
        if reason_flag and message.hidden_at is None:
            to_hide.append((message, reason_flag))
        elif not reason_flag and message.hidden_at is not None:
            maybe_show.append(message)
    if to_hide:
        # A message under a threat alert is evidence: a later correction or an edit that
        # drops the threat flag does not hide it (as message_hide refuses to). An alert the
        # team dismissed («No es amenaza») was a false one: it protects nothing.
        alerted = set(
            ThreatAlert.objects.filter(message_id__in=[m.pk for m, _flag in to_hide])
            .exclude(status=AlertStatus.DESCARTADA)
            .values_list("message_id", flat=True)
        )
        to_hide = [(m, flag) for m, flag in to_hide if m.pk not in alerted]
    return to_hide, maybe_show


def _last_word(
    to_hide: list[tuple[Message, str]], maybe_show: list[Message], actor: User | None
) -> tuple[list[tuple[Message, str]], list[Message]]:
    """A person who showed a message again has the last word over the model (not over a
    person's own correction); so has one who hid it by hand. A threat is always in view."""
    latest = _last_inbox_actions([m.pk for m, _flag in to_hide] + [m.pk for m in maybe_show])
    to_hide = [
        (m, flag)
        for m, flag in to_hide
        if actor is not None or not (m.pk in latest and not latest[m.pk].is_automatic)
    ]
    to_show = [
        m
        for m in maybe_show
        if THREAT in (m.flags or []) or (m.pk in latest and latest[m.pk].is_automatic)
    ]
    return to_hide, to_show


@dataclass(frozen=True)
class _Why:
    """Who decided (a person's correction, or the model) for the actions' reasons."""

    actor: User | None
    model_version: str

    @property
    def who(self) -> str:
        if self.actor is not None:
            return _("corrección de %(user)s") % {"user": self.actor.get_username()}
        return _("modelo %(version)s") % {"version": self.model_version}

    def action(
        self, message: Message, verb: str, reason: str, scope: str = ModerationScope.BANDEJA
    ) -> ModerationAction:
        return _action(message, verb, self.actor, self.model_version, reason, scope=scope)

    def shown(self) -> str:
        return _("Ya no se clasifica como insulto ni spam (%(who)s).") % {"who": self.who}


def _inbox_actions(
    to_hide: list[tuple[Message, str]], to_show: list[Message], why: _Why
) -> list[ModerationAction]:
    who = why.who
    actions: list[ModerationAction] = []
    for message, flag in to_hide:
        reason = _("Clasificado como %(flag)s (%(who)s); política de la entidad.") % {
            "flag": _flag_names(flag),
            "who": who,
        }
        actions.append(why.action(message, ModerationVerb.OCULTAR, reason))
    for message in to_show:
        actions.append(why.action(message, ModerationVerb.MOSTRAR, why.shown()))
    return actions


def _apply_in_inbox(
    to_hide: list[tuple[Message, str]], to_show: list[Message], now: datetime
) -> tuple[list[int], list[int]]:
    """Hides and shows in the inbox (the rows, and the given instances); returns the ids."""
    hide_ids = [m.pk for m, _flag in to_hide]
    show_ids = [m.pk for m in to_show]
    for start in range(0, len(hide_ids), CHUNK):
        Message.objects.filter(pk__in=hide_ids[start : start + CHUNK]).update(hidden_at=now)
    for start in range(0, len(show_ids), CHUNK):
        Message.objects.filter(pk__in=show_ids[start : start + CHUNK]).update(hidden_at=None)
    for message, _flag in to_hide:
        message.hidden_at = now
    for message in to_show:
        message.hidden_at = None
    return hide_ids, show_ids


def _platform_actions(
    to_hide: list[tuple[Message, str]],
    show_ids: list[int],
    policies: dict[int, ModerationPolicy],
    why: _Why,
) -> list[ModerationAction]:
    """On the platform: hide where the policy asks and the platform allows; show again what
    we hid there."""
    platform_hide = [(m, flag) for m, flag in to_hide if policies[m.entity_id].hide_on_platform]
    platform_show = _platform_hidden(show_ids) if show_ids else set()
    wanted = {m.pk for m, _flag in platform_hide} | platform_show
    if not wanted:
        return []
    full = {m.pk: m for m in Message.objects.filter(pk__in=wanted).select_related("conversation")}
    actions: list[ModerationAction] = []
    for message, flag in platform_hide:
        target = full[message.pk]
        if platform_allows(target, target.conversation):
            reason = _(
                "Clasificado como %(flag)s (%(who)s); la política pide ocultarlo en la red social."
            ) % {"flag": _flag_names(flag), "who": why.who}
            actions.append(
                why.action(message, ModerationVerb.OCULTAR, reason, ModerationScope.PLATAFORMA)
            )
    for pk in platform_show:
        actions.append(
            why.action(full[pk], ModerationVerb.MOSTRAR, why.shown(), ModerationScope.PLATAFORMA)
        )
    return actions
