"""Meta connector on documented and recorded payload shapes (tests/connectors/payloads/meta_*,
each with its source): visitor posts of every item type, edits and removals followed on
Facebook comments and posts, Messenger and Instagram direct messages (edits keep the earlier
text, unsends mark the message), echoes as the entity's own messages, reactions, reads and
deliveries ignored; Facebook mentions of the page and Instagram @mentions read by the
documented follow-up Graph call in a worker after the commit, never in the webhook request."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import responses
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ, Schedule
from responses import matchers

from agora.connectors import meta, meta_mentions
from agora.connectors.models import AccountCredential, MentionFetch, MentionFetchStatus
from agora.core.models import User
from agora.directory.models import Entity, Platform, SocialAccount
from agora.inbox.models import (
    PLATFORM_ID_MAX,
    Conversation,
    Direction,
    Message,
    MessageRevision,
    Post,
    Status,
    ThreadKind,
)
from tests.helpers import make_verified_account

APP_SECRET = "secreto-de-la-app"
GRAPH = "https://graph.example.test/v21.0"
PAGE_ID = "1234567890"
IG_ID = "17841400000000001"
TOKEN = "EAABsecretopagina123"
PAYLOADS = Path(__file__).parent / "payloads"


@pytest.fixture(autouse=True)
def _meta_settings(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.META_APP_SECRET = APP_SECRET
    settings.META_GRAPH_URL = GRAPH
    settings.CONNECTOR_TIMEOUT_SECONDS = 3


def _account(rector: User, entity: Entity, platform: str, platform_id: str) -> SocialAccount:
    account = make_verified_account(rector, entity, platform, "minsaperu", platform_id)
    AccountCredential.objects.create(account=account, kind="page_token", secret=TOKEN)
    return account


@pytest.fixture
def fb_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return _account(rector, entities["minsa"], Platform.FACEBOOK, PAGE_ID)


@pytest.fixture
def ig_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return _account(rector, entities["minsa"], Platform.INSTAGRAM, IG_ID)


def _fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / name).read_text(encoding="utf-8"))
    assert data["_fuente"]  # every fixture says where its shape comes from
    return data


def _bodies(name: str) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = _fixture(name)["cuerpos"]
    return bodies


def _deliver(client: Client, body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    response = client.post(
        reverse("connectors:meta_webhook"),
        data=raw,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signature},
    )
    assert response.status_code == 200, response.content


def _handle(body: dict[str, Any]) -> meta.MetaResult:
    return meta.handle_webhook_body(json.dumps(body).encode())


def _at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2024, 5, 1, hour, minute, second, tzinfo=UTC)


def _snapshot() -> tuple[Any, ...]:
    return (
        sorted(Message.objects.values_list("platform_message_id", "text", "deleted_at")),
        sorted(Conversation.objects.values_list("thread_id", "message_count", "status")),
        MessageRevision.objects.count(),
    )


# --- Facebook page feed ----------------------------------------------------------------------


@pytest.mark.django_db
def test_visitor_posts_of_every_item_type_open_their_own_conversations(
    fb_account: SocialAccount,
) -> None:
    """A visitor's status, photo, video, share and link post each open a conversation waiting
    for an answer (a video with no text too); the page's own photo is context; a reaction is
    no message."""
    result = _handle(_bodies("meta_feed_page.json")[0])
    assert result.ignored == 1  # the reaction
    visitor_posts = {f"{PAGE_ID}_{700 + n}": 9002 + n for n in range(5)}
    for post_id, author in visitor_posts.items():
        conv = Conversation.objects.get(thread_id=post_id)
        assert (conv.account, conv.thread_kind) == (fb_account, ThreadKind.COMMENTS)
        assert conv.author_id == str(author)  # a number in the payload, a string here
        assert conv.status == Status.NUEVO and conv.awaiting_since is not None
        message = conv.messages.get()
        assert message.platform_message_id == post_id
        assert message.direction == Direction.ENTRANTE
    assert Message.objects.get(platform_message_id=f"{PAGE_ID}_701").text == (
        "Tubo roto en la avenida Ejército desde el lunes"
    )
    assert Message.objects.get(platform_message_id=f"{PAGE_ID}_702").text == ""
    # created_time as digits in a string, as an ISO string, as a number.
    assert Message.objects.get(platform_message_id=f"{PAGE_ID}_700").sent_at == _at(12, 1, 40)
    assert Message.objects.get(platform_message_id=f"{PAGE_ID}_702").sent_at == _at(12, 5)
    assert Message.objects.get(platform_message_id=f"{PAGE_ID}_701").sent_at == _at(12, 3, 20)
    # The page's own photo is the context of threads, never a message; its "link" is the
    # image file, not the post's address.
    own = Post.objects.get(platform_post_id=f"{PAGE_ID}_556")
    assert own.text == "Afiche de la campaña" and own.url == ""
    assert not Message.objects.filter(platform_message_id=f"{PAGE_ID}_556").exists()
    # The comment in the same body opened its thread under the page's post.
    assert Conversation.objects.get(thread_id="555_1").post is not None
    assert Conversation.objects.count() == 6


@pytest.mark.django_db
def test_feed_edits_keep_history_removals_mark_and_replays_change_nothing(
    client: Client, fb_account: SocialAccount
) -> None:
    bodies = _bodies("meta_feed_page.json")
    for body in bodies:
        _deliver(client, body)
    comment = Message.objects.get(platform_message_id="555_1")
    # A removal never purges: the last text stays, the first one is in history.
    assert comment.text == "¿Cuándo abre la campaña de vacunación en Arequipa?"
    assert comment.edited_at is not None and comment.deleted_at is not None
    assert list(comment.revisions.values_list("text", flat=True)) == [
        "¿Cuándo abre la campaña de vacunación?"
    ]
    visitor = Message.objects.get(platform_message_id=f"{PAGE_ID}_700")
    assert visitor.text == "Buenas, ¿atienden el sábado y el domingo en el centro de salud?"
    assert list(visitor.revisions.values_list("text", flat=True)) == [
        "Buenas, ¿atienden el sábado en el centro de salud?"
    ]
    photo = Message.objects.get(platform_message_id=f"{PAGE_ID}_701")
    assert photo.deleted_at is not None
    assert photo.text == "Tubo roto en la avenida Ejército desde el lunes"
    # hide and unhide are the page's moderation, not the citizen's: nothing changes.
    assert comment.hidden_at is None
    assert meta.parse_webhook(bodies[2]).ignored == {
        "feed:comment:hide": 1,
        "feed:comment:unhide": 1,
    }
    before = _snapshot()
    for body in bodies:
        _deliver(client, body)
    assert _snapshot() == before


@pytest.mark.django_db
def test_one_body_with_a_comment_its_edit_and_its_removal_keeps_all_of_it(
    fb_account: SocialAccount,
) -> None:
    """Meta may batch the changes of one comment: the first text stays in history and the
    removal is not lost because the comment arrived in the same body."""
    first, edit, removal = _bodies("meta_feed_page.json")
    add = first["entry"][0]["changes"][0]
    body = {
        "object": "page",
        "entry": [
            {"id": PAGE_ID, "time": 1714564860, "changes": [add, edit["entry"][0]["changes"][0]]},
            {"id": PAGE_ID, "time": 1714572000, "changes": [removal["entry"][0]["changes"][0]]},
        ],
    }
    result = _handle(body)
    assert (result.ingest.created, result.ingest.edited, result.ingest.deleted) == (1, 1, 1)
    comment = Message.objects.get(platform_message_id="555_1")
    assert comment.text == "¿Cuándo abre la campaña de vacunación en Arequipa?"
    assert list(comment.revisions.values_list("text", flat=True)) == [
        "¿Cuándo abre la campaña de vacunación?"
    ]
    assert comment.deleted_at is not None


# --- Facebook mentions -----------------------------------------------------------------------


@pytest.mark.django_db
def test_mentions_of_the_page_become_their_own_conversations(fb_account: SocialAccount) -> None:
    result = _handle(_bodies("meta_mention_page.json")[0])
    post = Conversation.objects.get(thread_id="100050000000001_22222")
    comment = Conversation.objects.get(thread_id="33333_44444")
    for conv in (post, comment):
        assert (conv.account, conv.thread_kind, conv.post) == (
            fb_account,
            ThreadKind.MENTION,
            None,
        )
        assert conv.status == Status.NUEVO and conv.awaiting_since is not None
        assert conv.messages.get().direction == Direction.ENTRANTE
    assert post.messages.get().text == "@Ministerio de Salud el hospital de Camaná no tiene oxígeno"
    assert comment.messages.get().sent_at == _at(12, 2)
    # Someone else's post is not a publication of the entity.
    assert not Post.objects.exists()
    # The mention in a comment on the page's own post is read from the feed, once.
    assert result.ignored == 1
    assert not Message.objects.filter(platform_message_id="555_9").exists()


@pytest.mark.django_db
def test_a_mention_edited_or_removed_is_followed(fb_account: SocialAccount) -> None:
    first, changes = _bodies("meta_mention_page.json")
    _handle(first)
    _handle(changes)
    post = Message.objects.get(platform_message_id="100050000000001_22222")
    assert post.text.endswith("no tiene oxígeno desde ayer")
    assert list(post.revisions.values_list("text", flat=True)) == [
        "@Ministerio de Salud el hospital de Camaná no tiene oxígeno"
    ]
    removed = Message.objects.get(platform_message_id="33333_44444")
    assert removed.deleted_at is not None and removed.text == "@Ministerio de Salud ¿es cierto?"


@pytest.mark.django_db
def test_a_mention_on_the_pages_own_post_is_stored_once_in_its_comment_thread(
    fb_account: SocialAccount,
) -> None:
    _handle(_bodies("meta_mention_page.json")[0])
    feed = {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": 1714564900,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "from": {"id": "9010", "name": "Lucía Pari"},
                            "message": "@Ministerio de Salud gracias por la campaña",
                            "post_id": f"{PAGE_ID}_555",
                            "comment_id": "555_9",
                            "created_time": 1714564900,
                            "item": "comment",
                            "parent_id": f"{PAGE_ID}_555",
                            "verb": "add",
                        },
                    }
                ],
            }
        ],
    }
    _handle(feed)
    message = Message.objects.get(platform_message_id="555_9")
    assert message.conversation.thread_kind == ThreadKind.COMMENTS
    assert message.author_name == "Lucía Pari"


# --- Messenger -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_messenger_messages_echoes_and_events_that_are_not_messages(
    fb_account: SocialAccount,
) -> None:
    result = _handle(_bodies("meta_messenger.json")[0])
    assert result.ignored == 3  # delivery, read, reaction
    assert result.ingest.created == 3
    conv = Conversation.objects.get(thread_id="7001")
    assert (conv.thread_kind, conv.author_id) == (ThreadKind.DIRECT, "7001")
    echo = Message.objects.get(platform_message_id="m_AbC2")
    assert echo.conversation == conv and echo.direction == Direction.SALIENTE
    assert echo.author_id == PAGE_ID
    assert conv.status == Status.RESPONDIDO
    assert conv.first_response_at == _at(12, 5)
    assert Conversation.objects.get(thread_id="7002").status == Status.NUEVO


@pytest.mark.django_db
def test_messenger_edits_keep_every_earlier_text(fb_account: SocialAccount) -> None:
    bodies = _bodies("meta_messenger.json")
    for body in bodies:
        _handle(body)
    message = Message.objects.get(platform_message_id="m_AbC1")
    assert message.text == "Hola, necesito mi certificado de vacunación COVID-19"
    assert list(message.revisions.values_list("text", flat=True)) == [
        "Hola, necesito mi certificado de vacunación",
        "Hola, necesito mi certificado de vacunación COVID",
    ]
    assert message.direction == Direction.ENTRANTE
    # Edits are not new messages: the citizen's message and the page's echo.
    assert Conversation.objects.get(thread_id="7001").message_count == 2
    before = _snapshot()
    _handle(bodies[2])
    _handle(bodies[1])  # an older edit (num_edit 1) delivered late replaces nothing
    assert _snapshot() == before


@pytest.mark.django_db
def test_an_echo_recorded_from_the_citizens_side_still_belongs_to_the_citizen(
    fb_account: SocialAccount,
) -> None:
    """restfb's recorded echo names the citizen as sender and the page as recipient."""
    body = {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": 1714565100000,
                "messaging": [
                    {
                        "sender": {"id": 7001},
                        "recipient": {"id": int(PAGE_ID)},
                        "timestamp": 1714565100000,
                        "message": {"mid": "m_echo", "text": "Listo", "is_echo": True},
                    }
                ],
            }
        ],
    }
    _handle(body)
    message = Message.objects.get()
    assert message.conversation.thread_id == "7001"
    assert message.direction == Direction.SALIENTE


