"""Ingestion of edits and removals that arrive in the same batch as the message they change
(an Instagram DM sent and unsent, an X post and its edit on one page): the message is stored,
then changed, with the earlier text kept (issue 14, points 1 and 3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agora.directory.models import SocialAccount
from agora.inbox import services as inbox
from agora.inbox.models import Message, MessageAlias, MessageRevision, ThreadKind

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
LONG = "aWdfbWVzc2FnZV9pdGVt" + "Q" * 150  # an Instagram-length id


def _event(
    account: SocialAccount, verb: str, text: str, minutes: int, **extra: object
) -> inbox.IncomingMessage:
    return inbox.IncomingMessage(
        platform=account.platform,
        account_id=account.pk,
        thread_kind=ThreadKind.DIRECT,
        thread_id="citizen-1",
        message_id=extra.pop("message_id", LONG),  # type: ignore[arg-type]
        sent_at=T0 + timedelta(minutes=minutes),
        text=text,
        author_id="citizen-1",
        verb=verb,
        **extra,  # type: ignore[arg-type]
    )


def test_a_message_edited_and_unsent_within_one_batch(verified_account: SocialAccount) -> None:
    result = inbox.messages_ingest(
        batch=[
            _event(verified_account, "add", "Hola", 0),
            _event(verified_account, "edit", "Hola, buenos días", 1),
            _event(verified_account, "remove", "", 2),
        ]
    )
    assert (result.created, result.edited, result.deleted) == (1, 1, 1)
    message = Message.objects.get()
    assert message.platform_message_id == LONG
    assert message.text == "Hola, buenos días"
    assert message.deleted_at is not None
    assert list(MessageRevision.objects.values_list("text", flat=True)) == ["Hola"]


def test_two_edits_of_a_stored_message_keep_each_earlier_text(
    verified_account: SocialAccount,
) -> None:
    inbox.messages_ingest(batch=[_event(verified_account, "add", "uno", 0)])
    result = inbox.messages_ingest(
        batch=[
            _event(verified_account, "edit", "dos", 1),
            _event(verified_account, "edit", "tres", 2),
        ]
    )
    assert result.edited == 2
    assert Message.objects.get().text == "tres"
    assert list(MessageRevision.objects.values_list("text", flat=True)) == ["uno", "dos"]


def test_another_id_of_a_message_finds_it(verified_account: SocialAccount) -> None:
    inbox.messages_ingest(batch=[_event(verified_account, "add", "uno", 0, aliases=("v2",))])
    assert MessageAlias.objects.get().alias_id == "v2"
    # The later id, arriving on its own, is the same message: nothing new.
    result = inbox.messages_ingest(
        batch=[_event(verified_account, "edit", "uno (editado)", 1, message_id="v2")]
    )
    assert (result.created, result.edited) == (0, 1)
    assert Message.objects.get().text == "uno (editado)"
