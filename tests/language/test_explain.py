"""Why a message carries each flag (agora.language.explain): the words that weighed most in
the current model — whole words as the citizen wrote them, personal data masked — or the
rule that fired; faithful to the model (the contributions add up to its decision value);
computed once for a whole thread."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from scipy.special import expit

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox.models import Conversation, Message
from agora.language import explain
from agora.language import model as classifier
from agora.language.models import ModelVersion
from tests.language.fake_model import account_for, ingest_one

THREAT = "Te voy a matar, ya sabemos donde vives"
INSULT = "alcalde rata ladrón, eres un inútil 🤬"
SPAM = "GANA DINERO desde casa https://bit.ly/xx escribe al 987654321"
PERSONAL = "mi dni es 45678912 y vivo en Av. Los Olivos 123"
TEXTS = [THREAT, INSULT, SPAM, PERSONAL]


def _reasons(model: classifier.TrainedModel, text: str, *flags: str) -> dict[str, Any]:
    return explain.explain_texts([text], [list(flags)], model=model)[0]


def test_the_threat_words_weigh_most_for_a_threat(mini_model: classifier.TrainedModel) -> None:
    assert "amenaza" in mini_model.classify_texts([THREAT])[0].flags
    words = _reasons(mini_model, THREAT, "amenaza")["amenaza"].words
    assert 1 <= len(words) <= explain.MAX_ITEMS
    assert "matar" in words
    assert any("sabemos" in w or "donde" in w for w in words)


def test_the_insult_words_weigh_most_for_an_insult(mini_model: classifier.TrainedModel) -> None:
    words = _reasons(mini_model, INSULT, "insulto")["insulto"].words
    assert {"rata", "ladrón"} <= set(words)  # as written, with its accent


def test_a_rule_flag_names_the_rule(mini_model: classifier.TrainedModel) -> None:
    reason = _reasons(mini_model, PERSONAL, "datos_personales")["datos_personales"]
    assert reason.rules == ("número de DNI", "dirección de domicilio")
    assert reason.words == ()
    phone = _reasons(mini_model, SPAM, "datos_personales")["datos_personales"]
    assert phone.rules == ("número de teléfono",)


def test_personal_data_is_masked_and_no_fragment_is_shown(
    mini_model: classifier.TrainedModel,
) -> None:
    """Spam by a phone, a link and an offer: the contributors never show the number, and
    every one is made of whole words of the message or of a named placeholder."""
    reasons = _reasons(mini_model, SPAM + " te llamo al 987 654 321", "spam")["spam"]
    assert reasons.words
    shown = " ".join(reasons.words)
    assert not re.search(r"\d{3}", shown)
    written = set(re.findall(r"\w+", SPAM.lower()))
    labels = set(re.findall(r"\w+", " ".join(explain._placeholder_labels().values()).lower()))
    labels |= set(re.findall(r"\w+", " ".join(explain._signal_labels().values()).lower()))
    for word in re.findall(r"\w+", shown.lower()):
        assert word in written | labels, word


def test_the_contributions_add_up_to_the_models_decision(
    mini_model: classifier.TrainedModel,
) -> None:
    """Faithful: the positions' contributions plus the intercept are the log-odds the model
    gives (if the features change, this fails before staff are shown a wrong reason)."""
    names, table = mini_model.scores(TEXTS)
    for flag in classifier.MODEL_FLAGS:
        weights = mini_model.flag_weights(flag)
        assert weights is not None
        found = explain.flag_contributions(mini_model, TEXTS, {flag: list(range(len(TEXTS)))})
        for row, (_tokens, units) in found[flag].items():
            total = units.single.sum() + units.pair.sum() + sum(units.other.values())
            # Compared as probabilities: the calibration of the tiny fixture model saturates
            # some (log-odds in the hundreds), which the table holds as 1.0.
            probability = table[row, names.index(flag)]
            assert expit(total + weights[1]) == pytest.approx(probability, rel=1e-6, abs=1e-9)


def test_without_a_model_only_rules_explain(mini_model: classifier.TrainedModel) -> None:
    reasons = explain.explain_texts(
        [THREAT, PERSONAL], [["amenaza"], ["datos_personales"]], model=None, by_staff=[True, False]
    )
    assert reasons[0]["amenaza"].words == () and reasons[0]["amenaza"].by_staff
    assert reasons[1]["datos_personales"].rules == ("número de DNI", "dirección de domicilio")


def test_a_thread_is_explained_in_one_pass(
    current_model: classifier.TrainedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    features = classifier.TrainedModel.features

    def counted(self: classifier.TrainedModel, texts: Any) -> Any:
        calls.append(len(texts))
        return features(self, texts)

    monkeypatch.setattr(classifier.TrainedModel, "features", counted)
    messages = [
        Message(pk=i + 1, text=TEXTS[i % 4], flags=[["amenaza"], ["insulto"], ["spam"], []][i % 4])
        for i in range(50)
    ]
    found = explain.explain_messages(messages)
    assert calls == [38]  # the flagged ones, once
    assert len(found) == 38
    assert "matar" in found[1]["amenaza"].words


def test_a_failing_explanation_falls_back_to_the_rules(
    current_model: classifier.TrainedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> Any:
        raise ValueError("columnas inesperadas")

    monkeypatch.setattr(explain, "_model_words", broken)
    found = explain.explain_messages(
        [Message(pk=1, text=PERSONAL, flags=["amenaza", "datos_personales"])]
    )
    assert found[1]["amenaza"].words == ()
    assert found[1]["datos_personales"].rules == ("número de DNI", "dirección de domicilio")


# --- the conversation view --------------------------------------------------------------------


@pytest.fixture
def threat_conversation(
    current_model: classifier.TrainedModel, rector: User, entities: dict[str, Entity]
) -> Conversation:
    facebook: SocialAccount = account_for(entities["minsa"], "facebook", "minsa.peru", rector)
    message = ingest_one(facebook, THREAT)
    ingest_one(facebook, PERSONAL, author="ciudadano-1")
    assert "amenaza" in message.flags
    return Conversation.objects.get(pk=message.conversation_id)


@pytest.mark.django_db
def test_the_conversation_shows_why_next_to_each_flag(
    client: Client,
    threat_conversation: Conversation,
    communicator: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    features = classifier.TrainedModel.features

    def counted(self: classifier.TrainedModel, texts: Any) -> Any:
        calls.append(len(texts))
        return features(self, texts)

    monkeypatch.setattr(classifier.TrainedModel, "features", counted)
    client.force_login(communicator)
    page = client.get(reverse("inbox:detail", args=[threat_conversation.pk])).content.decode()
    assert "pesaron:" in page
    assert '<q class="flag-word">matar</q>' in page
    assert "regla: número de DNI, dirección de domicilio" in page
    assert "45678912" not in page.split("flag-reasons", 1)[1].split("</ul>", 1)[0]
    assert ">No es amenaza</button>" in page and 'aria-keyshortcuts="n"' in page
    assert ">No tiene datos personales</button>" in page
    assert len(calls) == 1  # one pass for the whole thread


@pytest.mark.django_db
def test_the_page_without_a_model_still_shows_the_flags(
    client: Client, threat_conversation: Conversation, communicator: User, var_dir: Any
) -> None:
    ModelVersion.objects.update(is_current=False)
    classifier.forget_loaded()
    client.force_login(communicator)
    page = client.get(reverse("inbox:detail", args=[threat_conversation.pk])).content.decode()
    assert "el modelo actual no la explica" in page
    assert "regla: número de DNI" in page


@pytest.mark.django_db
def test_the_words_of_a_hidden_message_stay_folded(
    client: Client, threat_conversation: Conversation, communicator: User, rector: User
) -> None:
    """Moderation hid the insult from the default view: its words are one click away, as
    its text is."""
    facebook = SocialAccount.objects.get(pk=threat_conversation.account_id)
    insult = ingest_one(facebook, INSULT)
    insult.refresh_from_db()
    assert insult.hidden_at is not None and insult.conversation_id == threat_conversation.pk
    client.force_login(communicator)
    page = client.get(reverse("inbox:detail", args=[threat_conversation.pk])).content.decode()
    item = page.split(f'id="mensaje-{insult.pk}"', 1)[1].split("</li>\n", 1)[0]
    folded = item.split('<details class="flag-why-hidden">', 1)[1].split("</details>", 1)[0]
    assert "pesaron: ver las palabras (mensaje oculto)" in folded
    assert '<q class="flag-word">rata</q>' in folded


@pytest.mark.django_db
def test_the_alerts_page_says_why_too(
    client: Client, threat_conversation: Conversation, manager: User
) -> None:
    from tests.helpers import login

    login(client, manager)
    page = client.get(reverse("inbox:alerts")).content.decode()
    assert "pesaron:" in page and '<q class="flag-word">matar</q>' in page
