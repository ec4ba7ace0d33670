"""``messages_ingest``: a batch of platform events stored in one transaction, in named
phases, then the steps after ingestion (agora/inbox/pipeline.py)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from agora.directory.models import AccountStatus, SocialAccount
from agora.inbox import pipeline
from agora.inbox.attachments import (
    IncomingAttachment,
    attachments_store,
    attachments_sync,
)
from agora.inbox.bulk_sql import db_bool
from agora.inbox.counts import counts_changed
from agora.inbox.deadlines import deadlines_cached
from agora.inbox.ingest.conversations import (
    _INBOUND,
    _OUTBOUND,
    _conversations_for,
    _posts_for,
    _Thread,
    _threads_of,
    posts_store,
)
from agora.inbox.ingest.events import (
    MAX_TEXT,
    IncomingMessage,
    IncomingPost,
    IngestResult,
    RefusedEvent,
    incoming_problem,
)
from agora.inbox.ingest.messages import (
    _aliases_for,
    _aliases_store,
    _insert_messages,
    _is_from_entity,
    _messages_stored,
    _refused_quarantine,
)
from agora.inbox.models import (
    Conversation,
    Message,
    MessageRevision,
)
from agora.inbox.timeline import (
    _TIMELINE_FIELDS,
    _chunks,
    _timeline_new,
    _update_many,
    conversations_apply_events,
    datetime_adapter,
)

log = logging.getLogger(__name__)


@dataclass
class _Plan:
    """What a batch does, sorted from its events before anything is written (see
    ``messages_ingest``)."""

    threads_of: dict[tuple[str, str], tuple[int, str, str]]
    thread_keys: set[tuple[int, str, str]] = field(default_factory=set)
    thread_posts: dict[tuple[int, str, str], str] = field(default_factory=dict)
    first_event: dict[tuple[int, str, str], IncomingMessage] = field(default_factory=dict)
    first_citizen: dict[tuple[int, str, str], IncomingMessage] = field(default_factory=dict)
    to_insert: dict[tuple[str, str], IncomingMessage] = field(default_factory=dict)
    edits: list[tuple[Message, IncomingMessage]] = field(default_factory=list)
    removals: list[Message] = field(default_factory=list)
    # Edits and removals of a message this batch inserts: applied once it is stored, so that
    # its first text is kept in history and an unsend in the same batch is not lost.
    followups: list[IncomingMessage] = field(default_factory=list)
    # Attachments of messages already stored (an edit that changed them, a re-read with fresher
    # addresses, a message stored before its attachments were read): brought up to date.
    known_attachments: dict[int, tuple[IncomingAttachment, ...]] = field(default_factory=dict)


@transaction.atomic
def messages_ingest(
    *,
    batch: Sequence[IncomingMessage],
    is_demo: bool = False,
    now: datetime | None = None,
    posts: Sequence[IncomingPost] = (),
    quarantine_refused: bool = True,
) -> IngestResult:
    """Stores a batch of platform events. Replays change nothing; edits keep the old text in
    history; removals mark the message as deleted on the platform and never purge it.
    ``posts`` are the entity's own publications the batch read: stored as context.

    An event whose ids do not fit whole (``incoming_problem``) is refused, never cut: it is
    listed in ``IngestResult.refused`` and, unless ``quarantine_refused`` is False (file
    imports report it on their line instead), quarantined for review; the rest is stored.

    In order: the events that can be stored; the messages already stored among them; the plan
    (new messages and their threads, edits, removals); the conversations, created with their
    timeline; the new messages and attachments; edits and removals; the timelines moved; the
    steps after ingestion (agora/inbox/pipeline.py)."""
    result = IngestResult()
    if posts:
        posts_store(posts=posts, is_demo=is_demo)
    if not batch:
        return result
    now = now or timezone.now()
    accounts = {
        a.pk: a
        for a in SocialAccount.objects.filter(
            pk__in={event.account_id for event in batch}, status=AccountStatus.VERIFICADA
        )
    }
    events = _storable(batch, accounts, result)
    if result.refused and quarantine_refused:
        _refused_quarantine(result.refused, accounts)
    # Another id of a stored message (an X post's later version) is that message.
    aliases = _aliases_for(events)
    if aliases:
        events = [
            replace(e, message_id=aliases.get((e.platform, e.message_id), e.message_id))
            for e in events
        ]
    existing = _existing_messages(events)
    plan = _Plan(
        threads_of=_threads_of(
            [
                e
                for e in events
                if (e.platform, e.message_id) not in existing and e.verb != "remove"
            ],
            aliases,
        )
    )
    _plan_events(plan, events, existing, accounts, result)
    conversations = _plan_conversations(plan, accounts, is_demo, now, result)
    by_conversation = _messages_insert(plan, conversations, accounts, is_demo, now, result)
    if plan.followups:
        _followups_resolve(plan)
    _edits_apply(plan.edits, now, result)
    if plan.removals:
        Message.objects.filter(pk__in=[m.pk for m in plan.removals]).update(deleted_at=now)
        result.deleted = len(plan.removals)
    if any(event.aliases for event in events):
        _aliases_store(events)

    redone = _conversations_settle(conversations.values(), by_conversation, now)
    result.conversation_ids = set(by_conversation)
    result.conversations_decided = {
        thread.pk
        for thread in conversations.values()
        if thread.planned is not None and thread.pk not in redone
    }
    pipeline.after_ingest(result, now=now)
    return result


def _storable(
    batch: Sequence[IncomingMessage], accounts: dict[int, SocialAccount], result: IngestResult
) -> list[IncomingMessage]:
    """The events of verified accounts whose ids fit whole; the others counted as skipped or
    listed as refused in ``result``."""
    events = []
    for event in batch:
        if event.account_id not in accounts or not event.message_id:
            result.skipped += 1
            continue
        problem = incoming_problem(event)
        if problem:
            result.refused.append(RefusedEvent(event, problem))
            continue
        events.append(event)
    return events


def _existing_messages(events: Sequence[IncomingMessage]) -> dict[tuple[str, str], Message]:
    """The batch's messages already stored, by (platform, id), in one query per chunk."""
    existing: dict[tuple[str, str], Message] = {}
    by_platform: dict[str, list[str]] = defaultdict(list)
    for event in events:
        by_platform[event.platform].append(event.message_id)
    for platform, ids in by_platform.items():
        # Which are stored, by a probe of the unique (platform, id) index; only those are
        # read as messages (none, the first time a file is imported).
        for chunk in _chunks(sorted(_messages_stored(platform, sorted(set(ids))))):
            for message in Message.objects.filter(
                platform=platform, platform_message_id__in=chunk
            ).only(
                "id",
                "conversation_id",
                "platform",
                "platform_message_id",
                "text",
                "deleted_at",
                "direction",
                "sent_at",
            ):
                existing[(message.platform, message.platform_message_id)] = message
    return existing


