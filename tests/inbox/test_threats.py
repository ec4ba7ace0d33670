"""Threats: one alert per threatening message, told at once to the entity's managers and the
rector office (in the app and by e-mail), kept as evidence, attended by managers. Crisis: the
banner and its checklist when insults and threats spike above the entity's usual rate."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, Notification, User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import moderation
from agora.inbox.models import (
    AlertStatus,
    CrisisChecklist,
    Message,
    ModerationPolicy,
    ThreatAlert,
)
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


@pytest.mark.django_db
def test_a_threat_alerts_managers_and_rector_at_once_in_the_app_and_by_mail(
    fake: Any,
    facebook: SocialAccount,
    manager: User,
    communicator: User,
    other_manager: User,
    rector: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    for user, address in ((manager, "gestor@minsa.gob.pe"), (rector, "rectora@pcm.gob.pe")):
        user.email = address
        user.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        threat = ingest_one(facebook, "Te voy a matar, ministro")
    alert = ThreatAlert.objects.get()
    assert alert.message == threat
    assert alert.entity.code == "minsa"
    assert alert.status == AlertStatus.ABIERTA
    assert alert.model_version == "fake-1"
    notified = set(Notification.objects.filter(kind="amenaza").values_list("user", flat=True))
    assert notified == {manager.pk, rector.pk}  # not the communicator, not another entity
    # One e-mail each: the manager and the rector office do not see each other's address.
    assert sorted(message.to for message in mail.outbox) == [
        ["gestor@minsa.gob.pe"],
        ["rectora@pcm.gob.pe"],
    ]
    for message in mail.outbox:
        assert "Amenaza" in message.subject
        assert "matar" not in message.body  # the citizen's words stay in Ágora
    # Kept as evidence: visible, never hidden.
    assert threat.hidden_at is None
    assert AuditEvent.objects.filter(verb="amenaza.alerta_creada").count() == 1


@pytest.mark.django_db
def test_replays_edits_and_reclassification_do_not_duplicate_the_alert(
    fake: Any, facebook: SocialAccount, manager: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    threat = event(facebook, "voy a quemar la municipalidad", message_id="t-1")
    messages_ingest(batch=[threat])
    messages_ingest(batch=[threat])
    messages_ingest(batch=[event(facebook, "voy a quemar todo", message_id="t-1", verb="edit")])
    install(monkeypatch, version="fake-2")
    message = Message.objects.get(platform_message_id="t-1")
    language.messages_classify(message_ids=[message.pk])
    assert ThreatAlert.objects.count() == 1
    assert Notification.objects.filter(kind="amenaza", user=manager).count() == 1


@pytest.mark.django_db
def test_a_correction_to_threat_raises_the_alert(
    fake: Any, facebook: SocialAccount, communicator: User, manager: User
) -> None:
    message = ingest_one(facebook, "ya sabemos dónde vives")
    assert not ThreatAlert.objects.exists()
    language.message_correct(actor=communicator, message=message, kind="otro", flags=["amenaza"])
    alert = ThreatAlert.objects.get(message=message)
    assert alert.model_version == "manual"
    assert Notification.objects.filter(kind="amenaza", user=manager).exists()


@pytest.mark.django_db
def test_a_threat_cannot_be_hidden(
    fake: Any, facebook: SocialAccount, manager: User, client: Client
) -> None:
    threat = ingest_one(facebook, "rata, te voy a matar")  # insult and threat
    assert threat.hidden_at is None  # a threat is never hidden, even when it also insults
    with pytest.raises(DomainError, match="evidencia"):
        moderation.message_hide(actor=manager, message=threat, reason="feo", on_platform=True)
    threat.refresh_from_db()
    assert threat.hidden_at is None
    login(client, manager)
    url = reverse("inbox:message_hide", args=[threat.conversation_id, threat.pk])
    response = client.post(url, {"motivo": "feo"})
    assert response.status_code == 400
    assert "evidencia" in response.content.decode()
    # Nor deleted: the alert protects the message.
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        Message.objects.filter(pk=threat.pk).delete()


@pytest.mark.django_db
def test_a_message_under_alert_stays_in_view_after_its_threat_flag_is_dropped(
    fake: Any,
    facebook: SocialAccount,
    communicator: User,
    entities: dict[str, Entity],
) -> None:
    """A correction (or an edit reclassified) that leaves only the insult does not hide the
    evidence, in the inbox or on the platform, although the policy hides insults there."""
    ModerationPolicy.objects.create(entity=entities["minsa"], hide_on_platform=True)
    threat = ingest_one(facebook, "rata, te voy a matar", message_id="t-9")
    assert ThreatAlert.objects.filter(message=threat).exists()
    language.message_correct(actor=communicator, message=threat, kind="otro", flags=["insulto"])
    messages_ingest(batch=[event(facebook, "rata", message_id="t-9", verb="edit")])
    threat.refresh_from_db()
    assert threat.hidden_at is None
    assert not threat.moderation_actions.exists()
    # Without an alert, the same insult is hidden by the policy.
    plain = ingest_one(facebook, "rata", message_id="t-10")
    assert plain.hidden_at is not None


@pytest.mark.django_db
def test_alert_page_for_managers_and_rector_only_and_the_attended_action(
    fake: Any,
    facebook: SocialAccount,
    manager: User,
    communicator: User,
    other_manager: User,
    rector: User,
    client: Client,
) -> None:
    ingest_one(facebook, "te voy a matar <script>alert(1)</script>")
    alert = ThreatAlert.objects.get()
    login(client, communicator)
    assert client.get(reverse("inbox:alerts")).status_code == 403
    assert client.post(reverse("inbox:alert_attend", args=[alert.pk])).status_code == 404
    login(client, other_manager)
    page = client.get(reverse("inbox:alerts")).content.decode()
    assert "te voy a matar" not in page  # another entity's alert
    assert client.post(reverse("inbox:alert_attend", args=[alert.pk])).status_code == 404
    login(client, manager)
    page = client.get(reverse("inbox:alerts")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "Marcar como atendida" in page
    inbox = client.get(reverse("inbox:list")).content.decode()
    assert "Alertas de amenaza (1 abierta)" in inbox
    response = client.post(
        reverse("inbox:alert_attend", args=[alert.pk]), {"nota": "Denunciado a la PNP"}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ATENDIDA
    assert alert.handled_by == manager
    assert alert.handled_at is not None
    assert alert.note == "Denunciado a la PNP"
    with pytest.raises(DomainError, match="ya fue atendida"):
        moderation.threat_alert_attend(actor=rector, alert=alert)
    login(client, rector)
    page = client.get(reverse("inbox:alerts") + "?estado=atendida").content.decode()
    assert "Denunciado a la PNP" in page


@pytest.mark.django_db
def test_a_communicator_cannot_attend_an_alert(
    fake: Any, facebook: SocialAccount, communicator: User
) -> None:
    ingest_one(facebook, "te voy a matar")
    alert = ThreatAlert.objects.get()
    with pytest.raises(PermissionDeniedError):
        moderation.threat_alert_attend(actor=communicator, alert=alert)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ABIERTA


# --- Crisis ----------------------------------------------------------------------------------


def _insults(facebook: SocialAccount, count: int, *, hours_ago: float, now: Any) -> None:
    messages_ingest(
        batch=[
            event(
                facebook,
                f"idiota {hours_ago} {i}",
                thread=f"c-{hours_ago}-{i}",
                now=now,
                minutes=hours_ago * 60,
            )
            for i in range(count)
        ]
    )


@pytest.mark.django_db
def test_crisis_when_the_last_hour_is_several_times_the_usual_rate(
    fake: Any,
    facebook: SocialAccount,
    manager: User,
    communicator: User,
    other_manager: User,
    client: Client,
) -> None:
    now = timezone.now()
    assert moderation.crises_for(user=manager, now=now) == []
    # Four in the last hour: under the minimum of five.
    _insults(facebook, 4, hours_ago=0.5, now=now)
    assert moderation.crises_for(user=manager, now=now) == []
    _insults(facebook, 2, hours_ago=0.2, now=now)
    [crisis] = moderation.crises_for(user=manager, now=now)
    assert crisis.entity.code == "minsa"
    assert crisis.last_hour == 6
    assert crisis.checklist == list(moderation.DEFAULT_CHECKLIST)
    assert crisis.can_edit
    # The other entity's manager sees nothing; the communicator sees it without the edit link.
    assert moderation.crises_for(user=other_manager, now=now) == []
    login(client, communicator)
    page = client.get(reverse("inbox:list")).content.decode()
    assert "Posible crisis en" in page
    assert "Escuchar primero" in page
    assert "Editar la lista de crisis" not in page
    login(client, manager)
    page = client.get(reverse("inbox:list")).content.decode()
    assert "Editar la lista de crisis" in page


@pytest.mark.django_db
def test_no_crisis_when_the_entity_usually_gets_that_many(
    fake: Any, facebook: SocialAccount, manager: User
) -> None:
    now = timezone.now()
    # 14 days × 24 h at 2.5 an hour on average = 840 over the previous days (one batch a day).
    for day in range(14):
        _insults(facebook, 60, hours_ago=2 + 24 * day, now=now)
    _insults(facebook, 6, hours_ago=0.3, now=now)
    # usual = 840 / 336 = 2.5 an hour; threshold = max(5, 3 × 2.5) = 7.5 > 6.
    assert moderation.crises_for(user=manager, now=now) == []
    _insults(facebook, 2, hours_ago=0.1, now=now)
    [crisis] = moderation.crises_for(user=manager, now=now)
    assert crisis.usual_per_hour == pytest.approx(2.5)
    assert crisis.threshold == pytest.approx(7.5)


@pytest.mark.django_db
def test_crisis_threshold_follows_the_entitys_policy(
    fake: Any, facebook: SocialAccount, manager: User, entities: dict[str, Entity]
) -> None:
    now = timezone.now()
    _insults(facebook, 6, hours_ago=0.5, now=now)
    ModerationPolicy.objects.create(entity=entities["minsa"], crisis_min_messages=10)
    assert moderation.crises_for(user=manager, now=now) == []


@pytest.mark.django_db
def test_the_manager_edits_the_crisis_checklist(
    fake: Any,
    facebook: SocialAccount,
    manager: User,
    communicator: User,
    entities: dict[str, Entity],
    client: Client,
) -> None:
    minsa = entities["minsa"]
    with pytest.raises(PermissionDeniedError):
        moderation.crisis_checklist_update(actor=communicator, entity=minsa, text="Paso")
    with pytest.raises(DomainError, match="al menos un paso"):
        moderation.crisis_checklist_update(actor=manager, entity=minsa, text=" \n ")
    with pytest.raises(DomainError, match="paso 2"):
        moderation.crisis_checklist_update(actor=manager, entity=minsa, text="a\n" + "b" * 301)
    assert not CrisisChecklist.objects.exists()
    login(client, manager)
    url = reverse("inbox:moderation_settings", args=["minsa"])
    response = client.post(url, {"guardar_lista": "1", "pasos": "Llamar al jefe\n\nRevisar <b>"})
    assert response.status_code == 302
    assert CrisisChecklist.objects.get(entity=minsa).items == ["Llamar al jefe", "Revisar <b>"]
    assert AuditEvent.objects.filter(verb="crisis.lista_actualizada").exists()
    now = timezone.now()
    _insults(facebook, 5, hours_ago=0.5, now=now)
    page = client.get(reverse("inbox:list")).content.decode()
    assert "Llamar al jefe" in page
    assert "Revisar &lt;b&gt;" in page
