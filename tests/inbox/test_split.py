"""The data migration of issue #13: a conversation that held a whole post's comments (built
the old way) becomes one conversation per top-level comment, the post becomes context."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from agora.core.models import User
from agora.directory.models import SocialAccount
from agora.inbox import models as m
from agora.inbox import services
from agora.inbox.split import SplitModels, conversations_split

T0 = datetime(2024, 5, 6, 14, tzinfo=UTC)
MODELS = SplitModels(
    Conversation=m.Conversation,
    Message=m.Message,
    Post=m.Post,
    ThreatAlert=m.ThreatAlert,
    DeadlineBreach=m.DeadlineBreach,
    ResponsePolicy=m.ResponsePolicy,
    NonWorkingDay=m.NonWorkingDay,
)


def _old_style(account: SocialAccount) -> m.Conversation:
    """As ingestion stored it before: thread = the post, the post is the entity's message."""
    conv = m.Conversation.objects.create(
        entity_id=account.entity_id,
        account=account,
        platform=account.platform,
        thread_kind=m.ThreadKind.COMMENTS,
        thread_id="post1",
        subject="Campaña de vacunación",
        author_id="1",
        status=m.Status.ABIERTO,
    )

    def add(
        pid: str, minutes: int, direction: str, parent: str = "", author: str = ""
    ) -> m.Message:
        return m.Message.objects.create(
            conversation=conv,
            entity_id=account.entity_id,
            platform=account.platform,
            platform_message_id=pid,
            parent_platform_id=parent,
            direction=direction,
            author_id=author,
            author_name=f"Persona {author}",
            text=f"texto {pid}",
            sent_at=T0 + timedelta(minutes=minutes),
        )

    add("post1", -60, m.Direction.SALIENTE, author="page")
    add("c1", 0, m.Direction.ENTRANTE, author="1")
    add("r1", 10, m.Direction.SALIENTE, parent="c1", author="page")
    add("c2", 20, m.Direction.ENTRANTE, author="2")
    add("c2r", 25, m.Direction.ENTRANTE, parent="c2", author="3")
    add("c3", 30, m.Direction.ENTRANTE, author="4")
    threat = add("c3b", 31, m.Direction.ENTRANTE, parent="c3", author="4")
    m.ThreatAlert.objects.create(entity_id=account.entity_id, conversation=conv, message=threat)
    m.DeadlineBreach.objects.create(
        conversation=conv,
        entity_id=account.entity_id,
        kind=m.BreachKind.SIGUIENTE,
        due_at=T0 + timedelta(hours=9),
    )
    return conv


def test_a_post_conversation_splits_into_one_per_top_level_comment(
    verified_account: SocialAccount, communicator: User
) -> None:
    conv = _old_style(verified_account)
    touched = conversations_split(MODELS, now=timezone.now())

    assert touched == {verified_account.entity_id}
    assert not m.Message.objects.filter(platform_message_id="post1").exists()
    post = m.Post.objects.get()
    assert (post.platform_post_id, post.text) == ("post1", "texto post1")
    threads = {c.thread_id: c for c in m.Conversation.objects.all()}
    assert set(threads) == {"c1", "c2", "c3"}
    # The earliest citizen thread keeps the conversation's id.
    assert threads["c1"].pk == conv.pk
    for thread_id, expected in {
        "c1": {"c1", "r1"},
        "c2": {"c2", "c2r"},
        "c3": {"c3", "c3b"},
    }.items():
        part = threads[thread_id]
        assert set(part.messages.values_list("platform_message_id", flat=True)) == expected
        assert part.post == post
        assert part.message_count == len(expected)
        assert part.subject == f"texto {thread_id}"
    assert threads["c1"].status == m.Status.RESPONDIDO
    assert threads["c1"].awaiting_since is None
    assert threads["c2"].author_id == "2"
    assert threads["c2"].awaiting_since == T0 + timedelta(minutes=20)
    assert threads["c2"].due_at is not None
    # The threat alert and the breach follow their message's thread.
    assert m.ThreatAlert.objects.get().conversation == threads["c3"]
    assert m.DeadlineBreach.objects.get().conversation == threads["c3"]
    # The split threads are answered one by one.
    answer = services.message_answer(conversation=threads["c2"], author=communicator, body="Hola")
    assert answer.parent_platform_id == "c2r"


def test_running_the_split_again_changes_nothing(verified_account: SocialAccount) -> None:
    _old_style(verified_account)
    conversations_split(MODELS, now=timezone.now())
    before = list(m.Conversation.objects.order_by("pk").values())
    assert conversations_split(MODELS, now=timezone.now()) == set()
    assert list(m.Conversation.objects.order_by("pk").values()) == before
