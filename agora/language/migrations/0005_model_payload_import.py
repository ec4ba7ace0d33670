"""Imports the classifier versions that earlier releases kept as files under
``<AGORA_VAR_DIR>/models/`` (``<version>.joblib`` and a ``current`` pointer) into the database,
where every machine reads them. Run once by ``agora migrate`` on the machine that trained them;
the files may be deleted afterwards."""

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import migrations


def _is_test_database(connection):
    # The test database is built from these migrations: it starts without a model whatever a
    # developer's var/ holds.
    return Path(str(connection.settings_dict.get("NAME") or "")).name.startswith("test")


def import_files(apps, schema_editor):
    if _is_test_database(schema_editor.connection):
        return
    folder = Path(settings.VAR_DIR) / "models"
    if not folder.is_dir():
        return
    ModelVersion = apps.get_model("language", "ModelVersion")
    ModelPayload = apps.get_model("language", "ModelPayload")
    for path in sorted(folder.glob("*.joblib")):
        data = path.read_bytes()
        code_version = "desconocida"
        trained_at = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        corpus_size = 0
        try:
            import joblib

            model = joblib.load(path)
            code_version = str(getattr(model, "code_version", code_version))
            trained_at = getattr(model, "trained_at", trained_at)
            corpus_size = int(getattr(model, "corpus_size", 0))
        except Exception:  # noqa: S110 - kept as bytes; loading it later says why it is refused
            pass
        version, _ = ModelVersion.objects.get_or_create(
            version=path.stem, defaults={"trained_at": trained_at, "corpus_size": corpus_size}
        )
        ModelPayload.objects.get_or_create(
            version=version,
            defaults={
                "data": data,
                "code_version": code_version,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            },
        )
    pointer = folder / "current"
    if pointer.exists() and not ModelVersion.objects.filter(is_current=True).exists():
        name = pointer.read_text(encoding="utf-8").strip()
        if ModelPayload.objects.filter(version__version=name).exists():
            ModelVersion.objects.filter(version=name).update(is_current=True)


class Migration(migrations.Migration):
    dependencies = [("language", "0004_model_payload")]

    operations = [migrations.RunPython(import_files, migrations.RunPython.noop)]