# --- Instagram direct messages ---------------------------------------------------------------


@pytest.mark.django_db
def test_instagram_dm_edit_unsend_echo_seen_and_reaction(ig_account: SocialAccount) -> None:
    bodies = _bodies("meta_instagram.json")
    first = _handle(bodies[1])
    assert first.ignored == 2  # messaging_seen and the reaction
    assert first.ingest.created == 3
    _handle(bodies[2])
    long_mid = bodies[1]["entry"][0]["messaging"][0]["message"]["mid"]
    edited = Message.objects.get(platform_message_id=long_mid)
    assert edited.text.endswith("centro de salud de Cayma?")
    assert list(edited.revisions.values_list("text", flat=True)) == [
        "Buenas tardes, ¿hasta qué hora atiende el centro de salud?"
    ]
    unsent = Message.objects.get(platform_message_id="aWdfZAG3")
    assert unsent.deleted_at is not None and unsent.text == "Mi número es 987654321"
    echo = Message.objects.get(platform_message_id="aWdfZAG2")
    assert echo.direction == Direction.SALIENTE
    assert echo.conversation == edited.conversation
    assert edited.conversation.thread_id == "5550001"
    before = _snapshot()
    _handle(bodies[1])
    _handle(bodies[2])
    assert _snapshot() == before


