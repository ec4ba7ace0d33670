"""A planned post with an image is published on the Facebook page as a photo with its caption
(``POST /{page-id}/photos`` with ``url`` and ``message``; the sandbox answers ``id`` and
``post_id`` as Graph does): the image's address is Ágora's own, public once the post is
scheduled, and the id kept is the page post's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
import responses
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from agora.connectors import sandbox
from agora.connectors.models import SandboxKind, SandboxPublication
from agora.core.models import User
from agora.directory.models import Entity, Membership, MembershipRole, SocialAccount
from agora.publishing import publishing
from agora.publishing.models import PlannedPost, PostStatus, PostVariant, VariantStatus
from tests.connectors.test_sandbox import PAGE_ID
from tests.publishing.factories import planned_post

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _with_image(post: PlannedPost) -> PlannedPost:
    post.media.save("vacunacion.png", ContentFile(PNG), save=False)
    post.media_alt = "Afiche de la campaña de vacunación"
    post.save(update_fields=["media", "media_alt"])
    return post


def _run() -> dict[str, int]:
    with mock.patch.object(sandbox, "_enqueue_delivery"):
        return publishing.posts_publish_due()


@pytest.mark.django_db
def test_a_post_with_an_image_is_published_as_a_photo_with_its_caption(
    platform: responses.RequestsMock, demo_account: SocialAccount, communicator: User
) -> None:
    post = _with_image(planned_post(account=demo_account, author=communicator))
    assert _run()["publicadas"] == 1
    variant = PostVariant.objects.get(post=post)
    assert variant.publish_status == VariantStatus.PUBLICADA
    recorded = SandboxPublication.objects.get(kind=SandboxKind.PUBLICACION)
    # The page post's id (not the photo's) is kept, and the image address is Ágora's.
    assert variant.platform_post_id == recorded.platform_id
    assert variant.platform_post_id.startswith(f"{PAGE_ID}_")
    assert recorded.target_id.endswith(reverse("publishing:post_media", args=[post.pk]))
    assert recorded.text == variant.text
    calls: list[Any] = [c.request.url for c in platform.calls]
    assert any(f"/{PAGE_ID}/photos" in url for url in calls)
    assert not any(f"/{PAGE_ID}/feed" in url for url in calls)


@pytest.mark.django_db
def test_the_image_is_public_once_scheduled_and_staff_only_before(
    client: Client,
    demo_account: SocialAccount,
    communicator: User,
    make_user: Callable[..., User],
    entities: dict[str, Entity],
) -> None:
    outsider = make_user("comunicador-sunat")
    Membership.objects.create(
        user=outsider, entity=entities["sunat"], role=MembershipRole.COMUNICADOR
    )
    post = _with_image(
        planned_post(account=demo_account, author=communicator, status=PostStatus.EN_REVISION)
    )
    url = reverse("publishing:post_media", args=[post.pk])
    assert client.get(url).status_code == 404  # anonymous, before approval
    client.force_login(outsider)
    assert client.get(url).status_code == 404  # another entity's staff
    client.force_login(communicator)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
    client.logout()
    PlannedPost.objects.filter(pk=post.pk).update(status=PostStatus.PROGRAMADO)
    assert client.get(url).status_code == 200
    assert client.get(reverse("publishing:post_media", args=[post.pk + 999])).status_code == 404
