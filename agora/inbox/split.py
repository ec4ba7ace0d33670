"""Splits the conversations stored before issue #13 (one per post: every citizen commenting on
it, or every reply under one X post) into one conversation per citizen thread, with the
entity's post moved out of the messages into the thread's context (``Post``).

Written against the models it is given, so that the data migration runs it on historical
models (``apps.get_model``); timelines are recomputed by the same code as ingestion
(:func:`agora.inbox.services.conversation_timeline_replay`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from agora.inbox.deadlines import DEFAULTS, Deadlines, _deadlines

CHUNK = 200
SPLIT_KINDS = ("comentarios", "mencion")
ENTRANTE, SALIENTE, NOTA = "entrante", "saliente", "nota"
_COPIED = (
    "entity_id",
    "account_id",
    "platform",
    "thread_kind",
    "priority",
    "assignee_id",
    "status",
    "resolved_at",
    "escalated_at",
    "is_demo",
)


@dataclass
class SplitModels:
    Conversation: Any
    Message: Any
    Post: Any
    ThreatAlert: Any
    DeadlineBreach: Any
    ResponsePolicy: Any
    NonWorkingDay: Any


def _deadlines_by_entity(models: SplitModels, entity_ids: Iterable[int]) -> dict[int, Deadlines]:
    ids = set(entity_ids)
    base = models.ResponsePolicy.objects.filter(entity__isnull=True).first()
    if base is None:
        base = models.ResponsePolicy(entity=None, **DEFAULTS)
    own = {p.entity_id: p for p in models.ResponsePolicy.objects.filter(entity_id__in=ids)}
    closed: dict[int, list[date]] = defaultdict(list)
    for entity_id, day in models.NonWorkingDay.objects.filter(entity_id__in=ids).values_list(
        "entity_id", "day"
    ):
        closed[entity_id].append(day)
    return {i: _deadlines(own.get(i) or base, base, closed[i]) for i in ids}


def _counts(message: Any) -> bool:
    if message.direction == ENTRANTE:
        return True
    return message.direction == SALIENTE and message.send_status in ("", "enviado")


def _root(message: Any, by_id: dict[str, Any], thread_id: str, post: Any) -> str:
    """The thread a message belongs to: its top-level ancestor among the stored messages,
    or the id of a parent that is neither stored nor the post."""
    current = message
    for _level in range(50):
        parent_id = current.parent_platform_id
        parent = by_id.get(parent_id) if parent_id else None
        if parent is not None and parent is not post and parent is not current:
            current = parent
            continue
        if parent_id and parent is None and parent_id != thread_id:
            return str(parent_id)
        break
    return str(current.platform_message_id)


def _groups(conv: Any, messages: list[Any], post: Any) -> list[tuple[str, list[Any]]]:
    by_id = {m.platform_message_id: m for m in messages}
    groups: dict[str, list[Any]] = defaultdict(list)
    loose: list[Any] = []  # notes and answers with no parent: placed by time below
    for message in messages:
        if message is post:
            continue
        if message.direction == NOTA or (
            message.direction == SALIENTE and not message.parent_platform_id
        ):
            loose.append(message)
            continue
        groups[_root(message, by_id, conv.thread_id, post)].append(message)

    def first_citizen(items: list[Any]) -> tuple[int, datetime, int]:
        inbound = [m for m in items if m.direction == ENTRANTE]
        first = min(inbound or items, key=lambda m: (m.sent_at, m.pk))
        return (0 if inbound else 1, first.sent_at, first.pk)

    ordered = sorted(groups.items(), key=lambda item: first_citizen(item[1]))
    if not ordered:
        return [(conv.thread_id, loose)] if loose else []
    for message in loose:
        # The thread whose citizen wrote last before the note or answer.
        best = ordered[0][1]
        best_time = None
        for _key, items in ordered:
            for m in items:
                if (
                    m.direction == ENTRANTE
                    and m.sent_at <= message.sent_at
                    and (best_time is None or m.sent_at > best_time)
                ):
                    best, best_time = items, m.sent_at
        best.append(message)
    return ordered


def _post_for(models: SplitModels, conv: Any, post: Any, cache: dict[tuple[int, str], Any]) -> Any:
    key = (conv.account_id, conv.thread_id)
    if key in cache:
        return cache[key]
    row = models.Post.objects.filter(
        account_id=conv.account_id, platform_post_id=conv.thread_id
    ).first()
    if row is None:
        row = models.Post.objects.create(
            entity_id=conv.entity_id,
            account_id=conv.account_id,
            platform=conv.platform,
            platform_post_id=conv.thread_id,
            text=post.text if post is not None else "",
            posted_at=post.sent_at if post is not None else None,
            is_demo=conv.is_demo,
        )
    elif post is not None and not row.text:
        row.text, row.posted_at = post.text, post.sent_at
        row.save(update_fields=["text", "posted_at"])
    cache[key] = row
    return row


def _describe(part: Any, items: list[Any]) -> None:
    inbound = sorted((m for m in items if m.direction == ENTRANTE), key=lambda m: (m.sent_at, m.pk))
    if inbound:
        first = inbound[0]
        part.subject = (first.text or "")[:300]
        part.author_id = first.author_id
        part.author_name = first.author_name
        part.kind = first.kind
        flags: set[str] = set()
        for m in inbound:
            flags.update(m.flags or [])
        part.flags = sorted(flags)
        part.hidden = all(m.hidden_at is not None for m in inbound)


def conversations_split(
    models: SplitModels, *, now: datetime, ids: Iterable[int] | None = None
) -> set[int]:
    """Splits every comment or mention conversation holding more than one citizen thread
    (or the entity's post as a message). Returns the ids of the entities touched: their
    report rollups must be rebuilt. Running it again changes nothing."""
    Conversation, Message = models.Conversation, models.Message
    query = Conversation.objects.filter(thread_kind__in=SPLIT_KINDS)
    if ids is not None:
        query = query.filter(pk__in=list(ids))
    conv_ids = list(query.order_by("pk").values_list("pk", flat=True))
    touched: set[int] = set()
    post_cache: dict[tuple[int, str], Any] = {}
    for start in range(0, len(conv_ids), CHUNK):
        chunk = list(Conversation.objects.filter(pk__in=conv_ids[start : start + CHUNK]))
        deadlines = _deadlines_by_entity(models, {c.entity_id for c in chunk})
        by_conv: dict[int, list[Any]] = defaultdict(list)
        for message in Message.objects.filter(conversation_id__in=[c.pk for c in chunk]).order_by(
            "sent_at", "pk"
        ):
            by_conv[message.conversation_id].append(message)
        for conv in chunk:
            if _split_one(
                models, conv, by_conv[conv.pk], deadlines[conv.entity_id], now, post_cache
            ):
                touched.add(conv.entity_id)
    return touched


def _split_one(
    models: SplitModels,
    conv: Any,
    messages: list[Any],
    deadlines: Deadlines,
    now: datetime,
    post_cache: dict[tuple[int, str], Any],
) -> bool:
    post = next(
        (
            m
            for m in messages
            if m.platform_message_id == conv.thread_id and m.direction == SALIENTE
        ),
        None,
    )
    groups = _groups(conv, messages, post)
    comments = conv.thread_kind == "comentarios"
    if _already_one_thread(conv, groups, post, comments):
        return False
    context = _post_for(models, conv, post, post_cache) if comments else None
    original_breached = conv.breached_at
    labels = list(conv.labels.all()) if hasattr(conv, "labels") else []
    breaches = list(models.DeadlineBreach.objects.filter(conversation_id=conv.pk))
    parts = _parts(models, conv, groups, context)
    if not parts:
        _drop_post_only(models, conv, post)
        return True
    for part, items in parts:
        _part_save(models, conv, part, items, deadlines, now, original_breached, labels)
    for breach in breaches:
        _breach_move(models, breach, _breach_target(breach, parts, conv))
    if post is not None:
        models.Message.objects.filter(pk=post.pk).delete()
    return True


def _already_one_thread(
    conv: Any, groups: list[tuple[str, list[Any]]], post: Any, comments: bool
) -> bool:
    """No post to take out, one citizen thread (named by its first message), and a comment
    thread already tied to its post: nothing to split."""
    return (
        post is None
        and len(groups) <= 1
        and (not comments or conv.post_id)
        and (not groups or groups[0][0] == conv.thread_id)
    )


def _parts(
    models: SplitModels, conv: Any, groups: list[tuple[str, list[Any]]], context: Any
) -> list[tuple[Any, list[Any]]]:
    """A conversation per citizen thread: the first keeps ``conv``; a later one joins the
    conversation that already has its thread, or is a new one."""
    Conversation = models.Conversation
    parts: list[tuple[Any, list[Any]]] = []
    for index, (root, items) in enumerate(groups):
        clash = (
            Conversation.objects.filter(
                account_id=conv.account_id, thread_kind=conv.thread_kind, thread_id=root
            )
            .exclude(pk=conv.pk)
            .first()
        )
        if index == 0:
            part = conv
            if clash is None:
                part.thread_id = root
        elif clash is not None:
            part = clash
        else:
            part = Conversation(
                **{name: getattr(conv, name) for name in _COPIED},
                thread_id=root,
                created_at=conv.created_at,
            )
        if context is not None:
            part.post_id = context.pk
        _describe(part, items)
        parts.append((part, items))
    return parts


def _drop_post_only(models: SplitModels, conv: Any, post: Any) -> None:
    """Only the entity's post: no citizen thread to keep."""
    if post is not None:
        models.Message.objects.filter(pk=post.pk).delete()
    if not models.Message.objects.filter(conversation_id=conv.pk).exists():
        models.Conversation.objects.filter(pk=conv.pk).delete()


def _part_save(
    models: SplitModels,
    conv: Any,
    part: Any,
    items: list[Any],
    deadlines: Deadlines,
    now: datetime,
    original_breached: datetime | None,
    labels: list[Any],
) -> None:
    """Replays a part's timeline (with the messages it already had), saves it and moves its
    messages and their threat alerts to it."""
    Message = models.Message
    events = [(m.sent_at, m.direction == SALIENTE) for m in items if _counts(m)]
    if part.pk is not None and part is not conv:
        events += [
            (m.sent_at, m.direction == SALIENTE)
            for m in Message.objects.filter(conversation_id=part.pk)
            if _counts(m) and m not in items
        ]
    from agora.inbox.services import conversation_timeline_replay

    conversation_timeline_replay(part, events, deadlines, now)
    if part.due_at is not None and part.due_at < now and original_breached is not None:
        part.breached_at = original_breached  # already told once: no second alarm
    part.save()
    if labels and part is not conv:
        part.labels.add(*labels)
    ids = [m.pk for m in items]
    for i in range(0, len(ids), 500):
        Message.objects.filter(pk__in=ids[i : i + 500]).update(conversation_id=part.pk)
        models.ThreatAlert.objects.filter(message_id__in=ids[i : i + 500]).update(
            conversation_id=part.pk
        )


def _breach_target(breach: Any, parts: list[tuple[Any, list[Any]]], conv: Any) -> Any:
    """The part whose latest citizen message before the breach's due time is the latest."""
    target = parts[0][0] if parts else conv
    latest = None
    for part, items in parts:
        for m in items:
            if (
                m.direction == ENTRANTE
                and m.sent_at <= breach.due_at
                and (latest is None or m.sent_at > latest)
            ):
                target, latest = part, m.sent_at
    return target


def _breach_move(models: SplitModels, breach: Any, target: Any) -> None:
    """The breach follows the thread it was about (unless that one already has the same)."""
    if target.pk == breach.conversation_id:
        return
    clash = models.DeadlineBreach.objects.filter(
        conversation_id=target.pk, kind=breach.kind, due_at=breach.due_at
    ).exists()
    if not clash:
        models.DeadlineBreach.objects.filter(pk=breach.pk).update(conversation_id=target.pk)
