"""More of the split of issue #13 (``agora.inbox.split``): labels and an earlier breach alarm
follow every part, and a conversation that held only the entity's post goes away."""

from __future__ import annotations

from django.utils import timezone

from agora.directory.models import SocialAccount
from agora.inbox import models as m
from agora.inbox.split import conversations_split
from tests.inbox.test_split import MODELS, T0, _old_style


def test_labels_and_the_breach_alarm_follow_every_part(verified_account: SocialAccount) -> None:
    conv = _old_style(verified_account)
    label = m.Label.objects.create(entity_id=verified_account.entity_id, name="vacunas")
    conv.labels.add(label)
    m.Conversation.objects.filter(pk=conv.pk).update(breached_at=T0)
    conversations_split(MODELS, now=timezone.now())
    parts = list(m.Conversation.objects.order_by("thread_id"))
    assert [p.thread_id for p in parts] == ["c1", "c2", "c3"]
    for part in parts:
        assert list(part.labels.all()) == [label]
    # Overdue parts keep the alarm already raised (no second one); the answered one has none.
    assert [p.breached_at for p in parts] == [None, T0, T0]


def test_a_conversation_with_only_the_post_goes_away(verified_account: SocialAccount) -> None:
    conv = m.Conversation.objects.create(
        entity_id=verified_account.entity_id,
        account=verified_account,
        platform=verified_account.platform,
        thread_kind=m.ThreadKind.COMMENTS,
        thread_id="post9",
        subject="Solo la publicación",
        status=m.Status.ABIERTO,
    )
    m.Message.objects.create(
        conversation=conv,
        entity_id=verified_account.entity_id,
        platform=verified_account.platform,
        platform_message_id="post9",
        direction=m.Direction.SALIENTE,
        author_id="page",
        text="texto post9",
        sent_at=T0,
    )
    assert conversations_split(MODELS, now=timezone.now()) == {verified_account.entity_id}
    assert not m.Conversation.objects.exists()
    assert not m.Message.objects.exists()
    assert m.Post.objects.get().platform_post_id == "post9"
