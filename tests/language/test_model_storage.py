"""The classifier lives in the database: a model trained on one machine classifies on every
other, whatever each one's data folder holds; each process caches it by version and notices a
new current version within MODEL_CHECK_SECONDS without reading the payload again."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path
from typing import Any

import joblib
import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from agora.directory.models import SocialAccount
from agora.language import model as classifier
from agora.language import services
from agora.language.models import ModelPayload, ModelVersion

from .test_services import ingest

pytestmark = pytest.mark.django_db


def test_a_model_trained_on_one_machine_classifies_on_another(
    settings: Any,
    tmp_path: Path,
    mini_corpus: Path,
    verified_account: SocialAccount,
) -> None:
    """Machine A trains with its own data folder; machine B (another folder, another process:
    nothing in memory) classifies the citizen messages it ingests with A's model; A's folder
    is gone by then."""
    machine_a = tmp_path / "maquina-a"
    machine_b = tmp_path / "maquina-b"
    machine_a.mkdir()
    machine_b.mkdir()
    settings.VAR_DIR = machine_a
    trained = services.model_train()
    assert trained.is_current
    shutil.rmtree(machine_a)

    settings.VAR_DIR = machine_b
    classifier.forget_loaded()  # a new process on machine B
    message = ingest(verified_account, "¿dónde me vacuno contra la influenza?")
    message.refresh_from_db()
    assert message.model_version == trained.version
    assert message.kind
    assert list(machine_b.iterdir()) == []  # nothing was read from or written to B's disk


def _stored(mini_model: classifier.TrainedModel, version: str) -> classifier.TrainedModel:
    import dataclasses

    copy = dataclasses.replace(mini_model, version=version)
    classifier.save(copy, make_current=False)
    return copy


def test_a_new_current_version_is_noticed_within_the_interval_without_reading_the_payload(
    settings: Any,
    mini_model: classifier.TrainedModel,
    django_assert_num_queries: Any,
) -> None:
    _stored(mini_model, "lang-uno")
    _stored(mini_model, "lang-dos")
    classifier.set_current("lang-uno")
    settings.MODEL_CHECK_SECONDS = 3600
    assert classifier.load().version == "lang-uno"
    with django_assert_num_queries(0):  # within the interval: memory only
        assert classifier.load().version == "lang-uno"

    # Another machine makes «lang-dos» current (this process's cache is not told).
    ModelVersion.objects.filter(version="lang-uno").update(is_current=False)
    ModelVersion.objects.filter(version="lang-dos").update(is_current=True)
    assert classifier.load().version == "lang-uno"  # until the interval ends

    settings.MODEL_CHECK_SECONDS = 0  # the interval has passed
    assert classifier.load().version == "lang-dos"
    with django_assert_num_queries(1) as captured:  # one cheap look at the current version
        assert classifier.load().version == "lang-dos"
    sql = captured.captured_queries[0]["sql"]
    assert '"data"' not in sql and "language_modelpayload" not in sql


def test_only_one_version_is_current(mini_model: classifier.TrainedModel) -> None:
    _stored(mini_model, "lang-uno")
    _stored(mini_model, "lang-dos")
    classifier.set_current("lang-uno")
    classifier.set_current("lang-dos")
    assert list(ModelVersion.objects.filter(is_current=True).values_list("version", flat=True)) == [
        "lang-dos"
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.filter(version="lang-uno").update(is_current=True)


def test_a_version_without_a_stored_model_cannot_become_current() -> None:
    ModelVersion.objects.create(version="lang-sin-datos", trained_at=timezone.now())
    with pytest.raises(classifier.ModelError, match="No existe"):
        classifier.set_current("lang-sin-datos")
    assert not ModelVersion.objects.filter(is_current=True).exists()


def test_listing_versions_never_reads_the_payload(
    mini_model: classifier.TrainedModel, django_assert_num_queries: Any
) -> None:
    _stored(mini_model, "lang-uno")
    with django_assert_num_queries(1) as captured:
        assert [v.version for v in ModelVersion.objects.all()] == ["lang-uno"]
    assert "language_modelpayload" not in captured.captured_queries[0]["sql"]


def test_the_migration_imports_the_model_files_of_earlier_releases(
    settings: Any, tmp_path: Path, mini_model: classifier.TrainedModel
) -> None:
    """Files under <var>/models/ (as earlier releases kept them) become database rows, the
    «current» pointer the current version; run twice, it changes nothing."""
    settings.VAR_DIR = tmp_path
    folder = tmp_path / "models"
    folder.mkdir()
    joblib.dump(mini_model, folder / f"{mini_model.version}.joblib")
    (folder / "lang-roto.joblib").write_bytes(b"no es un modelo")
    (folder / "current").write_text(mini_model.version + "\n")
    migration = importlib.import_module("agora.language.migrations.0005_model_payload_import")

    class Editor:
        connection = type("C", (), {"settings_dict": {"NAME": "agora"}})()

    migration.import_files(apps, Editor())
    migration.import_files(apps, Editor())
    assert ModelPayload.objects.count() == 2
    assert classifier.current_version(fresh=True) == mini_model.version
    shutil.rmtree(folder)
    loaded = classifier.load()
    assert loaded.version == mini_model.version
    with pytest.raises(classifier.ModelError, match="otra versión del código"):
        classifier.load("lang-roto")


def test_the_migration_leaves_the_test_database_without_a_model(
    settings: Any, tmp_path: Path, mini_model: classifier.TrainedModel
) -> None:
    settings.VAR_DIR = tmp_path
    (tmp_path / "models").mkdir()
    joblib.dump(mini_model, tmp_path / "models" / f"{mini_model.version}.joblib")
    migration = importlib.import_module("agora.language.migrations.0005_model_payload_import")

    class Editor:
        connection = type("C", (), {"settings_dict": {"NAME": "test_agora"}})()

    migration.import_files(apps, Editor())
    assert not ModelPayload.objects.exists()
    assert connection.settings_dict["NAME"]  # the real connection is untouched
