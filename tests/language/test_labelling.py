"""Learning from the inbox (agora/language/labelling.py): scores kept per message, the labelling
queue scoped per role, the second reading, agreement, the fixed test sample and masking."""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import joblib
import pytest
from django.utils import timezone
from sklearn.metrics import cohen_kappa_score

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, User
from agora.directory.models import Entity, SocialAccount
from agora.inbox.models import Message
from agora.language import labelling, services
from agora.language import model as classifier
from agora.language.models import QueueLabel
from agora.language.taxonomy import FLAGS, KINDS
from tests.language.fake_model import account_for, ingest_one, install


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Any:
    return install(monkeypatch)


@pytest.fixture
def minsa(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return account_for(entities["minsa"], "facebook", "minsa.peru", rector)


@pytest.fixture
def sunat(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return account_for(entities["sunat"], "facebook", "sunat.oficial", rector)


@pytest.fixture
def citizen(make_user: Callable[..., User]) -> User:
    return make_user("ciudadana")


@pytest.fixture
def no_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    """No message is in the test sample (the queue offers only the uncertain ones)."""
    monkeypatch.setattr(labelling, "SAMPLE_PER_MILLE", 0)


_threads = iter(range(1, 1_000_000))


def uncertain(account: SocialAccount, text: str, certainty: float = 0.05, **kw: Any) -> Message:
    """A citizen message the model read with this certainty."""
    message = ingest_one(account, text, thread=f"q-{next(_threads)}", **kw)
    Message.objects.filter(pk=message.pk).update(certainty=certainty, scores={"queja": 0.5})
    message.refresh_from_db()
    return message


def queue_ids(user: User) -> list[int]:
    return list(labelling.queue_for(user).values_list("pk", flat=True))


# --- scores kept per message --------------------------------------------------------------


@pytest.mark.django_db
def test_classification_keeps_the_scores_and_how_sure_the_model_was(
    current_model: classifier.TrainedModel, minsa: SocialAccount
) -> None:
    message = ingest_one(minsa, "¿dónde me vacuno contra la influenza?")
    services.messages_classify(message_ids=[message.pk])
    message.refresh_from_db()
    assert message.model_version == current_model.version
    assert message.scores is not None
    assert set(message.scores) == set(KINDS) | set(FLAGS)
    assert message.scores[message.kind] == max(message.scores[k] for k in KINDS)
    expected = labelling.certainty_of(message.scores, current_model.thresholds)
    assert message.certainty == expected
    assert expected >= 0.0


def test_certainty_is_the_smallest_of_the_kind_margin_and_the_flag_distances_in_log_odds() -> None:
    scores = {"consulta": 0.5, "queja": 0.3, "otro": 0.2, "insulto": 0.45, "spam": 0.01}
    # In log-odds: insulto |logit(0.45) - logit(0.5)| = 0.2007 < kind ln(0.5 / 0.3) = 0.5108
    assert labelling.certainty_of(scores, {"insulto": 0.5, "spam": 0.5}) == 0.2007
    # insulto |logit(0.45) - logit(0.1)| = 1.9966, spam 6.79: the kind margin is the smallest
    assert labelling.certainty_of(scores, {"insulto": 0.1, "spam": 0.9}) == 0.5108
    assert labelling.certainty_of({"consulta": 1.0}, {}) == 9.2103  # ln(1 / 0.0001)


# --- deterministic shares -------------------------------------------------------------------


def test_sample_and_second_reading_are_one_in_five_fixed_by_id() -> None:
    ids = range(1, 20_001)
    sample = {i for i in ids if labelling.in_sample(i)}
    second = {i for i in ids if labelling.wants_second(i)}
    assert 0.18 < len(sample) / 20_000 < 0.22
    assert 0.18 < len(second) / 20_000 < 0.22
    assert sample != second
    assert sample == {i for i in ids if labelling.in_sample(i)}  # the same every time


@pytest.mark.django_db
def test_the_sample_is_the_same_in_sql_and_in_python(
    fake: Any, minsa: SocialAccount, rector: User
) -> None:
    messages = [uncertain(minsa, f"mensaje {n}", certainty=0.9) for n in range(40)]
    in_queue = set(queue_ids(rector))  # sure messages: only the sample's are offered
    assert in_queue == {m.pk for m in messages if labelling.in_sample(m.pk)}
    # ...and only recent ones: an uncertain old message still is.
    old = uncertain(minsa, "mensaje antiguo dudoso", certainty=0.1, minutes=60 * 24 * 40)
    Message.objects.filter(pk__in=[m.pk for m in messages]).update(
        sent_at=timezone.now() - timedelta(days=31)
    )
    assert queue_ids(rector) == [old.pk]


# --- the queue: who sees what, in which order -----------------------------------------------


@pytest.mark.django_db
def test_queue_scope_per_role(
    fake: Any,
    no_sample: None,
    minsa: SocialAccount,
    sunat: SocialAccount,
    rector: User,
    manager: User,
    communicator: User,
    other_manager: User,
    citizen: User,
) -> None:
    ours = uncertain(minsa, "la cola de la posta no avanza")
    theirs = uncertain(sunat, "no puedo entrar a mi clave sol")
    assert set(queue_ids(rector)) == {ours.pk, theirs.pk}
    assert queue_ids(communicator) == [ours.pk]
    assert queue_ids(manager) == [ours.pk]
    assert queue_ids(other_manager) == [theirs.pk]
    assert queue_ids(citizen) == []
    with pytest.raises(PermissionDeniedError):
        labelling.queue_label(actor=communicator, message=theirs, kind="queja", flags=[])
    with pytest.raises(PermissionDeniedError):
        labelling.queue_label(actor=citizen, message=ours, kind="queja", flags=[])
    assert not QueueLabel.objects.exists()


@pytest.mark.django_db
def test_queue_offers_the_least_sure_first_and_leaves_sure_and_manual_ones(
    fake: Any, no_sample: None, minsa: SocialAccount, communicator: User
) -> None:
    middle = uncertain(minsa, "mensaje dudoso", certainty=0.2)
    least = uncertain(minsa, "mensaje muy dudoso", certainty=0.01)
    uncertain(minsa, "mensaje claro", certainty=0.9)
    corrected = uncertain(minsa, "mensaje corregido", certainty=0.0)
    services.message_correct(actor=communicator, message=corrected, kind="queja", flags=[])
    ingest_one(minsa, "sin puntuaciones", thread="sin")  # never scored: not offered
    assert queue_ids(communicator) == [least.pk, middle.pk]
    assert labelling.queue_waiting(communicator) == 2
    assert labelling.queue_next(communicator, skip=[least.pk]) == middle


@pytest.mark.django_db
def test_a_label_never_changes_the_message_and_is_audited(
    fake: Any, no_sample: None, minsa: SocialAccount, communicator: User
) -> None:
    message = uncertain(minsa, "eres un idiota")
    before = (message.kind, message.flags, message.hidden_at, message.model_version)
    label = labelling.queue_label(
        actor=communicator, message=message, kind="otro", flags=["insulto", "insulto"]
    )
    message.refresh_from_db()
    assert (message.kind, message.flags, message.hidden_at, message.model_version) == before
    assert (label.round, label.kind, label.flags, label.by) == (
        1,
        "otro",
        ["insulto"],
        communicator,
    )
    assert label.model_version == "fake-1"
    event = AuditEvent.objects.get(verb="mensaje.etiquetado")
    assert event.actor == communicator
    assert event.after is not None and event.after["message"] == message.pk
    assert "idiota" not in str(event.after)
    with pytest.raises(DomainError, match="Elija el tipo"):
        labelling.queue_label(actor=communicator, message=message, kind="saludo", flags=[])
    with pytest.raises(DomainError, match="Alerta desconocida"):
        labelling.queue_label(actor=communicator, message=message, kind="otro", flags=["x"])
    assert QueueLabel.objects.count() == 1


@pytest.mark.django_db
def test_second_reading_comes_from_a_different_person(
    fake: Any,
    no_sample: None,
    monkeypatch: pytest.MonkeyPatch,
    minsa: SocialAccount,
    rector: User,
    communicator: User,
    manager: User,
) -> None:
    monkeypatch.setattr(labelling, "SECOND_PER_MILLE", 1000)  # every message asks for one
    message = uncertain(minsa, "la posta no atiende los domingos")
    first = labelling.queue_label(actor=rector, message=message, kind="queja", flags=[])
    assert first.round == 1 and first.wants_second
    # The first reader is not offered it again and may not give the second reading.
    assert queue_ids(rector) == []
    with pytest.raises(DomainError, match="ya etiquetó"):
        labelling.queue_label(actor=rector, message=message, kind="queja", flags=[])
    assert queue_ids(communicator) == [message.pk]
    second = labelling.queue_label(actor=communicator, message=message, kind="consulta", flags=[])
    assert second.round == 2
    assert queue_ids(manager) == []
    with pytest.raises(DomainError, match="ya tiene sus etiquetas"):
        labelling.queue_label(actor=manager, message=message, kind="queja", flags=[])


@pytest.mark.django_db
def test_without_a_second_reading_a_labelled_message_leaves_the_queue(
    fake: Any,
    no_sample: None,
    monkeypatch: pytest.MonkeyPatch,
    minsa: SocialAccount,
    rector: User,
    communicator: User,
) -> None:
    monkeypatch.setattr(labelling, "SECOND_PER_MILLE", 0)
    message = uncertain(minsa, "buena atención en la posta")
    labelling.queue_label(actor=rector, message=message, kind="felicitacion", flags=[])
    assert queue_ids(communicator) == []
    with pytest.raises(DomainError, match="ya tiene sus etiquetas"):
        labelling.queue_label(actor=communicator, message=message, kind="queja", flags=[])


# --- agreement ------------------------------------------------------------------------------


def test_cohen_kappa_known_values() -> None:
    first = ["a", "a", "b", "b"]
    second = ["a", "b", "b", "b"]
    # p_o = 0.75; p_e = 0.5 × 0.25 + 0.5 × 0.75 = 0.5; kappa = (0.75 - 0.5) / 0.5 = 0.5
    assert labelling.cohen_kappa(first, second) == 0.5
    a = ["queja"] * 20 + ["consulta"] * 15 + ["otro"] * 5 + ["queja"] * 3
    b = ["queja"] * 17 + ["consulta"] * 3 + ["consulta"] * 14 + ["otro"] * 6 + ["queja"] * 3
    assert labelling.cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b), abs=1e-4)
    assert labelling.cohen_kappa(["a", "a"], ["a", "a"]) is None  # undefined
    assert labelling.cohen_kappa([], []) is None


