"""The inbox demo data: at least 20 entities of the three levels of government, everything
marked as demo, idempotent, and no personal data that could belong to a real person."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from agora.core.models import User
from agora.directory import public_data, services
from agora.directory.demo import accounts_create_demo
from agora.directory.models import Entity, Level, SocialAccount
from agora.inbox.demo import FAKE_DNIS, FAKE_PHONES, conversations_create_demo
from agora.inbox.models import Conversation, Direction, Message, Status, ThreadKind

LOCAL_SAMPLE = {"mp-1501", "mp-0401", "md-040102", "mp-0801", "mp-1301", "mp-2001", "mp-1601"}
# Eight or more digits, possibly grouped by spaces (a DNI has 8, a mobile phone 9).
LONG_NUMBER = re.compile(r"\d(?:[ .-]?\d){7,}")
CITIZEN_NAME = re.compile(r"^Ciudadan[ao] Demo \d+$")


@pytest.fixture
def demo_accounts(db: None) -> list[SocialAccount]:
    rows = [
        row
        for row in public_data.all_rows()
        if row["level"] in (Level.NACIONAL, Level.REGIONAL) or row["code"] in LOCAL_SAMPLE
    ]
    codes = {row["code"] for row in rows}
    for row in rows:
        if row.get("parent_code") not in codes:
            row["parent_code"] = ""
    services.entities_load(rows=rows)
    entities = (
        list(Entity.objects.filter(level=Level.NACIONAL).order_by("code")[:15])
        + list(Entity.objects.filter(level=Level.REGIONAL).order_by("code")[:8])
        + list(Entity.objects.filter(level=Level.LOCAL).order_by("code"))
    )
    verifier = User.objects.create_user(username="verificadora", is_rector=True)
    accounts_create_demo(entities=entities, verifier=verifier)
    return list(SocialAccount.objects.all())


def test_demo_conversations_cover_twenty_entities_of_every_level(
    demo_accounts: list[SocialAccount],
) -> None:
    created = conversations_create_demo(entity_limit=20, per_entity=12)

    assert created == Message.objects.count() > 0
    entity_ids = set(Conversation.objects.values_list("entity_id", flat=True))
    assert len(entity_ids) >= 20
    levels = set(Entity.objects.filter(pk__in=entity_ids).values_list("level", flat=True))
    assert levels == {Level.NACIONAL, Level.REGIONAL, Level.LOCAL}
    kinds = set(Conversation.objects.values_list("thread_kind", flat=True))
    assert {ThreadKind.COMMENTS, ThreadKind.DIRECT} <= kinds
    statuses = set(Conversation.objects.values_list("status", flat=True))
    assert {Status.NUEVO, Status.RESPONDIDO} <= statuses
    assert Message.objects.filter(direction=Direction.SALIENTE).exists()
    # Some conversations are still waiting for an answer.
    assert Conversation.objects.filter(awaiting_since__isnull=False).exists()
    now = timezone.now()
    oldest = Message.objects.order_by("sent_at").first()
    newest = Message.objects.order_by("-sent_at").first()
    assert oldest is not None and newest is not None
    assert oldest.sent_at > now - timedelta(days=47)
    assert newest.sent_at <= now


def test_everything_is_demo_and_on_verified_demo_accounts(
    demo_accounts: list[SocialAccount],
) -> None:
    conversations_create_demo(entity_limit=20, per_entity=6)

    assert not Message.objects.filter(is_demo=False).exists()
    assert not Conversation.objects.filter(is_demo=False).exists()
    assert not Conversation.objects.filter(account__is_demo=False).exists()
    assert not Conversation.objects.exclude(account__status="verificada").exists()


def test_running_again_adds_nothing(demo_accounts: list[SocialAccount]) -> None:
    first = conversations_create_demo(entity_limit=20, per_entity=6)
    ids = set(Message.objects.values_list("platform_message_id", flat=True))
    counts = (Conversation.objects.count(), Message.objects.count())

    # Even later (a reload the next day): the same seed gives the same messages.
    again = conversations_create_demo(
        entity_limit=20, per_entity=6, now=timezone.now() + timedelta(days=1)
    )

    assert first > 0
    assert again == 0
    assert (Conversation.objects.count(), Message.objects.count()) == counts
    assert set(Message.objects.values_list("platform_message_id", flat=True)) == ids


def test_no_real_looking_personal_data(demo_accounts: list[SocialAccount]) -> None:
    conversations_create_demo(entity_limit=20, per_entity=20)
    fake = set(FAKE_DNIS) | {phone.replace(" ", "") for phone in FAKE_PHONES}
    personal = 0
    for message in Message.objects.select_related("conversation__account"):
        numbers = {re.sub(r"\D", "", n) for n in LONG_NUMBER.findall(message.text)}
        assert numbers <= fake, message.text
        personal += bool(numbers)
        if message.direction == Direction.ENTRANTE:
            assert CITIZEN_NAME.match(message.author_name), message.author_name
            assert message.author_id.startswith("demo-ciudadano-")
        else:
            assert message.author_id == message.conversation.account.platform_id
    assert personal > 0  # material for the language module's personal-data filter
    for conversation in Conversation.objects.exclude(author_name=""):
        assert CITIZEN_NAME.match(conversation.author_name)


def test_deadlines_are_realistic_most_answered_in_time_recent_ones_spread(
    demo_accounts: list[SocialAccount],
) -> None:
    """Issue #13: not every demo conversation overdue. Loaded on a Wednesday morning: a
    minority overdue, some due within two hours, some later, most answered."""
    from datetime import UTC, datetime

    now = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)  # 10:00 in Lima, a working Wednesday
    conversations_create_demo(entity_limit=20, per_entity=30, now=now)
    demo = Conversation.objects.all()
    total = demo.count()
    overdue = demo.filter(due_at__lt=now).count()
    soon = demo.filter(due_at__gte=now, due_at__lt=now + timedelta(hours=2)).count()
    later = demo.filter(due_at__gte=now + timedelta(hours=2)).count()
    answered = demo.filter(first_response_at__isnull=False).count()
    assert overdue < total * 0.25
    assert soon > 0 and later > 0
    assert answered > total * 0.6
    # Comment threads: one citizen thread each, several of them under the same post.
    comments = demo.filter(thread_kind=ThreadKind.COMMENTS)
    assert comments.exists()
    assert not comments.filter(post__isnull=True).exists()
    assert comments.values("post").distinct().count() < comments.count()