@pytest.mark.django_db
def test_instagram_messages_sent_as_changes_are_read_and_reactions_are_not(
    ig_account: SocialAccount,
) -> None:
    result = _handle(_bodies("meta_instagram.json")[3])
    assert result.ignored == 1
    message = Message.objects.get()
    assert message.platform_message_id == "aWdfZAG4"
    assert message.sent_at == datetime(2024, 5, 1, 14, tzinfo=UTC)  # seconds, as a string
    assert message.conversation.thread_id == "5550003"


# --- Instagram @mentions ---------------------------------------------------------------------


MEDIA_FIELDS = f"mentioned_media.media_id(17900000000000101){{{meta_mentions.MEDIA_FIELDS}}}"
COMMENT_FIELDS = (
    f"mentioned_comment.comment_id(17900000000000201){{{meta_mentions.COMMENT_FIELDS}}}"
)


def _graph(name: str) -> dict[str, Any]:
    answer: dict[str, Any] = _fixture("meta_instagram.json")["graph"][name]
    return answer


def _mock_mentions(media: dict[str, Any] | None = None) -> None:
    for fields, answer in (
        (MEDIA_FIELDS, media or _graph("mentioned_media")),
        (COMMENT_FIELDS, _graph("mentioned_comment")),
    ):
        responses.get(
            f"{GRAPH}/{IG_ID}",
            json=answer,
            match=[
                matchers.query_param_matcher({"fields": fields}),
                matchers.header_matcher({"Authorization": f"Bearer {TOKEN}"}),
            ],
        )


