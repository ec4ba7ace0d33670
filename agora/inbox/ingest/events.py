"""The events connectors hand to ingestion (a message, the entity's own post), why one
cannot be stored whole, and what a batch did."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from agora.inbox.attachments import (
    IncomingAttachment,
)
from agora.inbox.models import (
    PLATFORM_ID_MAX,
    Message,
)
from agora.inbox.timeline import (
    _chunks,
)

log = logging.getLogger(__name__)


MAX_TEXT = 20_000


@dataclass(frozen=True)
class IncomingMessage:
    """One platform event about a message, already parsed by a connector."""

    platform: str
    account_id: int
    thread_kind: str
    thread_id: str
    message_id: str
    sent_at: datetime
    text: str = ""
    author_id: str = ""
    author_name: str = ""
    parent_id: str = ""
    verb: str = "add"  # add | edit | remove
    subject: str = ""
    from_entity: bool | None = None  # None: decided by comparing author and account ids
    # The entity's publication a comment (or a reply to one of the entity's posts) hangs on:
    # the conversation's context, never one of its messages.
    post_id: str = ""
    # For an edit, the platform's count of edits so far (Messenger and Instagram num_edit): an
    # older edit delivered late never replaces a newer text.
    edit_number: int | None = None
    # Photos, videos, files, locations, links, … (agora/inbox/attachments.py), in order.
    attachments: tuple[IncomingAttachment, ...] = ()
    # Other platform ids of the same message (X: the later versions of an edited post, from
    # ``edit_history_tweet_ids``): stored as ``MessageAlias`` so that they find it later.
    aliases: tuple[str, ...] = ()


def incoming_problem(event: IncomingMessage) -> str:
    """Why an event cannot be stored whole (a Spanish reason), or "" when it can. Ids are
    never cut: a cut id would never match the platform's again (answers, edits, unsends)."""
    if not event.message_id:
        return _("Falta el id del mensaje.")
    if (
        len(event.message_id) <= PLATFORM_ID_MAX
        and len(event.thread_id) <= PLATFORM_ID_MAX
        and len(event.parent_id) <= PLATFORM_ID_MAX
        and len(event.author_id) <= PLATFORM_ID_MAX
        and len(event.post_id) <= PLATFORM_ID_MAX
        and not event.aliases
    ):
        return ""  # the hot path of ingestion: every event of a file import passes here twice
    longest = max(
        len(event.message_id),
        len(event.thread_id),
        len(event.parent_id),
        len(event.author_id),
        len(event.post_id),
        *(len(alias) for alias in event.aliases),
    )
    if longest <= PLATFORM_ID_MAX:
        return ""  # the hot path of ingestion: no translated text built
    fields = [
        (_("el id del mensaje"), event.message_id),
        (_("el id del hilo"), event.thread_id),
        (_("el id del mensaje al que responde"), event.parent_id),
        (_("el id del autor"), event.author_id),
        (_("el id de la publicación"), event.post_id),
        *((_("otro id del mensaje"), alias) for alias in event.aliases),
    ]
    for name, value in fields:
        if len(value) > PLATFORM_ID_MAX:
            return _(
                "Se rechaza el evento: %(field)s tiene %(length)s caracteres y el máximo que "
                "se guarda entero es %(max)s (nunca se recorta)."
            ) % {"field": name, "length": len(value), "max": PLATFORM_ID_MAX}
    return ""


@dataclass(frozen=True)
class RefusedEvent:
    """An event ingestion refused (an id too long to store whole), with the reason."""

    event: IncomingMessage
    reason: str


@dataclass(frozen=True)
class IncomingPost:
    """The entity's own publication, read by a connector: stored as context (``Post``)."""

    platform: str
    account_id: int
    post_id: str
    text: str = ""
    url: str = ""
    posted_at: datetime | None = None


@dataclass
class IngestResult:
    created: int = 0
    edited: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: int = 0
    conversations_created: int = 0
    conversation_ids: set[int] = field(default_factory=set)
    # The conversations this batch created whose row was written with every message it counts
    # and the rules' priority (agora/inbox/priority.py) at the batch's clock.
    conversations_decided: set[int] = field(default_factory=set)
    # (platform, platform message id) of the messages this batch inserted, and the ids of the
    # messages whose text it changed: what the language and reports modules read next.
    new_keys: list[tuple[str, str]] = field(default_factory=list)
    edited_ids: list[int] = field(default_factory=list)
    # Events refused whole (never cut), each with its Spanish reason; the rest of the batch
    # is stored. Also quarantined for review unless the caller reports them itself.
    refused: list[RefusedEvent] = field(default_factory=list)

    def __iadd__(self, other: IngestResult) -> IngestResult:
        for name in ("created", "edited", "deleted", "unchanged", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.conversations_created += other.conversations_created
        self.conversation_ids |= other.conversation_ids
        self.conversations_decided |= other.conversations_decided
        self.new_keys += other.new_keys
        self.edited_ids += other.edited_ids
        self.refused += other.refused
        return self

    def message_ids(self) -> list[int]:
        """Ids of the messages inserted or edited by the batch (one query per chunk)."""
        ids = list(self.edited_ids)
        by_platform: dict[str, list[str]] = defaultdict(list)
        for platform, platform_message_id in self.new_keys:
            by_platform[platform].append(platform_message_id)
        for platform, keys in by_platform.items():
            for chunk in _chunks(keys):
                ids.extend(
                    Message.objects.filter(
                        platform=platform, platform_message_id__in=chunk
                    ).values_list("id", flat=True)
                )
        return sorted(set(ids))
