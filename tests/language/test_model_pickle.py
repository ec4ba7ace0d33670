"""Stored models are pickles that name their classes by module: the classifier's code moved
into the package ``agora.language.classifier`` (issue #19), and the models already in the
database, which name them ``agora.language.model.<Class>``, must still load; the models stored
now must name them the same way, so that a process running the earlier code loads them too."""

from __future__ import annotations

import io
import pickle
import pickletools

import joblib
import pytest

from agora.language import model as classifier
from agora.language.classifier import PICKLED_AS

pytestmark = pytest.mark.django_db


def _agora_globals(data: bytes) -> set[str]:
    """The ``agora…`` module names a pickle refers to (protocol 4: pushed as strings)."""
    found: set[str] = set()
    for _op, argument, _position in pickletools.genops(data):
        if isinstance(argument, str) and argument.startswith("agora"):
            found.add(argument.split(" ")[0])
    return found


def test_a_stored_model_names_its_classes_by_the_old_module(
    mini_model: classifier.TrainedModel,
) -> None:
    assert PICKLED_AS == "agora.language.model"
    assert _agora_globals(pickle.dumps(mini_model, protocol=4)) == {"agora.language.model"}
    # joblib (what ``save`` uses) writes the same class names.
    raw = io.BytesIO()
    joblib.dump(mini_model, raw)
    assert b"agora.language.model" in raw.getvalue()
    assert b"agora.language.classifier" not in raw.getvalue()


def test_a_model_pickled_under_the_old_names_loads_and_classifies(
    mini_model: classifier.TrainedModel,
) -> None:
    """A pickle that names every class ``agora.language.model.<Class>`` (what the database
    holds from before the package) gives the same model back."""
    for name in ("TrainedModel", "_Scorer", "_Vocabulary", "_NaiveBayesSVM"):
        assert getattr(classifier, name).__module__ == "agora.language.model"
    texts = ["¿dónde me vacuno?", "eres una rata, gana dinero ya en bit.ly/x"]
    loaded = pickle.loads(pickle.dumps(mini_model, protocol=4))  # noqa: S301 (our own bytes)
    assert isinstance(loaded, classifier.TrainedModel)
    assert loaded.classify_texts(texts) == mini_model.classify_texts(texts)


def test_save_then_load_from_the_database(mini_model: classifier.TrainedModel) -> None:
    classifier.save(mini_model)
    classifier.forget_loaded()  # another process
    loaded = classifier.load()
    assert loaded is not mini_model
    assert loaded.version == mini_model.version
    texts = ["¿a qué hora abre la municipalidad?", "te voy a matar"]
    assert loaded.classify_texts(texts) == mini_model.classify_texts(texts)