def _plan_events(
    plan: _Plan,
    events: Sequence[IncomingMessage],
    existing: dict[tuple[str, str], Message],
    accounts: dict[int, SocialAccount],
    result: IngestResult,
) -> None:
    """Sorts each event into the plan: a new message (and its thread), an edit, a removal, a
    follow-up of a message this batch inserts, or nothing to do (counted)."""
    for event in events:
        key = (event.platform, event.message_id)
        known = existing.get(key)
        if known is not None and event.attachments and event.verb != "remove":
            plan.known_attachments[known.pk] = event.attachments
        if known is None and key in plan.to_insert:
            if event.verb in ("edit", "remove"):
                plan.followups.append(event)
            else:
                result.unchanged += 1
        elif known is None:
            if event.verb == "remove":
                result.skipped += 1  # nothing known to mark
            else:
                _plan_new(plan, key, event, accounts[event.account_id])
        elif event.verb == "remove":
            if known.deleted_at is None:
                plan.removals.append(known)
            else:
                result.unchanged += 1
        elif event.verb == "edit":
            plan.edits.append((known, event))  # compared with the text current when applied
        else:
            result.unchanged += 1


def _plan_new(
    plan: _Plan, key: tuple[str, str], event: IncomingMessage, account: SocialAccount
) -> None:
    """A new message: to insert, in its thread, whose subject and author come from the
    earliest citizen message (pages may come newest first)."""
    thread = plan.threads_of[key]
    plan.thread_keys.add(thread)
    if event.post_id and thread not in plan.thread_posts:
        plan.thread_posts[thread] = event.post_id
    current = plan.first_event.get(thread)
    if current is None or event.sent_at < current.sent_at:
        plan.first_event[thread] = event
    if not _is_from_entity(event, account):
        earlier = plan.first_citizen.get(thread)
        if earlier is None or event.sent_at < earlier.sent_at:
            plan.first_citizen[thread] = event
    plan.to_insert[key] = event