@responses.activate
@pytest.mark.django_db
def test_instagram_mentions_are_recorded_in_the_webhook_and_never_read_there(
    client: Client, ig_account: SocialAccount, django_capture_on_commit_callbacks: Any
) -> None:
    body = _bodies("meta_instagram.json")[0]
    with django_capture_on_commit_callbacks() as callbacks:
        _deliver(client, body)
    assert not responses.calls  # no Graph call inside the request
    rows = list(MentionFetch.objects.order_by("pk").values_list("media_id", "comment_id", "status"))
    # The same comment mention with ids as numbers and as strings is recorded once.
    assert rows == [
        ("17900000000000101", "", MentionFetchStatus.PENDIENTE),
        ("17900000000000102", "17900000000000201", MentionFetchStatus.PENDIENTE),
    ]
    assert meta_mentions.enqueue_fetch in callbacks
    # The comment in the same body is stored at once; mentions wait for the worker.
    assert Message.objects.get().platform_message_id == "17900000001"
    assert not Conversation.objects.filter(thread_kind=ThreadKind.MENTION).exists()
    _deliver(client, body)
    assert MentionFetch.objects.count() == 2


@responses.activate
@pytest.mark.django_db
def test_the_worker_reads_each_mention_with_the_documented_call(
    ig_account: SocialAccount,
) -> None:
    _handle(_bodies("meta_instagram.json")[0])
    _mock_mentions()
    assert meta_mentions.mentions_fetch_due() == {"leidas": 2, "reintento": 0, "fallidas": 0}
    caption = Conversation.objects.get(thread_id="17900000000000101")
    assert (caption.account, caption.thread_kind) == (ig_account, ThreadKind.MENTION)
    message = caption.messages.get()
    assert message.text == "Sin agua en el centro de salud de Paucarpata @minsaperu"
    assert message.author_name == "vecino_paucarpata"
    assert message.sent_at == _at(11, 58)
    assert message.direction == Direction.ENTRANTE
    comment = Conversation.objects.get(thread_id="17900000000000201")
    assert comment.thread_kind == ThreadKind.MENTION
    assert comment.messages.get().text == "@minsaperu ¿esto es verdad?"
    assert comment.status == Status.NUEVO and comment.awaiting_since == _at(12, 1, 30)
    assert set(MentionFetch.objects.values_list("status", flat=True)) == {MentionFetchStatus.HECHA}
    for call in responses.calls:
        assert TOKEN not in (call.request.url or "")
    # Done: the periodic job calls nobody again.
    calls = len(responses.calls)
    assert meta_mentions.mentions_fetch_due()["leidas"] == 0
    assert len(responses.calls) == calls