def test_agreement_per_kind_and_flag() -> None:
    def reading(kind: str, flags: Sequence[str] = ()) -> Any:
        return SimpleNamespace(kind=kind, flags=list(flags))

    pairs = [
        (reading("queja", ["insulto"]), reading("queja", ["insulto"])),
        (reading("queja"), reading("consulta")),
        (reading("otro", ["spam"]), reading("otro")),
        (reading("consulta"), reading("consulta")),
    ]
    rows = {row.label: row for row in labelling.agreement(pairs)}
    assert rows["Tipo (todos)"].n == 4
    assert rows["Tipo (todos)"].percent == 0.75
    assert rows["Tipo (todos)"].kappa == pytest.approx(
        cohen_kappa_score(
            ["queja", "queja", "otro", "consulta"], ["queja", "consulta", "otro", "consulta"]
        ),
        abs=1e-4,
    )
    assert rows["Insulto"].percent == 1.0 and rows["Insulto"].kappa == 1.0
    assert rows["Spam"].percent == 0.75
    assert rows["Amenaza"].kappa is None  # nobody marked a threat: kappa is undefined


# --- the test sample, training examples, masking ---------------------------------------------


@pytest.mark.django_db
def test_the_sample_tests_and_never_trains(
    fake: Any,
    monkeypatch: pytest.MonkeyPatch,
    minsa: SocialAccount,
    rector: User,
    communicator: User,
    var_dir: Path,
    mini_corpus: Path,
) -> None:
    monkeypatch.setattr(labelling, "SECOND_PER_MILLE", 0)
    messages = [uncertain(minsa, f"la posta {n} no atiende") for n in range(12)]
    sample = [m for m in messages if labelling.in_sample(m.pk)]
    rest = [m for m in messages if not labelling.in_sample(m.pk)]
    assert sample and rest, "twelve consecutive ids hold both"
    for message in messages:
        labelling.queue_label(actor=rector, message=message, kind="queja", flags=[])
    # A correction of a sample message tests too; of another message, trains.
    services.message_correct(actor=communicator, message=sample[0], kind="denuncia", flags=[])
    services.message_correct(actor=communicator, message=rest[0], kind="denuncia", flags=[])
    data = labelling.labelled_examples()
    assert {e.text for e in data.test} == {m.text for m in sample}
    assert {e.text for e in data.train} == {m.text for m in rest}
    assert data.corrections == 1 and data.labels == len(rest) - 1
    assert QueueLabel.objects.filter(in_sample=True).count() == len(sample)
    seen: list[list[classifier.Example]] = []
    real_train = classifier.train

    def spy(paths: Any, *, extra: Sequence[classifier.Example] = (), **kwargs: Any) -> Any:
        seen.append(list(extra))
        return real_train(paths, extra=extra, **kwargs)

    monkeypatch.setattr(classifier, "train", spy)
    version = services.model_train()
    [extra] = seen
    assert {e.text for e in extra} == {m.text for m in rest}
    assert not {e.text for e in extra} & {m.text for m in sample}
    assert (version.corrections_used, version.labels_used) == (1, len(rest) - 1)
    assert version.metrics["datos"]["muestra_real"] == len(sample)


