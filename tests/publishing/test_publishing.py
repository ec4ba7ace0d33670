"""Publishing at the scheduled time (issue 18, point 5): an approved post is published on the
sandbox platform through the real Meta connector, its id is kept with the inbox's post, and a
citizen's comment on it reaches the inbox as a conversation of that post. At most once on the
platform: a second run, a crash after the platform accepted, an unknown outcome and two runs
at once never publish it twice; a paused post waits."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
import responses
from django.template.loader import render_to_string
from django.utils import timezone

from agora.connectors import meta, sandbox
from agora.connectors.models import SandboxKind, SandboxPublication
from agora.core.models import AuditEvent, User
from agora.directory.models import Entity, SocialAccount
from agora.inbox.models import Conversation, Message
from agora.inbox.senders import SendError, SendUncertain
from agora.publishing import publishing, selectors
from agora.publishing.models import PlannedPost, PostStatus, PostVariant, VariantStatus
from tests.connectors.test_sandbox import PAGE_ID, _account
from tests.publishing.factories import planned_post


def _page_posts() -> int:
    return SandboxPublication.objects.filter(kind=SandboxKind.PUBLICACION).count()


def _run(now: Any = None) -> dict[str, int]:
    with mock.patch.object(sandbox, "_enqueue_delivery"):
        return publishing.posts_publish_due(now)


@pytest.mark.django_db
def test_a_due_post_is_published_on_the_sandbox_and_a_citizen_comment_arrives_under_it(
    platform: responses.RequestsMock,
    demo_account: SocialAccount,
    communicator: User,
    other_manager: User,
) -> None:
    post = planned_post(account=demo_account, author=communicator)
    result = _run()
    assert result["programadas"] == 1 and result["publicadas"] == 1
    variant = PostVariant.objects.get(post=post)
    post.refresh_from_db()
    assert variant.publish_status == VariantStatus.PUBLICADA
    assert variant.platform_post_id.startswith(f"{PAGE_ID}_")
    assert variant.attempts == 1 and variant.published_at is not None
    assert post.status == PostStatus.PUBLICADO and post.published_at is not None
    recorded = SandboxPublication.objects.get(kind=SandboxKind.PUBLICACION)
    assert recorded.platform_id == variant.platform_post_id and recorded.text == variant.text
    inbox_post = variant.inbox_post
    assert inbox_post is not None
    assert inbox_post.platform_post_id == variant.platform_post_id
    assert inbox_post.text == variant.text and inbox_post.is_demo
    assert AuditEvent.objects.filter(verb="publicacion.publicada", object_id=str(post.pk)).exists()
    # The page's own post comes back through the webhook: the same inbox post, no thread.
    assert sandbox.publication_deliver(recorded.pk) == "entregado"
    assert Conversation.objects.count() == 0
    # Citizens of the sandbox comment on the page's recent posts, through the signed webhook.
    with mock.patch.object(sandbox, "_enqueue_delivery"):
        ids = sandbox.citizens_send(count=20, rng=random.Random(7))
    on_post = SandboxPublication.objects.filter(
        pk__in=ids, post_id=variant.platform_post_id, kind=SandboxKind.CIUDADANO
    )
    assert on_post.exists()
    comment = on_post.first()
    assert comment is not None
    assert sandbox.publication_deliver(comment.pk) == "entregado"
    message = Message.objects.get(platform_message_id=comment.platform_id)
    assert message.conversation.post_id == inbox_post.pk
    assert message.conversation.is_demo
    # The post's page lists the conversation for its staff, never for another entity's.
    assert [c.pk for c in selectors.post_conversations(communicator, post)] == [
        message.conversation_id
    ]
    assert selectors.post_conversations(other_manager, post) == []


@pytest.mark.django_db
def test_the_job_run_twice_publishes_once(
    platform: responses.RequestsMock, demo_account: SocialAccount
) -> None:
    post = planned_post(account=demo_account)
    _run()
    assert _run() == {"programadas": 0, "publicadas": 0, "otras": 0}
    assert _page_posts() == 1
    assert PostVariant.objects.get(post=post).attempts == 1


@pytest.mark.django_db
def test_a_crash_after_the_platform_accepted_is_found_there_and_not_published_again(
    platform: responses.RequestsMock, demo_account: SocialAccount
) -> None:
    post = planned_post(account=demo_account)
    crash = mock.patch.object(publishing, "variant_published", side_effect=RuntimeError("caída"))
    with crash, pytest.raises(RuntimeError):
        _run()
    variant = PostVariant.objects.get(post=post)
    # The attempt was recorded before the call: the variant is held, not pending.
    assert variant.publish_status == VariantStatus.PUBLICANDO and variant.attempts == 1
    assert _page_posts() == 1
    # While the lease runs, another run leaves it alone.
    assert _run()["publicadas"] == 0
    assert _page_posts() == 1
    # Once it ran out, the run looks on the platform first and finds it.
    later = timezone.now() + publishing.LEASE + timedelta(minutes=1)
    assert _run(later)["publicadas"] == 1
    variant.refresh_from_db()
    assert variant.publish_status == VariantStatus.PUBLICADA
    assert variant.platform_post_id == SandboxPublication.objects.get().platform_id
    assert variant.attempts == 1
    assert _page_posts() == 1


@pytest.mark.django_db
def test_an_unknown_outcome_is_looked_for_before_any_new_attempt(
    platform: responses.RequestsMock, demo_account: SocialAccount
) -> None:
    post = planned_post(account=demo_account)
    real = meta._graph_post

    def timed_out(*args: Any, **kwargs: Any) -> dict[str, Any]:
        real(*args, **kwargs)  # the platform took it; its answer is lost
        raise SendUncertain("Meta no respondió (ReadTimeout)")

    with mock.patch.object(meta, "_graph_post", side_effect=timed_out):
        assert _run()["otras"] == 1
    variant = PostVariant.objects.get(post=post)
    assert variant.publish_status == VariantStatus.PUBLICANDO
    assert "ReadTimeout" in variant.last_error
    assert variant.due_at is not None
    assert _run(variant.due_at + timedelta(seconds=1))["publicadas"] == 1
    assert _page_posts() == 1
    variant.refresh_from_db()
    assert variant.publish_status == VariantStatus.PUBLICADA


@pytest.mark.django_db
def test_an_unknown_outcome_that_is_not_there_is_tried_again(
    platform: responses.RequestsMock, demo_account: SocialAccount
) -> None:
    post = planned_post(account=demo_account)
    with mock.patch.object(meta, "_graph_post", side_effect=SendUncertain("sin respuesta")):
        _run()
    variant = PostVariant.objects.get(post=post)
    assert _page_posts() == 0
    assert variant.due_at is not None
    assert _run(variant.due_at + timedelta(seconds=1))["publicadas"] == 1
    variant.refresh_from_db()
    assert variant.attempts == 2 and _page_posts() == 1


@pytest.mark.django_db
def test_two_runs_at_once_claim_a_variant_once(
    platform: responses.RequestsMock, demo_account: SocialAccount
) -> None:
    post = planned_post(account=demo_account, status=PostStatus.PROGRAMADO)
    variant = PostVariant.objects.get(post=post)
    first = publishing.variant_claim(variant.pk)
    assert first is not None and not first.look_first
    # The other run finds it claimed: it neither claims nor publishes it.
    assert publishing.variant_claim(variant.pk) is None
    assert _run()["publicadas"] == 0
    assert _page_posts() == 0
    variant.refresh_from_db()
    assert variant.attempts == 1


@pytest.mark.django_db
def test_a_paused_post_is_not_published_until_resumed(
    platform: responses.RequestsMock, demo_account: SocialAccount
) -> None:
    post = planned_post(account=demo_account)
    PlannedPost.objects.filter(pk=post.pk).update(paused_at=timezone.now())
    _run()
    assert _page_posts() == 0
    post.refresh_from_db()
    assert post.status == PostStatus.PROGRAMADO
    PlannedPost.objects.filter(pk=post.pk).update(paused_at=None)
    assert _run()["publicadas"] == 1


@pytest.mark.django_db
def test_a_post_not_yet_due_waits(
    platform: responses.RequestsMock, demo_account: SocialAccount
) -> None:
    planned_post(account=demo_account, scheduled_at=timezone.now() + timedelta(hours=1))
    assert _run()["publicadas"] == 0
    assert _page_posts() == 0


@pytest.mark.django_db
def test_a_draft_or_a_post_in_review_is_never_published(
    platform: responses.RequestsMock, demo_account: SocialAccount
) -> None:
    planned_post(account=demo_account, status=PostStatus.BORRADOR)
    planned_post(account=demo_account, status=PostStatus.EN_REVISION, title="Otra")
    _run()
    assert _page_posts() == 0


@pytest.mark.django_db
def test_a_permanent_refusal_fails_the_variant_with_a_spanish_reason_audited(
    platform: responses.RequestsMock,
    rector: User,
    entities: dict[str, Entity],
    communicator: User,
) -> None:
    account = _account(rector, entities["minsa"], demo=False, platform_id="777")  # no token
    post = planned_post(account=account, author=communicator)
    assert _run()["otras"] == 1
    variant = PostVariant.objects.get(post=post)
    assert variant.publish_status == VariantStatus.FALLIDA
    assert "token" in variant.last_error
    post.refresh_from_db()
    assert post.status == PostStatus.PROGRAMADO
    assert AuditEvent.objects.filter(verb="publicacion.fallida").count() == 1
    assert _run()["otras"] == 0  # never retried by itself


@pytest.mark.django_db
def test_a_server_error_is_looked_for_before_publishing_again(
    platform: responses.RequestsMock, demo_account: SocialAccount
) -> None:
    """A 5xx may come after the platform created the post: never resent blindly."""
    post = planned_post(account=demo_account)
    real = meta._graph_post

    def created_then_500(*args: Any, **kwargs: Any) -> dict[str, Any]:
        real(*args, **kwargs)
        raise SendError("Meta respondió con el error 500. Se reintentará.")

    with mock.patch.object(meta, "_graph_post", side_effect=created_then_500):
        _run()
    variant = PostVariant.objects.get(post=post)
    assert variant.publish_status == VariantStatus.PUBLICANDO
    assert variant.due_at is not None
    _run(variant.due_at + timedelta(seconds=1))
    variant.refresh_from_db()
    assert variant.publish_status == VariantStatus.PUBLICADA and variant.attempts == 1
    assert _page_posts() == 1


@pytest.mark.django_db
def test_a_connection_never_made_is_retried_later(
    platform: responses.RequestsMock, demo_account: SocialAccount
) -> None:
    post = planned_post(account=demo_account)
    refused = SendError("No se pudo conectar con Meta; se reintentará.")
    refused.__cause__ = ConnectionRefusedError()
    with mock.patch.object(meta, "_graph_post", side_effect=refused):
        _run()
    variant = PostVariant.objects.get(post=post)
    assert variant.publish_status == VariantStatus.PENDIENTE and variant.due_at is not None
    assert "conectar" in variant.last_error
    _run(variant.due_at + timedelta(seconds=1))
    variant.refresh_from_db()
    assert variant.publish_status == VariantStatus.PUBLICADA and variant.attempts == 2


@pytest.mark.django_db
def test_a_post_approved_during_a_crisis_waits_until_it_closes(
    platform: responses.RequestsMock, demo_account: SocialAccount, manager: User
) -> None:
    from agora.publishing import crisis

    opened = crisis.crisis_open(entity=demo_account.entity, actor=manager, summary="Pico")
    planned_post(account=demo_account)  # approved after the crisis opened: not paused itself
    assert _run()["publicadas"] == 0
    assert _page_posts() == 0
    crisis.crisis_close(crisis=opened, actor=manager, resume=True)
    assert _run()["publicadas"] == 1


@pytest.mark.django_db
def test_the_status_include_shows_the_id_or_the_reason(
    platform: responses.RequestsMock,
    demo_account: SocialAccount,
    rector: User,
    entities: dict[str, Entity],
) -> None:
    published = planned_post(account=demo_account)
    failed = planned_post(
        account=_account(rector, entities["minsa"], demo=False, platform_id="778"), title="Otra"
    )
    _run()
    variant = PostVariant.objects.get(post=published)
    html = render_to_string("publishing/_publishing_status.html", {"post": published})
    assert "Publicado" in html and variant.platform_post_id in html
    html = render_to_string("publishing/_publishing_status.html", {"post": failed})
    assert "No se publicó" in html and "token" in html
