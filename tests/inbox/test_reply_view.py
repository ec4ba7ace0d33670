"""The conversation view shows the entity's post as context and lets staff choose which
citizen message an answer targets, without JavaScript."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import services
from agora.inbox.models import Conversation, Direction, Message, ThreadKind
from agora.inbox.services import IncomingMessage, IncomingPost
from tests.helpers import html, login, make_verified_account


def _thread(account: SocialAccount) -> Conversation:
    now = timezone.now()

    def comment(pid: str, parent: str, minutes: int, author: str, text: str) -> IncomingMessage:
        return IncomingMessage(
            platform=account.platform,
            account_id=account.pk,
            thread_kind=ThreadKind.COMMENTS,
            thread_id="c1",
            message_id=pid,
            parent_id=parent,
            sent_at=now - timedelta(minutes=minutes),
            text=text,
            author_id=author,
            author_name="Ana María Pérez" if author == "1" else "Luis Rojas",
            post_id="1001_55",
        )

    services.messages_ingest(
        batch=[
            comment("c1", "1001_55", 30, "1", "¿Dónde me vacuno?"),
            comment("r1", "c1", 20, "2", "Yo también quiero saber"),
        ],
        posts=[
            IncomingPost(
                platform=account.platform,
                account_id=account.pk,
                post_id="1001_55",
                text="Campaña de vacunación en Lima",
            )
        ],
    )
    return Conversation.objects.get()


def test_the_post_is_context_and_the_reply_target_is_chosen_by_a_link(
    client: Client, rector: User, entities: dict[str, Entity], communicator: User
) -> None:
    account = make_verified_account(rector, entities["minsa"], "facebook", "minsaperu", "1001")
    conv = _thread(account)
    first = Message.objects.get(platform_message_id="c1")
    login(client, communicator)

    page = html(client.get(f"/bandeja/{conv.pk}/"))
    assert "Publicación de la entidad" in page
    assert "Campaña de vacunación en Lima" in page
    assert "https://www.facebook.com/1001_55" in page
    # By default the answer goes to the latest citizen message, names masked.
    assert "Respondiendo a Luis R.: «Yo también quiero saber»" in page
    assert f"/bandeja/{conv.pk}/?responder_a={first.pk}#respuesta" in page

    chosen = html(client.get(f"/bandeja/{conv.pk}/?responder_a={first.pk}"))
    assert "Respondiendo a Ana M. P.: «¿Dónde me vacuno?»" in chosen
    assert f'name="responder_a" value="{first.pk}"' in chosen

    response = client.post(
        f"/bandeja/{conv.pk}/responder/",
        {"texto": "En su centro de salud.", "responder_a": first.pk},
    )
    assert response.status_code == 302
    answer = Message.objects.get(direction=Direction.SALIENTE)
    assert answer.reply_to == first
    assert answer.parent_platform_id == "c1"


def test_a_target_of_another_conversation_is_refused_in_spanish(
    client: Client, rector: User, entities: dict[str, Entity], communicator: User
) -> None:
    account = make_verified_account(rector, entities["minsa"], "facebook", "minsaperu", "1001")
    conv = _thread(account)
    login(client, communicator)
    for bad in ("999999", "abc"):
        response = client.post(
            f"/bandeja/{conv.pk}/responder/", {"texto": "Hola", "responder_a": bad}
        )
        assert response.status_code == 400
        assert "El mensaje al que responde no es de esta conversación." in html(response)
    assert not Message.objects.filter(direction=Direction.SALIENTE).exists()