@responses.activate
@pytest.mark.django_db
def test_a_mention_read_is_retried_then_recorded_as_failed(ig_account: SocialAccount) -> None:
    _handle(_bodies("meta_instagram.json")[0])
    MentionFetch.objects.exclude(comment_id="").delete()
    now = timezone.now()
    responses.get(f"{GRAPH}/{IG_ID}", status=500, json={"error": {"code": 2}})
    assert meta_mentions.mentions_fetch_due(now)["reintento"] == 1
    fetch = MentionFetch.objects.get()
    assert (fetch.status, fetch.attempts) == (MentionFetchStatus.PENDIENTE, 1)
    assert fetch.due_at > now and "Se reintentará" in fetch.error
    assert meta_mentions.mentions_fetch_due(now)["reintento"] == 0  # not due yet
    responses.replace(
        responses.GET,
        f"{GRAPH}/{IG_ID}",
        status=400,
        json={"error": {"code": 100, "message": "Unsupported get request"}},
    )
    assert meta_mentions.mentions_fetch_due(fetch.due_at)["fallidas"] == 1
    fetch.refresh_from_db()
    assert fetch.status == MentionFetchStatus.FALLIDA
    assert "código 100" in fetch.error
    assert not Conversation.objects.filter(thread_kind=ThreadKind.MENTION).exists()


