"""The gate (agora/language/gate.py): a newly trained model becomes current only if it is not
worse than the current one; a worse one is kept with its figures and reasons, never current,
unless an operator forces it (audited)."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from agora.core.models import AuditEvent
from agora.language import gate, services
from agora.language import model as classifier
from agora.language.models import ModelVersion


def figures(macro: float, f1: dict[str, float], threat_share: float = 0.0) -> dict[str, Any]:
    return {
        "size": 100,
        "macro_f1": macro,
        "flags": {flag: {"f1": value, "n": 10} for flag, value in f1.items()},
        "false_alarm_share": {"amenaza": threat_share},
    }


GOOD = {"insulto": 0.8, "spam": 0.8, "amenaza": 0.7}


def test_the_rule() -> None:
    current = {"reservado": figures(0.80, GOOD, 0.01)}
    assert gate.decide({"reservado": figures(0.79, GOOD, 0.015)}, current).accepted
    assert gate.decide({"reservado": figures(0.90, GOOD)}, None).accepted  # nothing to compare
    worse_kind = gate.decide({"reservado": figures(0.70, GOOD)}, current)
    assert not worse_kind.accepted
    assert "F1 macro de tipo baja de 0.800 a 0.700" in worse_kind.reason
    worse_flag = gate.decide({"reservado": figures(0.80, {**GOOD, "insulto": 0.5})}, current)
    assert not worse_flag.accepted and "«Insulto»" in worse_flag.reason
    noisy = gate.decide({"reservado": figures(0.85, GOOD, 0.05)}, current)
    assert not noisy.accepted and "amenaza" in noisy.reason
    # Above 2 % is tolerated only when the current model is already no better.
    noisy_current = {"reservado": figures(0.80, GOOD, 0.08)}
    assert gate.decide({"reservado": figures(0.80, GOOD, 0.05)}, noisy_current).accepted
    # A set the current model was not evaluated on does not count against the candidate.
    assert gate.decide({"muestra_real": figures(0.1, GOOD)}, current).accepted


def _shuffled_corpus(source: Path, target: Path) -> Path:
    """The same texts with their kinds and flags shuffled: a deliberately worse corpus."""
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line]
    labels = [(row["kind"], row.get("flags", [])) for row in rows]
    random.Random(7).shuffle(labels)
    with target.open("w", encoding="utf-8") as handle:
        for row, (kind, flags) in zip(rows, labels, strict=True):
            handle.write(json.dumps({**row, "kind": kind, "flags": flags}, ensure_ascii=False))
            handle.write("\n")
    return target


@pytest.mark.django_db
def test_a_worse_model_never_becomes_current(
    var_dir: Path, mini_corpus: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first = services.model_train()
    assert first.is_current and first.accepted is True
    shuffled = _shuffled_corpus(mini_corpus, tmp_path / "barajado.jsonl")
    real_train = classifier.train

    def worse(paths: Any, *, extra: Sequence[classifier.Example] = (), **kwargs: Any) -> Any:
        return real_train([shuffled], extra=extra, **kwargs)

    monkeypatch.setattr(classifier, "train", worse)
    rejected = services.model_train()
    assert rejected.version != first.version
    assert not rejected.is_current and rejected.accepted is False and not rejected.forced
    assert "baja de" in rejected.decision_reason
    assert classifier.current_version() == first.version
    assert list(ModelVersion.objects.filter(is_current=True)) == [first]
    # Its figures are kept beside those of the model it was compared with.
    assert rejected.metrics["vigente_anterior"]["version"] == first.version
    assert set(rejected.metrics["pruebas"]) >= {"reservado"}
    assert classifier.stored_bytes(rejected.version)  # kept, in the database
    assert AuditEvent.objects.filter(verb="modelo.rechazado", object_id=str(rejected.pk)).exists()

    # An operator may force it: audited, and said so on the version.
    forced = services.model_train(force=True)
    assert forced.pk == rejected.pk
    assert forced.is_current and forced.forced and forced.accepted is False
    assert classifier.current_version() == forced.version
    assert "operador" in forced.decision_reason
    assert AuditEvent.objects.filter(verb="modelo.vigente_forzado").count() == 1
    first.refresh_from_db()
    assert not first.is_current


@pytest.mark.django_db
def test_the_command_reports_the_decision(
    var_dir: Path, mini_corpus: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any
) -> None:
    call_command("classify_train")
    assert "Ahora es el vigente" in capsys.readouterr().out
    shuffled = _shuffled_corpus(mini_corpus, tmp_path / "barajado.jsonl")
    real_train = classifier.train
    monkeypatch.setattr(classifier, "train", lambda paths, **kw: real_train([shuffled], **kw))
    call_command("classify_train")
    assert "RECHAZADO por la compuerta" in capsys.readouterr().out
    call_command("classify_train", "--forzar")
    assert "Ahora es el vigente" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_real_sample_joins_the_test_sets_once_large_enough(
    var_dir: Path, mini_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = [
        classifier.Example(f"m-{n}", text, kind, ())
        for n, (text, kind) in enumerate(
            [("¿dónde me vacuno?", "consulta"), ("la posta no atiende", "queja")] * 3
        )
    ]
    monkeypatch.setattr(gate, "MIN_REAL_SAMPLE", 7)
    assert "muestra_real" not in gate.evaluation_sets(sample)
    monkeypatch.setattr(gate, "MIN_REAL_SAMPLE", 6)
    sets = gate.evaluation_sets(sample)
    assert sets["muestra_real"] == sample
    assert "reservado" in sets
    model = classifier.train([mini_corpus], folds=3)
    result = gate.evaluate_set(model, sample)
    assert result["size"] == 6
    assert set(result["false_alarm_share"]) == {"insulto", "spam", "amenaza", "datos_personales"}


@pytest.mark.django_db
def test_the_daily_job_trains_only_with_enough_new_labels(
    var_dir: Path, mini_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django_q.models import Schedule

    from agora.language import tasks

    tasks.schedules_ensure()
    assert Schedule.objects.get(name="lenguaje-reentrenar").func == (
        "agora.language.tasks.retrain_when_labelled"
    )
    trained: list[bool] = []

    def fake_train() -> ModelVersion:
        trained.append(True)
        return _version()

    monkeypatch.setattr(services, "model_train", fake_train)
    monkeypatch.setattr(tasks, "RETRAIN_MIN_NEW_LABELS", 1)
    assert tasks.retrain_when_labelled() == ""  # no label at all
    assert trained == []
    monkeypatch.setattr(tasks, "RETRAIN_MIN_NEW_LABELS", 0)
    assert tasks.retrain_when_labelled() == "lang-x"
    assert trained == [True]


def _version() -> ModelVersion:
    from django.utils import timezone

    return ModelVersion(version="lang-x", trained_at=timezone.now(), is_current=False)
