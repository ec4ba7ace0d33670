"""Moderation by entity policy: insults and spam leave the default inbox view (never deleted,
still reachable and marked), hidden on Facebook/Instagram through a queued task when the policy
asks; every action says who, when and why; staff can show a message again and win."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import moderation
from agora.inbox.models import (
    Conversation,
    Message,
    ModerationAction,
    ModerationPolicy,
    ModerationScope,
    ModerationVerb,
    PlatformResult,
)
from agora.inbox.moderation import platform as moderation_platform
from agora.inbox.senders import SendError
from agora.inbox.services import messages_ingest
from agora.language import services as language
from tests.helpers import login
from tests.language.fake_model import account_for, event, ingest_one, install


@pytest.fixture
def facebook(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return account_for(entities["minsa"], "facebook", "minsa.peru", rector)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Any:
    return install(monkeypatch)


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Platform actions queued after commit (run by hand in the tests): the outbox task that
    runs them is recorded instead."""
    calls: list[int] = []
    monkeypatch.setattr(moderation, "platform_actions_run", lambda ids: calls.extend(ids))
    monkeypatch.setattr(
        moderation, "enqueue_platform_action", lambda pk, delay_seconds=0: calls.append(pk)
    )
    return calls


@pytest.fixture
def hider(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, str, bool]]:
    calls: list[tuple[Any, str, bool]] = []

    def hide(account: Any, comment_id: str, hidden: bool) -> None:
        calls.append((account, comment_id, hidden))

    monkeypatch.setattr(moderation_platform, "hider_for", lambda platform: hide)
    return calls


@pytest.mark.django_db
def test_insults_and_spam_are_hidden_by_the_default_policy_never_deleted(
    fake: Any, facebook: SocialAccount
) -> None:
    insult = ingest_one(facebook, "ministro idiota", thread="p-1")
    spam = ingest_one(facebook, "gana dinero desde casa", thread="p-2")
    question = ingest_one(facebook, "¿Hay vacunas?", thread="p-3")
    assert insult.hidden_at is not None
    assert spam.hidden_at is not None
    assert question.hidden_at is None
    assert Message.objects.count() == 3  # nothing deleted
    action = ModerationAction.objects.get(message=insult)
    assert action.action == ModerationVerb.OCULTAR
    assert action.scope == ModerationScope.BANDEJA
    assert action.actor is None and action.is_automatic
    assert action.model_version == "fake-1"
    assert "insulto" in action.reason and "fake-1" in action.reason
    # No platform action without the policy asking for it.
    assert not ModerationAction.objects.filter(scope=ModerationScope.PLATAFORMA).exists()


@pytest.mark.django_db
def test_a_policy_that_keeps_insults_in_view(
    fake: Any, facebook: SocialAccount, entities: dict[str, Entity]
) -> None:
    ModerationPolicy.objects.create(entity=entities["minsa"], hide_insults=False)
    insult = ingest_one(facebook, "ministro idiota")
    spam = ingest_one(facebook, "gana dinero ya", thread="p-9")
    assert insult.hidden_at is None
    assert spam.hidden_at is not None


@pytest.mark.django_db
def test_the_rector_default_applies_to_entities_without_a_policy(
    fake: Any, facebook: SocialAccount
) -> None:
    ModerationPolicy.objects.create(entity=None, hide_spam=False)
    spam = ingest_one(facebook, "gana dinero ya")
    assert spam.hidden_at is None


@pytest.mark.django_db
def test_the_default_inbox_view_leaves_out_hidden_conversations_the_filter_brings_them(
    fake: Any, facebook: SocialAccount, communicator: User, client: Client
) -> None:
    ingest_one(facebook, "<script>alert(1)</script> ministro idiota", thread="p-insulto")
    ingest_one(facebook, "¿Dónde me vacuno?", thread="p-consulta")
    hidden = Conversation.objects.get(thread_id="p-insulto")
    assert "oculto" in hidden.flags
    login(client, communicator)
    default = client.get(reverse("inbox:list")).content.decode()
    assert f"/bandeja/{hidden.pk}/" not in default
    assert "Mostrar ocultos" in default
    shown = client.get(reverse("inbox:list") + "?ocultos=on").content.decode()
    assert f"/bandeja/{hidden.pk}/" in shown
    assert "oculto" in shown  # marked
    only = client.get(reverse("inbox:list") + "?alerta=oculto").content.decode()
    assert f"/bandeja/{hidden.pk}/" in only
    # Asking for insults shows them, hidden or not (moderation hides every insult by default:
    # the filter gave an empty list).
    insults = client.get(reverse("inbox:list") + "?alerta=insulto").content.decode()
    assert f"/bandeja/{hidden.pk}/" in insults
    # The conversation itself: the text is there, folded and escaped.
    page = client.get(reverse("inbox:detail", args=[hidden.pk])).content.decode()
    assert "Ver el texto oculto" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "Historial de moderación" in page