@pytest.mark.django_db
def test_contested_and_demo_labels_neither_train_nor_test(
    fake: Any,
    no_sample: None,
    monkeypatch: pytest.MonkeyPatch,
    minsa: SocialAccount,
    rector: User,
    communicator: User,
) -> None:
    monkeypatch.setattr(labelling, "SECOND_PER_MILLE", 1000)
    agreed = uncertain(minsa, "gracias por la atención")
    contested = uncertain(minsa, "la posta, como siempre")
    demo = uncertain(minsa, "mensaje de demostración")
    Message.objects.filter(pk=demo.pk).update(is_demo=True)
    demo.refresh_from_db()
    for actor, kind in ((rector, "felicitacion"), (communicator, "felicitacion")):
        labelling.queue_label(actor=actor, message=agreed, kind=kind, flags=[])
    for actor, kind in ((rector, "queja"), (communicator, "otro")):
        labelling.queue_label(actor=actor, message=contested, kind=kind, flags=[])
    labelling.queue_label(actor=rector, message=demo, kind="otro", flags=[])
    data = labelling.labelled_examples()
    assert [(e.text, e.kind) for e in data.train] == [(agreed.text, "felicitacion")]
    assert data.test == []


SECRET = (
    "Soy Rosa Quispe, DNI 45678912, cel 987 654 321, rosa.q@correo.pe, placa ABC-123, "
    "vivo en Av. Los Pinos 123 y @vecina_rosa lo sabe: el serenazgo nunca viene"
)
RAW_PIECES = (
    "Rosa",
    "Quispe",
    "45678912",
    "987 654 321",
    "rosa.q@correo.pe",
    "ABC-123",
    "Pinos 123",
    "vecina_rosa",
)


