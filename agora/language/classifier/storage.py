"""Storage: every model version in the database, the current one cached per process."""

from __future__ import annotations

import hashlib
import io
import threading
import time
from collections.abc import Sequence
from typing import Any

import joblib
from django.conf import settings
from django.db import transaction

from agora.language.classifier.scoring import CODE_VERSION, ModelError, Result, TrainedModel

# Every version's bytes live in the database (``ModelPayload``) and the current one is the
# ``ModelVersion`` with ``is_current``: a model trained on one machine classifies on all of
# them. Each process keeps the model it loaded, keyed by version, and asks the database which
# version is current at most every MODEL_CHECK_SECONDS (one indexed query of one short
# column), so a new current version is picked up within seconds without reading the payload.


def _check_seconds() -> float:
    return float(getattr(settings, "MODEL_CHECK_SECONDS", 5))


def serialize(model: TrainedModel) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=("zlib", 3))
    return buffer.getvalue()


def save(model: TrainedModel, *, make_current: bool = True) -> Any:
    """Stores the model in the database under its ``ModelVersion`` (created when missing) and,
    by default, makes it current. Returns the ``ModelVersion``."""
    from agora.language.models import ModelPayload, ModelVersion

    data = serialize(model)
    with transaction.atomic():
        version, _created = ModelVersion.objects.get_or_create(
            version=model.version,
            defaults={"trained_at": model.trained_at, "corpus_size": model.corpus_size},
        )
        ModelPayload.objects.update_or_create(
            version=version,
            defaults={
                "data": data,
                "code_version": model.code_version,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            },
        )
        if make_current:
            set_current(model.version)
            version.is_current = True
    return version


def set_current(version: str) -> None:
    """Makes the stored ``version`` the current one for every machine (the others notice
    within MODEL_CHECK_SECONDS)."""
    from agora.language.models import ModelPayload, ModelVersion

    with transaction.atomic():
        # Locks the current row: two operators switching at once take turns.
        list(ModelVersion.objects.select_for_update().filter(is_current=True))
        if not ModelPayload.objects.filter(version__version=version).exists():
            raise ModelError("No existe el modelo %(version)s." % {"version": version})
        ModelVersion.objects.filter(is_current=True).exclude(version=version).update(
            is_current=False
        )
        ModelVersion.objects.filter(version=version).update(is_current=True)
    forget_current()


_current: tuple[float, str | None] | None = None


def current_version(*, fresh: bool = False) -> str | None:
    """The current version's name, as the database said it at most MODEL_CHECK_SECONDS ago
    (``fresh``: ask now)."""
    from agora.language.models import ModelVersion

    global _current
    checked = _current
    now = time.monotonic()
    if not fresh and checked is not None and now - checked[0] < _check_seconds():
        return checked[1]
    value = ModelVersion.objects.filter(is_current=True).values_list("version", flat=True).first()
    _current = (now, value)
    return value


def forget_current() -> None:
    """The next ``current_version`` asks the database."""
    global _current
    _current = None


def forget_loaded() -> None:
    """Drops this process's loaded model and current version (tests; never needed otherwise)."""
    forget_current()
    with _load_lock:
        _loaded.clear()


def stored_bytes(version: str) -> bytes | None:
    """The serialised model of ``version`` as stored, or None."""
    from agora.language.models import ModelPayload

    data = (
        ModelPayload.objects.filter(version__version=version).values_list("data", flat=True).first()
    )
    return bytes(data) if data is not None else None


_loaded: dict[str, TrainedModel] = {}
_load_lock = threading.Lock()


def load(version: str | None = None) -> TrainedModel:
    """The model ``version`` (by default the current one), read from the database once and
    then kept in memory by version."""
    from agora.language.models import ModelPayload

    version = version or current_version()
    if version is None:
        raise ModelError(
            "No hay un modelo entrenado: ejecute «agora classify_train» antes de clasificar."
        )
    with _load_lock:
        cached = _loaded.get(version)
        if cached is not None:
            return cached
        row = (
            ModelPayload.objects.filter(version__version=version)
            .values_list("data", "code_version")
            .first()
        )
        if row is None:
            raise ModelError("No existe el modelo %(version)s." % {"version": version})
        data, code_version = row
        if code_version != CODE_VERSION:
            raise ModelError(
                "El modelo %(version)s fue entrenado con otra versión del código: "
                "ejecute «agora classify_train»." % {"version": version}
            )
        try:
            model = joblib.load(io.BytesIO(bytes(data)))
        except Exception as error:  # pickled by other code: unusable, not fatal
            raise ModelError(
                "El modelo %(version)s no se puede leer con esta versión del código: "
                "ejecute «agora classify_train»." % {"version": version}
            ) from error
        if not isinstance(model, TrainedModel):
            raise ModelError("El modelo %(version)s no es un modelo." % {"version": version})
        if getattr(model, "code_version", None) != CODE_VERSION:
            raise ModelError(
                "El modelo %(version)s fue entrenado con otra versión del código: "
                "ejecute «agora classify_train»." % {"version": version}
            )
        _loaded.clear()  # one model in memory: the previous current one is not needed
        _loaded[version] = model
        return model


def classify_texts(texts: Sequence[str], *, model: TrainedModel | None = None) -> list[Result]:
    """Kind, flags and scores of each text, in order, with the model version."""
    return (model or load()).classify_texts(texts)
