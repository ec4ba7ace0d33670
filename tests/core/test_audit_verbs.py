"""One audit-verb style: «objeto.accion_en_participio» in Spanish, two parts, lower case (the
admin's «admin.<modelo>.<alta|cambio|baja>» apart); the old verbs already recorded are renamed
by a reversible data migration."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps as django_apps

from agora.core.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2] / "agora"
VERB = re.compile(r"""verb=["']([^"']+)["']""")
STYLE = re.compile(r"^[a-z_]+\.[a-z_]+$")
migration = importlib.import_module("agora.core.migrations.0005_audit_verbs_spanish")


def test_every_audit_verb_in_the_code_has_the_one_style() -> None:
    found = {
        verb
        for path in ROOT.rglob("*.py")
        if "migrations" not in path.parts and "connectors" not in path.parts
        for verb in VERB.findall(path.read_text(encoding="utf-8"))
    }
    assert len(found) > 50
    assert sorted(v for v in found if not STYLE.match(v)) == []
    assert not found & set(migration.OLD_TO_NEW)  # no old verb is still written


@pytest.mark.django_db
def test_the_data_migration_renames_old_verbs_and_back() -> None:
    for old in ("smart_scored", "foro.sesion.convocar", "conversacion.asignacion"):
        AuditEvent.objects.create(verb=old, object_type="x.y", object_id="1", actor_label="x")
    AuditEvent.objects.create(verb="admin.hito.alta", object_type="x.y", object_id="1")
    migration.forwards(django_apps, None)
    verbs = sorted(AuditEvent.objects.values_list("verb", flat=True))
    assert verbs == [
        "admin.hito.alta",
        "conversacion.asignada",
        "propuesta.puntuada_smart",
        "sesion.convocada",
    ]
    migration.backwards(django_apps, None)
    assert "smart_scored" in set(AuditEvent.objects.values_list("verb", flat=True))
