"""Moderation actions: how one is built, and the reads of the latest ones."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from agora.core.models import User
from agora.inbox.models import (
    Message,
    ModerationAction,
    ModerationScope,
    ModerationVerb,
    PlatformResult,
)
from agora.inbox.moderation.flags import CHUNK

REASON_MAX = 300


def _action(
    message: Message,
    verb: str,
    actor: User | None,
    model_version: str,
    reason: str,
    *,
    scope: str = ModerationScope.BANDEJA,
    automatic: bool = True,
) -> ModerationAction:
    return ModerationAction(
        message_id=message.pk,
        entity_id=message.entity_id,
        action=verb,
        scope=scope,
        actor=actor,
        is_automatic=automatic,
        model_version=model_version if automatic else "",
        reason=reason[:REASON_MAX],
        platform_result=PlatformResult.PENDIENTE
        if scope == ModerationScope.PLATAFORMA
        else PlatformResult.NO_APLICA,
    )


def _last_inbox_actions(message_ids: Sequence[int]) -> dict[int, ModerationAction]:
    latest: dict[int, ModerationAction] = {}
    for start in range(0, len(message_ids), CHUNK):
        rows = ModerationAction.objects.filter(
            message_id__in=message_ids[start : start + CHUNK], scope=ModerationScope.BANDEJA
        ).order_by("created_at", "id")
        for action in rows:
            latest[action.message_id] = action
    return latest


def _platform_hidden(message_ids: Sequence[int]) -> set[int]:
    """Messages whose latest platform action is a hide that was not refused."""
    latest: dict[int, ModerationAction] = {}
    for start in range(0, len(message_ids), CHUNK):
        rows = ModerationAction.objects.filter(
            message_id__in=message_ids[start : start + CHUNK], scope=ModerationScope.PLATAFORMA
        ).order_by("created_at", "id")
        for action in rows:
            latest[action.message_id] = action
    return {
        pk
        for pk, action in latest.items()
        if action.action == ModerationVerb.OCULTAR
        and action.platform_result in (PlatformResult.PENDIENTE, PlatformResult.HECHO)
    }


def moderation_history(*, message_ids: Sequence[int]) -> dict[int, list[ModerationAction]]:
    """The moderation actions of each message (for the thread), oldest first."""
    out: dict[int, list[ModerationAction]] = defaultdict(list)
    for start in range(0, len(message_ids), CHUNK):
        rows = (
            ModerationAction.objects.filter(message_id__in=message_ids[start : start + CHUNK])
            .select_related("actor")
            .order_by("created_at", "id")
        )
        for action in rows:
            out[action.message_id].append(action)
    return out
