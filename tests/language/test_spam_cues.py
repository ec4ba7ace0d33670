"""Spam needs a cue of its own (issue #15): a link, a run of «!», the word «like» or the name of a
platform never make a message spam, whatever the model's score; an offer, bait, a way of
contact, money, a shortened link or a promotional text pasted twice can; a host with a dash,
sharing words («compartan») and «gratis» are not cues by themselves. And calls or wishes
next to harm are one signal for the threat model; news of violence is not."""

from __future__ import annotations

import numpy as np
import pytest

from agora.language import model as classifier
from agora.language.normalize import tokenize_many

# Written for this test: ordinary messages, then the same with what never makes spam.
ORDINARY_BASES = [
    "la vereda de mi cuadra sigue rota desde el huaico",
    "gracias a la enfermera del turno noche, muy amable con mi papa",
    "donde se recoge el carnet de discapacidad de mi hermano?",
    "ya van cuatro dias sin recojo de basura en la urbanizacion",
    "el semaforo de la avenida principal esta apagado otra vez",
    "que opinan de la nueva ciclovia? a mi me parece buena",
]
DECORATIONS = [
    " https://t.co/Hk8Lm2Np4Q",
    " !!!!!!",
    " dale like",
    " lo vi en facebook",
    " lo subieron a youtube https://youtu.be/Zr5Tx8Wq1Ke",
    " @vecinos_unidos #SinAgua https://t.co/Pq4Rs6Tu8V !!!",
    " compartido desde instagram, whatsapp y tiktok",
    " https://maps.app.goo.gl/Hh3Jj5Kk7Ll9 ??",
    # A news site with a dash in its name, sharing words and «free» (issue #15).
    " lo dice https://diario-ejemplo.pe/peru/noticia-de-hoy",
    " compartan para que se enteren!!",
    " es gratis?",
    " y el delivery no llego",
]


def _always_spam(model: classifier.TrainedModel, monkeypatch: pytest.MonkeyPatch) -> None:
    """The model as if its spam score always cleared the threshold."""
    monkeypatch.setitem(model.thresholds, "spam", 1e-4)  # the lowest a threshold can be


def test_without_a_cue_nothing_is_spam_even_when_the_score_says_so(
    mini_model: classifier.TrainedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    _always_spam(mini_model, monkeypatch)
    texts = [base + extra for base in ORDINARY_BASES for extra in DECORATIONS]
    texts += ["https://t.co/Ab12Cd34Ef", "!!!!!!", "like", "facebook youtube tiktok"]
    results = mini_model.classify_texts(texts)
    flagged = [t for t, r in zip(texts, results, strict=True) if "spam" in r.flags]
    assert flagged == []
    # Their scores stay just under the threshold (the model was unsure: the queue may offer
    # them), never above it.
    names, table = mini_model.scores(texts)
    assert (table[:, names.index("spam")] < 1e-3).all()


@pytest.mark.parametrize(
    "text",
    [
        "gana dinero desde casa https://t.co/Ab12Cd34Ef",
        "siguenos y participa https://t.co/Ab12Cd34Ef",
        "escribeme al 987 654 321",
        "solo 20 soles https://t.co/Ab12Cd34Ef",
        "mira aqui bit.ly/abc123",
        "cobra tu bono en bono-familiar-peru.example ya",
        "El cambio es ahora amigos. El cambio es ahora amigos. El cambio es ahora amigos.",
    ],
)
def test_a_cue_of_its_own_lets_the_model_decide(
    mini_model: classifier.TrainedModel, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    _always_spam(mini_model, monkeypatch)
    (result,) = mini_model.classify_texts([text])
    assert "spam" in result.flags


def test_the_cues_are_read_the_same_way_in_training_and_in_the_inbox(
    mini_model: classifier.TrainedModel,
) -> None:
    texts = [ORDINARY_BASES[0] + DECORATIONS[0], "gana dinero desde casa", "hola " * 3]
    _docs, matrix = mini_model.features(texts)
    width = len(classifier._SIGNALS)
    reference = classifier.spam_cues(matrix[:, -width:].toarray(), texts)
    prepared = classifier._prepare(texts)
    _decision, _has_word, signals = mini_model.scorer.decide(
        prepared.flat, prepared.shouting, prepared.size
    )
    assert reference.tolist() == classifier.spam_cues(signals, texts).tolist()
    assert reference.tolist() == [False, True, False]


def _signal(text: str, name: str) -> bool:
    docs = classifier.split_docs(tokenize_many([text])[0])
    signals = classifier._signals(docs, [])
    return bool(np.asarray(signals)[0, classifier._SIGNAL_INDEX[name]])


@pytest.mark.parametrize(
    "text",
    [
        "a ese hay que colgarlo del puente",
        "ojala se muera ese ministro",
        "merecen un balazo en la frente",
        "que lindo seria ver el congreso con gasolina y fuego",
        "habria que meterle plomo",
        "Cuelguenlos a todos",
    ],
)
def test_calls_and_wishes_of_harm_are_one_signal(text: str) -> None:
    assert _signal(text, "llamado_dano") or _signal(text, "lex_amenaza")
    if not text.startswith("Cuelguen"):
        assert _signal(text, "llamado_dano")


@pytest.mark.parametrize(
    "text",
    [
        "anoche mataron a un vecino en el parque, exigimos patrullaje",
        "murieron tres personas en el choque de la carretera",
        "ojala que llueva pronto, el rio esta seco",
        "hay que arreglar la pista antes de las lluvias",
    ],
)
def test_news_of_violence_and_ordinary_wishes_are_not(text: str) -> None:
    assert not _signal(text, "llamado_dano")