def _plan_conversations(
    plan: _Plan,
    accounts: dict[int, SocialAccount],
    is_demo: bool,
    now: datetime,
    result: IngestResult,
) -> dict[tuple[int, str, str], _Thread]:
    """The conversations of the plan's threads, those missing created with the timeline of
    their new messages; a thread first seen through the entity's own messages gets its
    citizen now."""
    post_ids = _posts_for(
        {(thread[0], post_id) for thread, post_id in plan.thread_posts.items()},
        accounts,
        is_demo,
    )
    planned: dict[tuple[int, str, str], list[tuple[datetime, bool]]] = defaultdict(list)
    for key, event in plan.to_insert.items():
        planned[plan.threads_of[key]].append(
            (event.sent_at, _is_from_entity(event, accounts[event.account_id]))
        )
    conversations, result.conversations_created = _conversations_for(
        plan.thread_keys,
        accounts,
        plan.first_event,
        plan.first_citizen,
        is_demo,
        now,
        {thread: post_ids[(thread[0], post_id)] for thread, post_id in plan.thread_posts.items()},
        planned,
    )
    for thread, conv in conversations.items():
        citizen = plan.first_citizen.get(thread)
        if not conv.author_id and citizen is not None and citizen.author_id:
            conv.author_id = citizen.author_id
            Conversation.objects.filter(pk=conv.pk, author_id="").update(
                author_id=citizen.author_id, author_name=citizen.author_name[:200]
            )
    return conversations


def _messages_insert(
    plan: _Plan,
    conversations: dict[tuple[int, str, str], _Thread],
    accounts: dict[int, SocialAccount],
    is_demo: bool,
    now: datetime,
    result: IngestResult,
) -> dict[int, list[tuple[datetime, bool]]]:
    """Inserts the plan's new messages and their attachments, brings the attachments of
    known messages up to date; returns, by conversation, the messages this transaction
    wrote (time, outbound?): only those move the conversations' timelines and counters."""
    adapt_datetime = datetime_adapter()
    received = adapt_datetime(now)
    demo = db_bool(is_demo)
    rows: list[tuple[Any, ...]] = []
    timeline: list[tuple[tuple[str, str], int, datetime, bool]] = []
    new_attachments: list[tuple[tuple[str, str], tuple[IncomingAttachment, ...]]] = []
    for key, event in plan.to_insert.items():
        account = accounts[event.account_id]
        conv = conversations[plan.threads_of[key]]
        outbound = _is_from_entity(event, account)
        rows.append(
            (
                conv.pk,
                account.entity_id,
                event.platform,
                event.message_id,
                event.parent_id,
                _OUTBOUND if outbound else _INBOUND,
                event.author_id,
                event.author_name[:200],
                event.text[:MAX_TEXT],
                adapt_datetime(event.sent_at),
                received,
                received if event.verb == "edit" else None,
                "",
                0,
                "",
                "",
                "[]",
                "",
                demo,
            )
        )
        timeline.append((key, conv.pk, event.sent_at, outbound))
        if event.attachments:
            new_attachments.append((key, event.attachments))
    inserted = _insert_messages(rows)
    by_conversation: dict[int, list[tuple[datetime, bool]]] = defaultdict(list)
    for key, conversation_id, sent_at, outbound in timeline:
        if key in inserted:
            by_conversation[conversation_id].append((sent_at, outbound))
            result.new_keys.append(key)
    result.created = len(result.new_keys)
    result.unchanged += len(rows) - result.created
    attachments_store(
        [(inserted[key], items) for key, items in new_attachments if key in inserted],
        is_demo=is_demo,
    )
    attachments_sync(plan.known_attachments, is_demo=is_demo)
    return by_conversation


