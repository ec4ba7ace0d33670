"""agora classify, classify_eval and classify_train."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from agora.language import model as classifier
from agora.language.models import ModelVersion

from .conftest import MINI


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_classify_reports_bad_lines_and_keeps_going(
    current_model: classifier.TrainedModel, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": "1", "text": "¿dónde me vacuno?"}),
        "{esto no es json",
        json.dumps({"id": "3", "text": ""}),
        json.dumps({"id": "4", "text": "x" * 100_000}),
        json.dumps({"id": "5", "text": "👏👏👏"}),
        json.dumps({"id": "6", "text": "Thank you for the quick answer"}),
        json.dumps({"id": "7"}),
        json.dumps({"id": "8", "text": 42}),
        json.dumps(["no", "objeto"]),
        json.dumps({"id": "10", "text": "mi DNI es 12345678"}),
    ]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    _out, err = run("classify", "--input", str(source), "--output", str(target), "--batch", "3")
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(lines)
    assert [row["id"] for row in rows] == ["1", None, "3", "4", "5", "6", "7", "8", None, "10"]
    assert "línea 2: JSON inválido (columna 2)" in err  # in Spanish, not Python's English
    assert "Expecting" not in err
    assert "línea 7: falta el campo «text»" in err
    assert "línea 8:" in err
    assert "línea 9:" in err
    assert rows[1]["error"]
    for index in (0, 2, 3, 4, 5, 9):
        assert set(rows[index]) == {"id", "kind", "flags", "scores"}
    assert rows[2]["kind"] == "otro"
    assert rows[4]["kind"] == "otro"
    assert "datos_personales" in rows[9]["flags"]
    assert "6 mensajes" in err


def test_classify_survives_undecodable_empty_and_odd_lines(
    current_model: classifier.TrainedModel, tmp_path: Path
) -> None:
    """Invalid UTF-8, an empty line, emojis only, other languages and 100,000 characters: each
    line is classified or reported with its number, in order, and the batch goes on."""
    source = tmp_path / "in.jsonl"
    rows_in = [
        json.dumps({"id": "a", "text": "Allinllachu, imaynallam kachkanki"}).encode(),
        b'{"id": "b", "text": "caf\xe9 \xff"}',  # not UTF-8
        b"",
        json.dumps({"id": "d", "text": "你好，谢谢"}, ensure_ascii=False).encode(),
        json.dumps({"id": "e", "text": "🙏🙏🔥"}, ensure_ascii=False).encode(),
        json.dumps({"id": "f", "text": "queja " * 20_000}).encode(),
        b'{"id": "g", "text": "sin cerrar',
        json.dumps({"id": "h", "text": "mi DNI es 12345678"}).encode(),
    ]
    source.write_bytes(b"\n".join(rows_in) + b"\n")
    target = tmp_path / "out.jsonl"
    _out, err = run("classify", "--input", str(source), "--output", str(target), "--batch", "2")
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [row.get("id") for row in rows] == ["a", None, None, "d", "e", "f", None, "h"]
    assert "línea 2: no es texto UTF-8 válido" in err
    assert "línea 3: línea vacía" in err
    assert "línea 7: JSON inválido" in err
    assert rows[1]["error"].startswith("línea 2:")
    for index in (0, 3, 4, 5, 7):
        assert set(rows[index]) == {"id", "kind", "flags", "scores"}
    assert rows[3]["kind"] == "otro"  # no Spanish word: a reaction
    assert rows[4]["kind"] == "otro"
    assert "datos_personales" in rows[7]["flags"]
    assert "5 mensajes" in err and "3 líneas con errores" in err


def test_classify_reports_a_missing_input_file(current_model: classifier.TrainedModel) -> None:
    with pytest.raises(CommandError, match="No se pudo abrir"):
        run("classify", "--input", "/no/existe.jsonl", "--output", "-")


@pytest.mark.django_db
def test_classify_without_a_model_says_so(var_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "hola"}\n')
    with pytest.raises(CommandError, match="classify_train"):
        run("classify", "--input", str(source), "--output", str(tmp_path / "o.jsonl"))


def test_eval_prints_per_kind_lines_macro_f1_and_targets(
    current_model: classifier.TrainedModel,
) -> None:
    out, _err = run("classify_eval", "--corpus", str(MINI))
    assert f"{len(classifier.read_corpus(MINI))} mensajes evaluados" in out  # every line
    for label in ("Consulta", "Queja", "Denuncia", "Sugerencia", "Felicitación", "Otro"):
        assert f"  {label}" in out
    for label in ("Insulto", "Spam", "Amenaza", "Datos personales"):
        assert f"  {label}" in out
    assert "F1 macro de tipo:" in out
    assert "Matriz de confusión" in out
    assert "Objetivos de calidad" in out
    held, _err = run("classify_eval", "--corpus", str(MINI), "--reservadas")
    size = sum(classifier.is_held_out(e.id) for e in classifier.read_corpus(MINI))
    assert f"{size} mensajes evaluados" in held


def test_eval_reports_bad_lines_by_number_and_evaluates_the_rest(
    current_model: classifier.TrainedModel, tmp_path: Path
) -> None:
    good = [json.loads(line) for line in MINI.read_text(encoding="utf-8").splitlines()[:6]]
    lines = [json.dumps(good[0], ensure_ascii=False), "{no es json"]
    lines += [json.dumps(g, ensure_ascii=False) for g in good[1:4]]
    lines += [
        json.dumps(["no", "objeto"]),
        json.dumps({"id": "x", "text": "hola", "kind": "saludo", "flags": []}),
        json.dumps({"id": "y", "kind": "otro", "flags": []}),
        json.dumps({"id": "z", "text": "hola", "kind": "otro", "flags": ["grosero"]}),
    ]
    lines += [json.dumps(g, ensure_ascii=False) for g in good[4:6]]
    corpus = tmp_path / "eval.jsonl"
    corpus.write_bytes(("\n".join(lines) + "\n").encode("utf-8") + b"\xff\xfe\n")
    out, err = run("classify_eval", "--corpus", str(corpus))
    assert "6 mensajes evaluados" in out  # every good line, before and after the bad ones
    assert "6 líneas con errores no se evaluaron" in out
    for number, reason in (
        (2, "JSON inválido (columna 2)"),
        (6, "no es un objeto JSON"),
        (7, "tipo desconocido: 'saludo'"),
        (8, "falta el texto"),
        (9, "alertas desconocidas: ['grosero']"),
        (12, "no es texto UTF-8 válido"),
    ):
        assert f"{corpus}, línea {number}: {reason}" in err
    assert "Expecting" not in err


def test_training_still_stops_at_a_bad_line_of_its_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "malo.jsonl"
    corpus.write_text(MINI.read_text(encoding="utf-8") + "{roto\n", encoding="utf-8")
    with pytest.raises(classifier.CorpusError, match="línea"):
        classifier.train([corpus], folds=3)


@pytest.mark.django_db
def test_train_command_makes_a_current_version(var_dir: Path, mini_corpus: Path) -> None:
    out, _err = run("classify_train")
    version = ModelVersion.objects.get(is_current=True)
    assert version.version in out
    assert classifier.current_version() == version.version
    assert "F1 macro de tipo" in out


@pytest.mark.django_db
def test_eval_by_default_reports_each_set_apart_with_the_share_flagged(
    current_model: classifier.TrainedModel,
    mini_corpus: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from agora.language import evaluation

    lines = MINI.read_text(encoding="utf-8").splitlines()
    reserved = tmp_path / "reservado_x.jsonl"
    reserved.write_text("\n".join(lines[:20]) + "\n", encoding="utf-8")
    sample = tmp_path / "muestra.jsonl"
    sample.write_text("\n".join(lines[20:30]) + "\n", encoding="utf-8")
    monkeypatch.setattr(evaluation, "reserved_paths", lambda: [reserved])
    out, _err = run("classify_eval", "--sample", str(sample))
    held = sum(classifier.is_held_out(e.id) for e in classifier.read_corpus(MINI))
    assert "== Parte reservada del corpus" in out
    assert "== Corpus reservado (escrito aparte" in out
    assert "== Muestra real etiquetada" in out
    assert f"{held} mensajes evaluados" in out
    assert "20 mensajes evaluados" in out and "10 mensajes evaluados" in out
    assert "% marcados" in out
    assert out.count("\nF1 macro de tipo:") == 3
    data = json.loads(run("classify_eval", "--sample", str(sample), "--json")[0])
    assert [section["clave"] for section in data] == [
        "corpus_reservadas",
        "corpus_reservado",
        "muestra",
    ]
    for section in data:
        for figures in section["flags"].values():
            assert {"precision", "recall", "f1", "n", "flagged", "share", "false_share"} <= set(
                figures
            )
            assert 0.0 <= figures["share"] <= 1.0


def test_evaluate_examples_is_the_hook_for_a_labelled_sample(
    mini_model: classifier.TrainedModel,
) -> None:
    from agora.language.evaluation import evaluate_examples

    examples = [
        classifier.Example("m-1", "¿dónde me vacuno?", "consulta"),
        classifier.Example("m-2", "Otra vez sin agua https://t.co/Ab12", "queja"),
        classifier.Example("m-3", "gana dinero fácil desde casa bit.ly/x1", "otro", ("spam",)),
    ]
    section = evaluate_examples(mini_model, examples)
    assert section.evaluation.size == 3
    assert section.spam_links[1] == 1  # one message with a link that is not spam
    spam = section.evaluation.flags["spam"]
    assert spam["share"] == spam["flagged"] / 3


@pytest.mark.django_db
def test_eval_reports_the_real_sample_of_the_queue_when_it_has_messages(
    current_model: classifier.TrainedModel,
    mini_corpus: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agora.language import evaluation, labelling

    monkeypatch.setattr(evaluation, "reserved_paths", lambda: [])
    out, _err = run("classify_eval")
    assert "Muestra real etiquetada de la bandeja" not in out  # none yet
    sample = classifier.read_corpus(MINI)[:12]
    monkeypatch.setattr(
        labelling,
        "labelled_examples",
        lambda: labelling.LabelledSet(train=[], test=sample, corrections=0, labels=12),
    )
    out, _err = run("classify_eval")
    assert "== Muestra real etiquetada de la bandeja (nunca entrenada) ==" in out
    assert "12 mensajes evaluados" in out