@pytest.mark.django_db
def test_a_thread_with_one_insult_among_questions_stays_in_view(
    fake: Any, facebook: SocialAccount
) -> None:
    messages_ingest(
        batch=[
            event(facebook, "¿Hay citas?", thread="p-mixto"),
            event(facebook, "idiota", thread="p-mixto", author="otro"),
        ]
    )
    conversation = Conversation.objects.get(thread_id="p-mixto")
    assert "insulto" in conversation.flags
    assert "oculto" not in conversation.flags


@pytest.mark.django_db
def test_hide_on_platform_goes_through_a_queued_task_with_retries(
    fake: Any,
    facebook: SocialAccount,
    entities: dict[str, Entity],
    queued: list[int],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ModerationPolicy.objects.create(entity=entities["minsa"], hide_on_platform=True)
    with django_capture_on_commit_callbacks(execute=True):
        insult = ingest_one(facebook, "rata corrupta", message_id="fb-comment-1")
    action = ModerationAction.objects.get(message=insult, scope=ModerationScope.PLATAFORMA)
    assert action.platform_result == PlatformResult.PENDIENTE
    assert queued == [action.pk]
    attempts: list[bool] = []

    def flaky(account: Any, comment_id: str, hidden: bool) -> None:
        attempts.append(hidden)
        if len(attempts) == 1:
            raise SendError("Meta no responde")
        assert comment_id == "fb-comment-1"

    monkeypatch.setattr(moderation_platform, "hider_for", lambda platform: flaky)
    assert moderation.platform_action_run(action.pk) == "error"
    action.refresh_from_db()
    assert action.platform_result == PlatformResult.PENDIENTE
    assert action.platform_attempts == 1
    assert action.platform_error == "Meta no responde"
    assert queued[-1] == action.pk  # retried later
    assert moderation.platform_action_run(action.pk) == "hecho"
    action.refresh_from_db()
    assert action.platform_result == PlatformResult.HECHO
    assert action.platform_done_at is not None
    assert attempts == [True, True]
    assert Message.objects.filter(pk=insult.pk).exists()  # never deleted
    # Running again changes nothing.
    assert moderation.platform_action_run(action.pk) == "nada que hacer"


@pytest.mark.django_db
def test_platform_failures_stop_after_the_last_attempt(
    fake: Any,
    facebook: SocialAccount,
    entities: dict[str, Entity],
    queued: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ModerationPolicy.objects.create(entity=entities["minsa"], hide_on_platform=True)
    insult = ingest_one(facebook, "rata")
    action = ModerationAction.objects.get(message=insult, scope=ModerationScope.PLATAFORMA)

    def down(account: Any, comment_id: str, hidden: bool) -> None:
        raise SendError("token vencido", permanent=True)

    monkeypatch.setattr(moderation_platform, "hider_for", lambda platform: down)
    assert moderation.platform_action_run(action.pk) == "error"
    action.refresh_from_db()
    assert action.platform_result == PlatformResult.FALLIDO
    assert AuditEvent.objects.filter(verb="mensaje.moderacion_plataforma_fallida").exists()


@pytest.mark.django_db
def test_platforms_without_hide_and_direct_messages_are_hidden_only_in_the_inbox(
    fake: Any,
    facebook: SocialAccount,
    verified_account: SocialAccount,
    entities: dict[str, Entity],
    queued: list[int],
) -> None:
    ModerationPolicy.objects.create(entity=entities["minsa"], hide_on_platform=True)
    on_x = ingest_one(verified_account, "rata")  # X: no hide-comment
    dm = ingest_one(facebook, "idiota", thread_kind="mensaje_directo", thread="dm-1")
    assert on_x.hidden_at is not None and dm.hidden_at is not None
    assert not ModerationAction.objects.filter(scope=ModerationScope.PLATAFORMA).exists()


@pytest.mark.django_db
def test_staff_show_a_message_again_and_the_model_does_not_hide_it_again(
    fake: Any, facebook: SocialAccount, communicator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    insult = ingest_one(facebook, "idiota", message_id="c-9")
    moderation.message_show(actor=communicator, message=insult, reason="Es una cita textual")
    insult.refresh_from_db()
    assert insult.hidden_at is None
    last = ModerationAction.objects.filter(message=insult).last()
    assert last is not None
    assert (last.action, last.actor, last.is_automatic) == ("mostrar", communicator, False)
    assert last.reason == "Es una cita textual"
    assert AuditEvent.objects.filter(verb="mensaje.mostrado", actor=communicator).exists()
    # A new model version reclassifies it: still shown.
    install(monkeypatch, version="fake-2")
    assert language.messages_classify(message_ids=[insult.pk]) == 1
    insult.refresh_from_db()
    assert insult.hidden_at is None
    conversation = Conversation.objects.get(pk=insult.conversation_id)
    assert "oculto" not in conversation.flags


@pytest.mark.django_db
def test_what_the_model_hid_is_shown_again_when_an_edit_is_no_longer_insulting(
    fake: Any, facebook: SocialAccount
) -> None:
    messages_ingest(batch=[event(facebook, "idiota", message_id="c-10")])
    messages_ingest(batch=[event(facebook, "perdón, ¿hay citas?", message_id="c-10", verb="edit")])
    message = Message.objects.get(platform_message_id="c-10")
    assert message.hidden_at is None
    actions = list(
        ModerationAction.objects.filter(message=message).values_list("action", flat=True)
    )
    assert actions == ["ocultar", "mostrar"]


@pytest.mark.django_db
def test_manual_hide_needs_a_reason_and_access(
    fake: Any,
    facebook: SocialAccount,
    communicator: User,
    other_manager: User,
    queued: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    message = ingest_one(facebook, "Compren mi producto en mi tienda")
    with pytest.raises(DomainError, match="motivo"):
        moderation.message_hide(actor=communicator, message=message, reason="  ")
    with pytest.raises(PermissionDeniedError):
        moderation.message_hide(actor=other_manager, message=message, reason="spam")
    assert not ModerationAction.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        actions = moderation.message_hide(
            actor=communicator, message=message, reason="Publicidad", on_platform=True
        )
    assert [(a.scope, a.actor_id) for a in actions] == [
        ("bandeja", communicator.pk),
        ("plataforma", communicator.pk),
    ]
    assert queued == [actions[1].pk]
    with pytest.raises(DomainError, match="ya está oculto"):
        moderation.message_hide(actor=communicator, message=message, reason="otra vez")
    # Showing it again also shows it on the platform.
    with django_capture_on_commit_callbacks(execute=True):
        shown = moderation.message_show(actor=communicator, message=message, reason="Error")
    assert [(a.action, a.scope) for a in shown] == [
        ("mostrar", "bandeja"),
        ("mostrar", "plataforma"),
    ]


@pytest.mark.django_db
def test_hide_and_show_from_the_conversation_view(
    fake: Any, facebook: SocialAccount, communicator: User, other_manager: User, client: Client
) -> None:
    message = ingest_one(facebook, "Sigan mi página de ventas")
    url = reverse("inbox:message_hide", args=[message.conversation_id, message.pk])
    login(client, other_manager)
    assert client.post(url, {"motivo": "spam"}).status_code == 404
    login(client, communicator)
    refused = client.post(url, {"motivo": ""})
    assert refused.status_code == 400
    message.refresh_from_db()
    assert message.hidden_at is None
    response = client.post(url, {"motivo": "Publicidad"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Mensaje oculto" in response.content.decode()
    message.refresh_from_db()
    assert message.hidden_at is not None
    show = reverse("inbox:message_show", args=[message.conversation_id, message.pk])
    assert client.post(show, {"motivo": "Me equivoqué"}).status_code == 302
    message.refresh_from_db()
    assert message.hidden_at is None
    # A message of another conversation under this conversation's url: 404.
    other = ingest_one(facebook, "¿Hay citas?", thread="p-otro")
    wrong = reverse("inbox:message_hide", args=[message.conversation_id, other.pk])
    assert client.post(wrong, {"motivo": "x"}).status_code == 404


@pytest.mark.django_db
def test_moderation_settings_for_managers_only(
    facebook: SocialAccount,
    manager: User,
    communicator: User,
    other_manager: User,
    rector: User,
    client: Client,
    fake: Any,
) -> None:
    url = reverse("inbox:moderation_settings", args=["minsa"])
    login(client, communicator)
    assert client.get(url).status_code == 403
    login(client, other_manager)
    assert client.get(url).status_code == 404
    login(client, manager)
    page = client.get(url)
    assert page.status_code == 200
    assert "Avisar de inmediato" in page.content.decode()  # the default checklist
    bad = client.post(
        url,
        {"guardar_politica": "1", "umbral_crisis": "0.5", "minimo_crisis": "5"},
    )
    assert bad.status_code == 400
    assert not ModerationPolicy.objects.filter(entity__code="minsa").exists()
    ok = client.post(
        url,
        {
            "guardar_politica": "1",
            "ocultar_spam": "on",
            "ocultar_en_plataforma": "on",
            "umbral_crisis": "4",
            "minimo_crisis": "8",
        },
    )
    assert ok.status_code == 302
    policy = ModerationPolicy.objects.get(entity__code="minsa")
    assert (policy.hide_insults, policy.hide_spam, policy.hide_on_platform) == (False, True, True)
    assert policy.crisis_multiplier == Decimal("4")
    assert policy.crisis_min_messages == 8
    assert AuditEvent.objects.filter(verb="moderacion.politica_actualizada").exists()
    login(client, rector)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_a_persons_correction_overrides_an_earlier_show_and_a_threat_is_always_in_view(
    fake: Any, facebook: SocialAccount, communicator: User, manager: User
) -> None:
    message = ingest_one(facebook, "idiota")
    moderation.message_show(actor=communicator, message=message, reason="Cita textual")
    language.message_correct(actor=manager, message=message, kind="otro", flags=["insulto"])
    message.refresh_from_db()
    assert message.hidden_at is not None  # the later decision of a person wins
    moderation.message_show(actor=manager, message=message, reason="Revisado")
    moderation.message_hide(actor=manager, message=message, reason="Ofensivo")
    language.message_correct(
        actor=communicator, message=message, kind="otro", flags=["insulto", "amenaza"]
    )
    message.refresh_from_db()
    assert message.hidden_at is None  # evidence stays in view
