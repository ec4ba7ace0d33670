"""A model trained once on the small fixture corpus, saved in each test's own var directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agora.language import model as classifier

MINI = Path(__file__).resolve().parent / "fixtures" / "mini.jsonl"


@pytest.fixture(scope="session")
def mini_model() -> classifier.TrainedModel:
    return classifier.train([MINI], folds=3)


@pytest.fixture(scope="session")
def shipped_model() -> classifier.TrainedModel:
    """The model trained on the shipped corpus (outside its held-out split), once per run."""
    return classifier.train(classifier.corpus_paths())


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def current_model(
    db: None, var_dir: Path, mini_model: classifier.TrainedModel
) -> classifier.TrainedModel:
    classifier.save(mini_model)
    return mini_model


@pytest.fixture
def mini_corpus(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Training services read the fixture corpus instead of the shipped one."""
    monkeypatch.setattr(classifier, "corpus_paths", lambda: [MINI])
    yield MINI
