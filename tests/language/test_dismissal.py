"""«No es amenaza / insulto / spam…» (agora.language.dismissal): one correction that removes
the flag and keeps the kind, audited, that closes the threat alert as a false one and shows
again what the flag hid (on the platform too); replays record nothing; bad input changes
nothing."""

from __future__ import annotations

from typing import Any

import pytest

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import moderation
from agora.inbox.models import (
    AlertStatus,
    Conversation,
    Message,
    ModerationAction,
    ModerationPolicy,
    ModerationScope,
    ModerationVerb,
    PlatformResult,
    ThreatAlert,
)
from agora.language import labelling
from agora.language import services as language
from agora.language.dismissal import dismiss_label, message_flag_dismiss
from agora.language.models import Correction
from tests.language.fake_model import account_for, ingest_one, install


@pytest.fixture
def facebook(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return account_for(entities["minsa"], "facebook", "minsa.peru", rector)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Any:
    return install(monkeypatch)


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Platform actions queued after commit (not run)."""
    calls: list[int] = []
    monkeypatch.setattr(moderation, "platform_actions_run", lambda ids: calls.extend(ids))
    return calls


def _state() -> tuple[int, int, int]:
    return (
        Correction.objects.count(),
        AuditEvent.objects.count(),
        ModerationAction.objects.count(),
    )


@pytest.mark.django_db
def test_not_a_threat_closes_the_alert_as_false_and_keeps_the_kind(
    fake: Any, facebook: SocialAccount, communicator: User
) -> None:
    message = ingest_one(facebook, "te voy a matar si no me atienden")
    alert = ThreatAlert.objects.get(message=message)
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert (alert.status, conversation.priority) == (AlertStatus.ABIERTA, "urgente")
    kind = message.kind

    done = message_flag_dismiss(actor=communicator, message=message, flag="amenaza")

    assert not done.replay and done.alert is not None
    message.refresh_from_db()
    assert "amenaza" not in message.flags and message.kind == kind
    assert message.model_version == language.MANUAL_VERSION
    alert.refresh_from_db()
    assert alert.status == AlertStatus.DESCARTADA
    assert alert.handled_by == communicator and alert.handled_at is not None
    assert "No es amenaza" in alert.note
    conversation.refresh_from_db()
    assert "amenaza" not in conversation.flags
    assert conversation.priority != "urgente"  # the open-alert rule no longer holds
    assert moderation.open_alerts_count(communicator) == 0
    correction = Correction.objects.get(message=message)
    assert (correction.kind, correction.flags) == (kind, [])
    assert correction.previous_flags == ["amenaza"] and correction.by == communicator
    after = AuditEvent.objects.get(verb="mensaje.clasificacion_corregida").after or {}
    assert after["descartada"] == "amenaza"
    assert after["alerta"] == alert.pk
    assert after["correction"] == correction.pk
    assert AuditEvent.objects.filter(verb="amenaza.alerta_descartada").count() == 1


@pytest.mark.django_db
def test_the_correction_trains_the_next_model(
    fake: Any, facebook: SocialAccount, communicator: User
) -> None:
    # One message in five is in the fixed test sample by its id (never trained): the ids a
    # PostgreSQL sequence hands out depend on earlier tests, so take one that trains.
    for n in range(10):
        message = ingest_one(facebook, "idiota, no me contestan", message_id=f"fb-train-{n}")
        if not labelling.in_sample(message.pk):
            break
    message_flag_dismiss(actor=communicator, message=message, flag="insulto")
    examples = language.corrections_as_examples()
    assert [(e.text, e.flags) for e in examples] == [("idiota, no me contestan", ())]


@pytest.mark.django_db
def test_not_an_insult_shows_again_what_the_flag_hid_in_the_inbox_and_on_the_platform(
    fake: Any,
    facebook: SocialAccount,
    entities: dict[str, Entity],
    communicator: User,
    queued: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    ModerationPolicy.objects.create(entity=entities["minsa"], hide_on_platform=True)
    with django_capture_on_commit_callbacks(execute=True):
        message = ingest_one(facebook, "rata, devuelvan la plata", message_id="fb-c-1")
    message.refresh_from_db()
    assert message.hidden_at is not None
    hidden_there = ModerationAction.objects.get(message=message, scope=ModerationScope.PLATAFORMA)
    ModerationAction.objects.filter(pk=hidden_there.pk).update(platform_result=PlatformResult.HECHO)

    with django_capture_on_commit_callbacks(execute=True):
        done = message_flag_dismiss(actor=communicator, message=message, flag="insulto")

    assert done.shown and done.alert is None
    message.refresh_from_db()
    assert message.hidden_at is None and message.flags == []
    shown = ModerationAction.objects.filter(message=message, action=ModerationVerb.MOSTRAR)
    assert {a.scope for a in shown} == {ModerationScope.BANDEJA, ModerationScope.PLATAFORMA}
    on_platform = shown.get(scope=ModerationScope.PLATAFORMA)
    assert on_platform.platform_result == PlatformResult.PENDIENTE  # recorded with the change
    assert queued[-1] == on_platform.pk  # and queued once committed
    assert all(a.actor == communicator for a in shown)
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert "oculto" not in conversation.flags and not conversation.hidden


@pytest.mark.django_db
def test_a_hide_caused_by_another_flag_stays(
    fake: Any, facebook: SocialAccount, communicator: User
) -> None:
    """Insult and spam: «no es spam» leaves it hidden, the insult still hides it."""
    message = ingest_one(facebook, "idiota, gana dinero aqui")
    assert set(message.flags) == {"insulto", "spam"}
    message_flag_dismiss(actor=communicator, message=message, flag="spam")
    message.refresh_from_db()
    assert message.flags == ["insulto"] and message.hidden_at is not None


@pytest.mark.django_db
def test_once_the_alert_is_dismissed_a_remaining_insult_is_moderated(
    fake: Any, facebook: SocialAccount, communicator: User
) -> None:
    """A message under an open alert is evidence and stays in view; once the team says it is
    not a threat, the entity's policy on insults applies to it."""
    message = ingest_one(facebook, "rata, te voy a matar")
    message.refresh_from_db()
    assert message.hidden_at is None
    message_flag_dismiss(actor=communicator, message=message, flag="amenaza")
    message.refresh_from_db()
    assert message.flags == ["insulto"] and message.hidden_at is not None


@pytest.mark.django_db
def test_a_replay_changes_nothing_and_records_nothing(
    fake: Any, facebook: SocialAccount, communicator: User, manager: User
) -> None:
    message = ingest_one(facebook, "te voy a matar")
    message_flag_dismiss(actor=communicator, message=message, flag="amenaza")
    before = _state()
    again = message_flag_dismiss(actor=communicator, message=message, flag="amenaza")
    other = message_flag_dismiss(actor=manager, message=message, flag="amenaza")
    assert again.replay and other.replay
    assert _state() == before
    assert ThreatAlert.objects.get(message=message).handled_by == communicator


@pytest.mark.django_db
def test_a_replay_closes_an_alert_an_older_correction_left_open(
    fake: Any, facebook: SocialAccount, communicator: User
) -> None:
    message = ingest_one(facebook, "te voy a matar")
    language.message_correct(actor=communicator, message=message, kind="queja", flags=[])
    assert ThreatAlert.objects.get(message=message).status == AlertStatus.ABIERTA
    done = message_flag_dismiss(actor=communicator, message=message, flag="amenaza")
    assert done.replay
    assert ThreatAlert.objects.get(message=message).status == AlertStatus.DESCARTADA
    assert Correction.objects.filter(message=message).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("flag", ["no-existe", "", "AMENAZA", "spam"])
def test_an_unknown_flag_or_one_the_message_lacks_changes_nothing(
    fake: Any, facebook: SocialAccount, communicator: User, flag: str
) -> None:
    message = ingest_one(facebook, "te voy a matar")
    before = _state()
    with pytest.raises(DomainError) as error:
        message_flag_dismiss(actor=communicator, message=message, flag=flag)
    assert "Alerta desconocida" in error.value.message or "no tiene la alerta" in str(error.value)
    assert _state() == before
    message.refresh_from_db()
    assert message.flags == ["amenaza"]
    assert ThreatAlert.objects.get(message=message).status == AlertStatus.ABIERTA


@pytest.mark.django_db
def test_only_staff_of_the_entity_may_dismiss(
    fake: Any, facebook: SocialAccount, other_manager: User, make_user: Any
) -> None:
    message = ingest_one(facebook, "te voy a matar")
    before = _state()
    for person in (other_manager, make_user("ciudadana")):
        with pytest.raises(PermissionDeniedError):
            message_flag_dismiss(actor=person, message=message, flag="amenaza")
    assert _state() == before
    assert ThreatAlert.objects.get(message=message).status == AlertStatus.ABIERTA


@pytest.mark.django_db
def test_an_answer_of_the_entity_has_no_flags_to_dismiss(
    fake: Any, facebook: SocialAccount, communicator: User
) -> None:
    message = ingest_one(facebook, "te voy a matar")
    Message.objects.filter(pk=message.pk).update(direction="saliente")
    message.refresh_from_db()
    with pytest.raises(DomainError):
        message_flag_dismiss(actor=communicator, message=message, flag="amenaza")


def test_each_flag_has_its_button_text() -> None:
    assert [dismiss_label(f) for f in ("amenaza", "insulto", "spam", "datos_personales")] == [
        "No es amenaza",
        "No es insulto",
        "No es spam",
        "No tiene datos personales",
    ]


@pytest.mark.django_db
def test_the_api_dismisses_a_flag_scoped_like_the_inbox(
    fake: Any, facebook: SocialAccount, communicator: User, other_manager: User
) -> None:
    from rest_framework.test import APIClient

    message = ingest_one(facebook, "te voy a matar")
    url = f"/api/v1/messages/{message.pk}/dismiss-flag/"
    theirs = APIClient()
    theirs.force_authenticate(other_manager)
    assert theirs.post(url, {"flag": "amenaza"}, format="json").status_code == 404
    client = APIClient()
    client.force_authenticate(communicator)
    bad = client.post(url, {"flag": "bomba"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"flag"}
    lacking = client.post(url, {"flag": "spam"}, format="json")
    assert lacking.status_code == 400
    assert not Correction.objects.exists()
    ok = client.post(url, {"flag": "amenaza"}, format="json")
    assert ok.status_code == 200 and ok.json()["flags"] == []
    assert client.post(url, {"flag": "amenaza"}, format="json").status_code == 200  # replay
    assert Correction.objects.count() == 1
    assert ThreatAlert.objects.get(message=message).status == AlertStatus.DESCARTADA