@pytest.mark.django_db
def test_training_keeps_only_masked_text(
    fake: Any,
    no_sample: None,
    monkeypatch: pytest.MonkeyPatch,
    minsa: SocialAccount,
    rector: User,
    communicator: User,
    var_dir: Path,
    mini_corpus: Path,
) -> None:
    monkeypatch.setattr(labelling, "SECOND_PER_MILLE", 0)
    labelled = uncertain(minsa, SECRET)
    Message.objects.filter(pk=labelled.pk).update(author_name="Rosa Quispe")
    labelled.refresh_from_db()
    corrected = uncertain(minsa, SECRET.replace("serenazgo", "municipio"))
    Message.objects.filter(pk=corrected.pk).update(author_name="Rosa Quispe")
    corrected.refresh_from_db()
    label = labelling.queue_label(actor=rector, message=labelled, kind="queja", flags=[])
    services.message_correct(actor=communicator, message=corrected, kind="queja", flags=[])
    stored = QueueLabel.objects.get(pk=label.pk).masked_text
    examples = labelling.labelled_examples().train
    assert len(examples) == 2
    for text in [stored, *(e.text for e in examples)]:
        for piece in RAW_PIECES:
            assert piece.lower() not in text.lower(), (piece, text)
        for marker in ("[NOMBRE]", "[DNI]", "[TELÉFONO]", "[CORREO]", "[PLACA]", "[DIRECCIÓN]"):
            assert marker in text
        assert "@[USUARIO]" in text
    # The masked copy reads as the original to the model (the markers are the same signals).
    from agora.language.normalize import tokenize_many

    masked_tokens = tokenize_many([stored])[0]
    assert "dni_dato" in masked_tokens and "telefono_dato" in masked_tokens
    # Nor does the trained model keep any of it.
    version = services.model_train()
    payload = classifier.stored_bytes(version.version) or b""
    model = joblib.load(io.BytesIO(payload))
    assert isinstance(model, classifier.TrainedModel)
    pickled = pickle.dumps(model)  # the stored bytes are compressed: look at the pickle
    for piece in ("quispe", "45678912", "rosa.q", "vecina_rosa"):
        assert piece.encode() not in pickled, piece


def test_masking_names_the_author_without_touching_other_words() -> None:
    masked = labelling.mask_for_training(
        "Ana Lucía Pérez pide su cita; Perezoso no", ["Ana Lucía Pérez"]
    )
    assert masked == "[NOMBRE] [NOMBRE] [NOMBRE] pide su cita; Perezoso no"
    assert labelling.mask_for_training("hola", ["", "Li"]) == "hola"  # too short to be masked
