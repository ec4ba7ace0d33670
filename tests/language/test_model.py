"""Training, versions, storage and the classify path (on the small fixture corpus)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from agora.language import model as classifier
from agora.language.taxonomy import FLAGS, KINDS

from .conftest import MINI


def test_held_out_split_is_deterministic() -> None:
    ids = [f"x-{i}" for i in range(1000)]
    held = [i for i in ids if classifier.is_held_out(i)]
    assert held == [i for i in ids if classifier.is_held_out(i)]
    assert 150 < len(held) < 250


def test_training_never_sees_held_out_lines(mini_model: classifier.TrainedModel) -> None:
    lines = classifier.read_corpus(MINI)
    assert mini_model.corpus_size == sum(not classifier.is_held_out(e.id) for e in lines)
    assert mini_model.corpus_size < len(lines)


def test_version_depends_on_corpus_extra_examples_and_code(tmp_path: Path) -> None:
    version = classifier.model_version([MINI], [])
    assert version.startswith("lang-")
    assert version == classifier.model_version([MINI], [])
    extra = [classifier.Example("c-1", "hola", "otro", ())]
    assert classifier.model_version([MINI], extra) != version
    changed = tmp_path / "c.jsonl"
    changed.write_text(MINI.read_text() + "\n")
    assert classifier.model_version([changed], []) != version


@pytest.mark.django_db
def test_save_stores_the_model_in_the_database_and_makes_it_current(
    var_dir: Path, mini_model: classifier.TrainedModel
) -> None:
    with pytest.raises(classifier.ModelError):
        classifier.load()
    version = classifier.save(mini_model)
    assert version.version == mini_model.version and version.is_current
    assert version.payload.size == len(classifier.stored_bytes(mini_model.version) or b"")
    assert not (var_dir / "models").exists()  # nothing on this machine's disk
    assert classifier.current_version() == mini_model.version
    loaded = classifier.load()
    assert loaded.version == mini_model.version
    assert [r.kind for r in loaded.classify_texts(["hola"])] == [
        r.kind for r in mini_model.classify_texts(["hola"])
    ]


def test_results_carry_kind_flags_scores_and_version(
    mini_model: classifier.TrainedModel,
) -> None:
    results = mini_model.classify_texts(
        ["¿dónde me vacuno?", "mi DNI es 12345678", "préstamos sin aval bit.ly/x"]
    )
    assert len(results) == 3
    for result in results:
        assert result.kind in KINDS
        assert set(result.flags) <= set(FLAGS)
        assert set(result.scores) == set(KINDS) | set(FLAGS)
        assert result.version == mini_model.version
        json.dumps(result.scores)
    assert "datos_personales" in results[1].flags
    assert "datos_personales" not in results[0].flags


def test_bad_input_is_classified(mini_model: classifier.TrainedModel) -> None:
    """Empty text, 100,000 characters, emojis only and other languages all get a result."""
    long_text = "la cola era larguísima " * 4_500 + " mi DNI es 12345678"
    texts = ["", long_text, "👏👏👏", "The hospital staff were very kind, thank you", "你好"]
    results = mini_model.classify_texts(texts)
    assert len(results) == len(texts)
    assert results[0].kind == "otro"
    assert results[2].kind == "otro"
    # The model reads the first 5,000 characters; the personal-data rule the whole text.
    assert len(long_text) > 100_000
    assert "datos_personales" in results[1].flags


def test_batches_keep_order(mini_model: classifier.TrainedModel) -> None:
    texts = [f"mensaje {i} ¿dónde me vacuno?" if i % 2 else "mi DNI es 12345678" for i in range(7)]
    results = mini_model.classify_texts(texts, batch=3)
    assert [("datos_personales" in r.flags) for r in results] == [i % 2 == 0 for i in range(7)]


def test_evaluation_report_lists_every_kind_and_target(
    mini_model: classifier.TrainedModel,
) -> None:
    evaluation = classifier.evaluate(mini_model, classifier.read_corpus(MINI))
    report = classifier.format_evaluation(evaluation)
    for label in ("Consulta", "Queja", "Denuncia", "Sugerencia", "Felicitación", "Otro"):
        assert label in report
    assert "F1 macro de tipo" in report
    assert "Matriz de confusión" in report
    assert "objetivo ≥ 0.95" in report
    assert len(evaluation.confusion) == len(KINDS)


def test_bad_corpus_line_is_reported_with_its_number(tmp_path: Path) -> None:
    corpus = tmp_path / "malo.jsonl"
    corpus.write_text(
        '{"id": "a", "text": "hola", "kind": "otro", "flags": []}\n'
        '{"id": "b", "text": "hola", "kind": "saludo", "flags": []}\n'
    )
    with pytest.raises(classifier.CorpusError, match="línea 2"):
        classifier.read_corpus(corpus)


def test_fast_path_gives_the_decisions_of_the_training_features(
    mini_model: classifier.TrainedModel,
) -> None:
    """The per-token score tables give the same decision values as the sparse features the
    models were trained on, for known and never seen words, empty texts and shouting."""
    texts = [e.text for e in classifier.read_corpus(MINI)] + [
        "",
        "zzqx palabranueva jamasvista",
        "👏",
        "NO ME ATIENDEN NADA EN LA UGEL",
        "",
    ]
    prepared = classifier._prepare(texts)
    scorer = mini_model.scorer
    decision, has_word, _signals = scorer.decide(prepared.flat, prepared.shouting, prepared.size)
    matrix = scorer.vocabulary.design(prepared.docs(), prepared.shouting)
    flag_models = [mini_model.flag_models[f] for f in classifier.MODEL_FLAGS]
    assert all(model is not None for model in flag_models)
    expected = np.column_stack(
        [e.decision_function(matrix) for e in mini_model.kind_model.estimators_]
        + [model.decision_function(matrix) for model in flag_models if model is not None]
    )
    assert decision.shape == (len(texts), len(scorer.labels))
    np.testing.assert_allclose(decision, expected, atol=1e-9)
    assert not has_word[len(texts) - 5] and not has_word[-3] and has_word[0]


@pytest.mark.django_db
def test_new_words_are_remembered_and_saved_models_stay_small(
    mini_model: classifier.TrainedModel, var_dir: Path
) -> None:
    scorer = mini_model.scorer
    before = scorer.base_rows
    first = mini_model.classify_texts(["palabrainedita otrainedita"])[0]
    assert len(scorer.rows) >= before + 2
    again = mini_model.classify_texts(["palabrainedita otrainedita"])[0]
    assert first.scores == again.scores
    classifier.save(mini_model)
    loaded = classifier.load()
    assert len(loaded.scorer.rows) == before
    assert loaded.classify_texts(["palabrainedita otrainedita"])[0].scores == first.scores


@pytest.mark.django_db
def test_a_model_of_other_code_is_refused(
    mini_model: classifier.TrainedModel, var_dir: Path
) -> None:
    import dataclasses

    old = dataclasses.replace(mini_model, version="lang-viejo", code_version="lang-code-0")
    classifier.save(old)
    with pytest.raises(classifier.ModelError, match="classify_train"):
        classifier.load()