@responses.activate
@pytest.mark.django_db
def test_a_worker_that_dies_mid_read_delays_the_mention_and_never_loses_it(
    ig_account: SocialAccount,
) -> None:
    _handle(_bodies("meta_instagram.json")[0])
    now = timezone.now()
    for fetch in MentionFetch.objects.all():
        assert meta_mentions._claim(fetch.pk, now) is not None  # then the worker dies
    assert meta_mentions.mentions_fetch_due(now) == {"leidas": 0, "reintento": 0, "fallidas": 0}
    _mock_mentions()
    later = now + meta_mentions.LEASE + timedelta(seconds=1)
    assert meta_mentions.mentions_fetch_due(later)["leidas"] == 2
    assert Conversation.objects.filter(thread_kind=ThreadKind.MENTION).count() == 2


@responses.activate
@pytest.mark.django_db
def test_a_mention_in_a_comment_on_the_accounts_own_media_is_left_to_the_comments_field(
    ig_account: SocialAccount,
) -> None:
    _handle(_bodies("meta_instagram.json")[0])
    MentionFetch.objects.filter(comment_id="").delete()
    own = _graph("mentioned_comment")
    own["mentioned_comment"]["media"]["username"] = "MinsaPeru"
    responses.get(f"{GRAPH}/{IG_ID}", json=own)
    assert meta_mentions.mentions_fetch_due()["leidas"] == 1
    assert not Conversation.objects.filter(thread_kind=ThreadKind.MENTION).exists()


@pytest.mark.django_db
def test_a_mention_with_ids_that_are_not_instagram_ids_is_refused(
    ig_account: SocialAccount,
) -> None:
    body = {
        "object": "instagram",
        "entry": [
            {
                "id": IG_ID,
                "time": 1714564860,
                "changes": [
                    {"field": "mentions", "value": {"media_id": "1) {id}"}},
                    {"field": "mentions", "value": {"media_id": "1" * (PLATFORM_ID_MAX + 1)}},
                    {"field": "mentions", "value": {"comment_id": "17900000000000201"}},
                ],
            }
        ],
    }
    batch = meta.parse_webhook(body)
    assert batch.mentions == []
    assert batch.ignored == {
        "instagram:mentions:id_no_valido": 2,
        "instagram:mentions:incompleto": 1,
    }


@pytest.mark.django_db
def test_the_task_queued_after_the_commit_reads_the_due_mentions() -> None:
    meta_mentions.enqueue_fetch()
    task = OrmQ.objects.get()
    assert task.func() == "agora.connectors.meta_mentions.mentions_fetch_due"


@pytest.mark.django_db
def test_the_periodic_mention_job_is_scheduled() -> None:
    meta_mentions.schedules_ensure()
    meta_mentions.schedules_ensure()
    job = Schedule.objects.get(name=meta_mentions.SCHEDULE_NAME)
    assert job.func == "agora.connectors.meta_mentions.mentions_fetch_due"


@responses.activate
@pytest.mark.django_db
def test_an_answer_to_an_instagram_mention_goes_through_the_mentions_edge(
    ig_account: SocialAccount, communicator: User
) -> None:
    from agora.inbox import services as inbox

    _handle(_bodies("meta_instagram.json")[0])
    _mock_mentions()
    meta_mentions.mentions_fetch_due()
    published = iter(("17900000000000901", "17900000000000902"))
    for thread_id, target in (
        ("17900000000000201", {"comment_id": "17900000000000201"}),
        ("17900000000000101", {}),
    ):
        media_id = "17900000000000102" if target else "17900000000000101"
        responses.post(
            f"{GRAPH}/{IG_ID}/mentions",
            json={"id": next(published)},
            match=[
                matchers.json_params_matcher(
                    {"media_id": media_id, "message": "Gracias, lo revisamos.", **target}
                )
            ],
        )
        conv = Conversation.objects.get(thread_id=thread_id)
        answer = inbox.message_answer(
            conversation=conv, author=communicator, body="Gracias, lo revisamos."
        )
        message = Message.objects.select_related("conversation__account").get(pk=answer.pk)
        assert meta.send_reply(message).startswith("179000000000009")
