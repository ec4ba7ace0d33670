"""What training keeps is masked: personal data and the names of people (the author's and those
written in the text), never institutions or places."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from agora.language.masking import mask_for_training, mask_names

M = "[NOMBRE]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "el doctor Juan Pérez no me quiso atender",
            f"el doctor {M} no me quiso atender",
        ),
        (
            "la señora María Quispe Mamani del módulo 3 nos gritó",
            f"la señora {M} del módulo 3 nos gritó",
        ),
        ("la sra. rosa huaman me trato mal", f"la sra. {M} me trato mal"),
        ("el dr juan perez me atendio bien", f"el dr {M} me atendio bien"),
        ("Carlos Mendoza Ríos cobra coimas", f"{M} cobra coimas"),
        ("gracias al ing. Ramos por venir", f"gracias al ing. {M} por venir"),
        ("Hola, me llamo Wendy Cárdenas y no tengo cita", f"Hola, me llamo {M} y no tengo cita"),
        ("mi nombre es lucho tapia", f"mi nombre es {M}"),
        ("la lic. María de los Ángeles Soto es un amor", f"la lic. {M} es un amor"),
        ("Rosa Quispe espera desde las 6", f"{M} espera desde las 6"),
        ("Señor Alcalde Jorge Muñoz, arregle la pista", f"Señor Alcalde {M}, arregle la pista"),
        ("el Dr. Huamán y la Lic. Torres no atienden", f"el Dr. {M} y la Lic. {M} no atienden"),
    ],
)
def test_names_of_people_in_the_text_are_masked(text: str, expected: str) -> None:
    assert mask_names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "El MINSA y el Ministerio de Salud no responden",
        "Banco de la Nación de San Juan de Lurigancho cerrado otra vez",
        "vivo en Jesús María, cerca de la av. Javier Prado",
        "el Hospital Arzobispo Loayza no tiene camas",
        "Luz del Sur nos cortó la luz en Villa María del Triunfo",
        "me regalaron una rosa y un polo color rosa",
        "Lima, Cusco y Arequipa sin oxígeno",
        "la Universidad César Vallejo y el colegio Miguel Grau",
        "Sedapal no da agua en Comas",
        "Sra. Ministra, Señor Alcalde: ¿hasta cuándo?",
        "Buenos días, quisiera saber si hay citas",
    ],
)
def test_institutions_places_and_ordinary_words_are_kept(text: str) -> None:
    assert mask_names(text) == text


def test_everything_personal_is_masked_at_once_and_masking_twice_changes_nothing() -> None:
    text = (
        "Soy Ana Torres, DNI 45678912, cel 987654321, ana.t@correo.pe, vivo en "
        "Jr. Los Pinos 123; el doctor Juan Pérez y @vecino_lima lo saben. Placa ABC-123."
    )
    masked = mask_for_training(text, ["Ana Torres"])
    for secret in ("Ana", "Torres", "45678912", "987654321", "ana.t", "Pinos 123", "Juan", "Pérez"):
        assert secret not in masked, secret
    assert "vecino_lima" not in masked and "@[USUARIO]" in masked
    for marker in ("[DNI]", "[TELÉFONO]", "[CORREO]", "[DIRECCIÓN]", "[PLACA]", M):
        assert marker in masked
    assert mask_for_training(masked, ["Ana Torres"]) == masked


def test_the_authors_name_is_masked_wherever_it_appears() -> None:
    assert mask_for_training("soy yo, pedrito, otra vez", ["Pedrito Gómez"]) == (
        f"soy yo, {M}, otra vez"
    )


@pytest.mark.django_db
def test_the_migration_masks_the_names_in_labels_already_stored(
    rector: Any, entities: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.apps import apps

    from agora.language.models import QueueLabel
    from tests.language.fake_model import account_for, ingest_one, remove

    remove(monkeypatch)
    account = account_for(entities["minsa"], "facebook", "minsa.peru", rector)
    message = ingest_one(account, "la enfermera Julia Ccori me dejó esperando, DNI 45678912")
    old_copy = "la enfermera Julia Ccori me dejó esperando, DNI [DNI]"  # masked the old way
    label = QueueLabel.objects.create(
        message=message,
        entity_id=message.entity_id,
        round=1,
        kind="queja",
        flags=[],
        masked_text=old_copy,
        by=rector,
    )
    migration = importlib.import_module("agora.language.migrations.0006_mask_names_in_queue_labels")
    migration.remask(apps, None)
    label.refresh_from_db()
    assert label.masked_text == f"la enfermera {M} me dejó esperando, DNI [DNI]"
    migration.remask(apps, None)  # again: nothing changes
    label.refresh_from_db()
    assert label.masked_text == f"la enfermera {M} me dejó esperando, DNI [DNI]"