def _followups_resolve(plan: _Plan) -> None:
    """The edits and removals of messages this batch inserted, now that they are stored."""
    stored = {
        (m.platform, m.platform_message_id): m
        for m in Message.objects.filter(
            platform__in={e.platform for e in plan.followups},
            platform_message_id__in={e.message_id for e in plan.followups},
        ).only("id", "platform", "platform_message_id", "text", "deleted_at")
    }
    for event in plan.followups:
        inserted_now = stored.get((event.platform, event.message_id))
        if inserted_now is None:
            continue
        if event.verb == "edit":
            plan.edits.append((inserted_now, event))
        elif inserted_now.deleted_at is None and inserted_now not in plan.removals:
            plan.removals.append(inserted_now)


def _edits_apply(
    edits: Sequence[tuple[Message, IncomingMessage]], now: datetime, result: IngestResult
) -> None:
    """Applies the edits in order, the text replaced kept as a revision; an older edit
    delivered late or a second delivery of one already applied changes nothing."""
    revisions: dict[int, int] = {}  # earlier texts kept, by message (read when needed)
    for message, event in edits:
        if event.edit_number is not None:
            if message.pk not in revisions:
                revisions[message.pk] = MessageRevision.objects.filter(message=message).count()
            if event.edit_number <= revisions[message.pk]:
                result.unchanged += 1  # an older edit delivered late
                continue
        if event.text == message.text:  # a second delivery of an edit already applied
            result.unchanged += 1
            continue
        MessageRevision.objects.create(message=message, text=message.text, replaced_at=now)
        Message.objects.filter(pk=message.pk).update(text=event.text[:MAX_TEXT], edited_at=now)
        message.text = event.text[:MAX_TEXT]  # the next edit in the batch keeps this one
        if message.pk in revisions:
            revisions[message.pk] += 1
        result.edited += 1
        if message.pk not in result.edited_ids:
            result.edited_ids.append(message.pk)


def _conversations_settle(
    threads: Iterable[_Thread], events: dict[int, list[tuple[datetime, bool]]], now: datetime
) -> set[int]:
    """Moves the timelines of the batch's conversations by the messages it inserted
    (``events``: time, outbound?). Those it created were written with the timeline of every
    message it meant to insert: only when another writer stored one of them first (a
    concurrent delivery) is theirs written again, from the messages that counted here.
    Returns the ids of those written again."""
    existing = dict(events)
    redo: list[int] = []
    for thread in threads:
        if thread.planned is None:
            continue
        counted = existing.pop(thread.pk, [])
        if len(counted) != thread.planned:
            redo.append(thread.pk)
    if existing:
        conversations_apply_events(events=existing, now=now)  # counts changed, too
    elif events or redo:
        counts_changed()
    if redo:
        entities = dict(Conversation.objects.filter(pk__in=redo).values_list("pk", "entity_id"))
        deadlines = deadlines_cached(set(entities.values()))
        _update_many(
            [_timeline_new(pk, events.get(pk, []), deadlines[entities[pk]], now) for pk in redo],
            _TIMELINE_FIELDS,
        )
    return set(redo)


def message_ingest(*, event: IncomingMessage, is_demo: bool = False) -> IngestResult:
    """The single-message path: a batch of one."""
    return messages_ingest(batch=[event], is_demo=is_demo)
