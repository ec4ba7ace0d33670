"""High-precision detectors and the masking used by reports."""

from __future__ import annotations

import pytest

from agora.language import rules


def kinds(text: str) -> list[str]:
    return [finding.kind for finding in rules.personal_data(text)]


@pytest.mark.parametrize(
    "text",
    [
        "mi DNI es 12345678",
        "DNI: 87654321 por favor",
        "soy 45678912, ya salió mi bono?",
        "dni n° 70000001",
    ],
)
def test_dni_is_found(text: str) -> None:
    assert kinds(text) == ["dni"]


@pytest.mark.parametrize(
    "text",
    [
        "me cobraron S/ 12345678",  # an amount, not a DNI
        "el presupuesto fue 12345678 soles",
        "expediente 12345678 sin respuesta",
        "mi RUC 10123456789",  # 11 digits
        "el ticket N° 12345678",
        "1234567 y 123456789",  # 7 and 9 digits (9 not starting with 9)
        "el 12/05/2024 a las 10:30",
    ],
)
def test_other_numbers_are_not_dni(text: str) -> None:
    assert "dni" not in kinds(text)


def test_explicit_dni_wins_over_amount_context() -> None:
    assert kinds("pagué S/ 50, DNI 12345678") == ["dni"]


@pytest.mark.parametrize(
    "text",
    ["llámame al 987654321", "cel 999 888 777", "wsp 912-345-678", "+51 987654321", "01 2345678"],
)
def test_phones_are_found(text: str) -> None:
    assert kinds(text) == ["telefono"]


@pytest.mark.parametrize("text", ["son 123456789 soles", "código 812345678", "en 2024 fueron 900"])
def test_other_numbers_are_not_phones(text: str) -> None:
    assert "telefono" not in kinds(text)


def test_email_plate_and_address() -> None:
    assert kinds("escríbanme a vecino.uno@example.com") == ["correo"]
    assert kinds("la camioneta ABC-123 y la moto A1B-234") == ["placa", "placa"]
    assert kinds("vivo en Av. Los Ejemplos 123") == ["direccion"]
    assert kinds("Jr. Ayacucho N° 456, Breña") == ["direccion"]
    assert kinds("Mz. B Lt. 5 del asentamiento") == ["direccion"]


@pytest.mark.parametrize(
    "text",
    [
        "en la av Arequipa cuadra 5 hay un buzón abierto",
        "la calle está sucia hace 3 días",
        "el covid-19 volvió",
        "@usuario tienes razón",
        "el km 32 de la carretera",
    ],
)
def test_places_and_handles_are_not_personal_data(text: str) -> None:
    assert kinds(text) == []
    assert not rules.has_personal_data(text)


def test_rule_features_see_links_and_spam_cues() -> None:
    found = rules.rule_features("préstamos sin aval 👉 bit.ly/plata escríbeme al whatsapp")
    assert found.enlace and found.enlace_corto
    assert found.spam_pistas >= 2
    assert not found.personal
    assert not rules.rule_features("¿dónde me vacuno?").enlace


def test_mask_personal_data() -> None:
    text = (
        "Soy @vecino_1, DNI 12345678, cel 987 654 321, correo yo@example.com, "
        "placa ABC-123, vivo en Av. Los Ejemplos 123. Pagué S/ 12345678."
    )
    masked = rules.mask_personal_data(text)
    assert masked == (
        "Soy @[USUARIO], DNI [DNI], cel [TELÉFONO], correo [CORREO], "
        "placa [PLACA], vivo en [DIRECCIÓN]. Pagué S/ 12345678."
    )


def test_mask_leaves_clean_text_alone() -> None:
    assert rules.mask_personal_data("¿Dónde me vacuno?") == "¿Dónde me vacuno?"


def test_fictional_example_domain_is_a_link() -> None:
    assert rules.rule_features("regístrate en bonos-peru.example").enlace
    assert not rules.rule_features("por ejemplo, el bono del mes").enlace


# --- issue #15: amounts, loyalty and order numbers, model codes -------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "me cobraron S/ 1 250,00 por un trámite gratuito",
        "mi número de socio 40023311 no aparece en el sistema de puntos",
        "tarjeta de puntos 12345678",
        "acumulé 12345678 millas y no me dejan canjear",
        "Sigo esperando mi reembolso, pedido 45879632",
        "orden de compra 12345678 sin entregar",
        "número de operación: 12345678",
        "código de cliente 12345678",
        "mi reclamo es el 00087452, ya van 40 días",
        "vuelo cancelado otra vez, el CRJ-900 sigue en mantenimiento",
        "el Embraer E190 y el CRJ-200 salen tarde siempre",
        "el modelo ABB-250 se quemó a la semana",
        "el equipo XYZ-123 está malogrado",
        "la norma ISO-9001",  # four digits: no Peruvian plate has them
    ],
)
def test_amounts_loyalty_order_numbers_and_model_codes_are_not_personal_data(text: str) -> None:
    assert kinds(text) == []
    assert not rules.has_personal_data(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("número de DNI 45678912", ["dni"]),
        ("operación N° 12345678, DNI 44556677", ["dni"]),
        ("mi carro ABC-123 fue robado", ["placa"]),
        ("el auto de placa abc-123 me chocó", ["placa"]),
        ("placa del modelo ABC-123", ["placa"]),  # the word «placa» wins
        ("Tengo una moto de placa 1234-AB", ["placa"]),
        ("la mototaxi placa 4567-1A se fugó", ["placa"]),
    ],
)
def test_dni_and_plates_in_their_context_are_still_found(text: str, expected: list[str]) -> None:
    assert kinds(text) == expected
