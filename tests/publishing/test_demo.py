"""Publishing's demo data: marked demo, posts in every status, one due in minutes, published
ones known to the inbox, a crisis manual; loading it twice adds nothing."""

from __future__ import annotations

import pytest

from agora.core.models import User
from agora.directory.models import SocialAccount
from agora.publishing.demo import publishing_create_demo
from agora.publishing.models import (
    ContentPlan,
    CrisisManual,
    PlannedPost,
    PostStatus,
    PostVariant,
    PublishingSettings,
)


@pytest.mark.django_db
def test_the_demo_has_every_status_and_is_idempotent(
    demo_account: SocialAccount, manager: User, communicator: User
) -> None:
    assert publishing_create_demo() == 7
    assert publishing_create_demo() == 0
    posts = PlannedPost.objects.all()
    assert set(posts.values_list("status", flat=True)) == set(PostStatus.values)
    assert all(p.is_demo for p in posts) and ContentPlan.objects.get().is_demo
    scheduled = posts.get(status=PostStatus.PROGRAMADO)
    assert scheduled.author == communicator and scheduled.paused_at is None
    for variant in PostVariant.objects.filter(post__status=PostStatus.PUBLICADO):
        assert variant.platform_post_id.startswith(f"{demo_account.platform_id}_")
        assert variant.inbox_post is not None and variant.inbox_post.is_demo
    settings = PublishingSettings.objects.get()
    assert settings.authority_names and manager in settings.approvers.all()
    manual = CrisisManual.objects.get()
    assert manual.is_demo and manual.steps.count() == 5 and manual.statements.count() == 2
