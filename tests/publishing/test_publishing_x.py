"""Publishing a planned post on X (agora/connectors/x_publish.py) through the sandbox's X API:
``POST /2/tweets`` without a reply, the id kept with the inbox's post; when the outcome is
unknown the account's timeline is read first and the post is never published twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
import responses

from agora.connectors import sandbox, x
from agora.connectors.models import SandboxKind, SandboxPublication
from agora.core.models import User
from agora.directory.models import SocialAccount
from agora.publishing import publishing
from agora.publishing.models import PostStatus, PostVariant, VariantStatus
from tests.publishing.factories import planned_post

TEXT = "Te contamos dónde vacunarte este sábado en nuestras sedes de Lima."


def _own_posts() -> list[SandboxPublication]:
    return list(SandboxPublication.objects.filter(kind=SandboxKind.COMENTARIO, target_id=""))


def _run(now: Any = None) -> dict[str, int]:
    with mock.patch.object(sandbox, "_enqueue_delivery"):
        return publishing.posts_publish_due(now)


@pytest.mark.django_db
def test_an_approved_post_is_published_on_x_once(
    platform: responses.RequestsMock, x_account: SocialAccount, communicator: User
) -> None:
    post = planned_post(account=x_account, author=communicator, text=TEXT)
    assert _run()["publicadas"] == 1
    variant = PostVariant.objects.get(post=post)
    post.refresh_from_db()
    assert variant.publish_status == VariantStatus.PUBLICADA
    assert post.status == PostStatus.PUBLICADO
    (tweet,) = _own_posts()
    assert tweet.platform_id == variant.platform_post_id and tweet.text == TEXT
    assert variant.inbox_post is not None
    assert variant.inbox_post.platform_post_id == tweet.platform_id
    _run()  # a second run publishes nothing more
    assert len(_own_posts()) == 1


@pytest.mark.django_db
def test_an_unknown_outcome_on_x_is_found_on_the_timeline_not_posted_again(
    platform: responses.RequestsMock, x_account: SocialAccount, communicator: User
) -> None:
    post = planned_post(account=x_account, author=communicator, text=TEXT)
    real_post = x.XClient.post

    def accepted_then_lost(self: Any, text: str) -> str:
        real_post(self, text)  # X published it…
        raise x.XError("Se cortó la conexión con X.", uncertain=True)  # …but the answer was lost

    with mock.patch.object(x.XClient, "post", accepted_then_lost):
        _run()
    variant = PostVariant.objects.get(post=post)
    assert variant.publish_status == VariantStatus.PUBLICANDO
    assert variant.due_at is not None
    assert len(_own_posts()) == 1
    # The next run looks on the timeline first and keeps the id found there.
    assert _run(variant.due_at + timedelta(seconds=1))["publicadas"] == 1
    variant.refresh_from_db()
    (tweet,) = _own_posts()
    assert variant.publish_status == VariantStatus.PUBLICADA
    assert variant.platform_post_id == tweet.platform_id


@pytest.mark.django_db
def test_a_post_with_an_image_is_not_published_on_x_without_it(
    platform: responses.RequestsMock, x_account: SocialAccount, communicator: User
) -> None:
    from django.core.files.base import ContentFile

    post = planned_post(account=x_account, author=communicator, text=TEXT)
    post.media.save("afiche.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32))
    _run()
    variant = PostVariant.objects.get(post=post)
    assert variant.publish_status == VariantStatus.FALLIDA
    assert "imágenes a X" in variant.last_error
    assert _own_posts() == []
