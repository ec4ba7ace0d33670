"""The one taxonomy of citizen messages: a kind (exactly one) and flags (any number), with the
Spanish definitions that the help page, the corpus README and the classifier share."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    CONSULTA = "consulta", _("Consulta")
    QUEJA = "queja", _("Queja")
    DENUNCIA = "denuncia", _("Denuncia")
    SUGERENCIA = "sugerencia", _("Sugerencia")
    FELICITACION = "felicitacion", _("Felicitación")
    OTRO = "otro", _("Otro")


class Flag(models.TextChoices):
    INSULTO = "insulto", _("Insulto")
    SPAM = "spam", _("Spam")
    AMENAZA = "amenaza", _("Amenaza")
    DATOS_PERSONALES = "datos_personales", _("Datos personales")


KINDS: tuple[str, ...] = tuple(Kind.values)
FLAGS: tuple[str, ...] = tuple(Flag.values)

KIND_DEFINITIONS: dict[str, str] = {
    Kind.CONSULTA: (
        "Pide información o pregunta cómo hacer algo: «¿dónde me vacuno?», «cómo saco mi DNI», "
        "«hasta cuándo es la inscripción»."
    ),
    Kind.QUEJA: (
        "Reclamo de quien escribe por un servicio que recibió: mala atención, demoras, cobros "
        "indebidos, nadie contesta. También cuando se formula como pregunta («¿hasta cuándo voy "
        "a esperar mi cita?»)."
    ),
    Kind.DENUNCIA: (
        "Informa de una falta o de un peligro público que requiere la acción de la autoridad: "
        "corrupción, abuso de un funcionario, un delito, obras ilegales, un peligro en la vía "
        "pública (poste caído, buzón abierto, muro a punto de caer)."
    ),
    Kind.SUGERENCIA: (
        "Propone una mejora: «deberían abrir más turnos en la tarde», «sería bueno que pongan "
        "una app»."
    ),
    Kind.FELICITACION: "Elogio o agradecimiento: «gracias por la atención», «buena chamba».",
    Kind.OTRO: (
        "Opinión, conversación, comentario político sin pedido, bromas, saludos, reacciones. "
        "Los insultos puros y el spam puro, sin pedido, son «otro» con su alerta."
    ),
}

FLAG_DEFINITIONS: dict[str, str] = {
    Flag.INSULTO: (
        "Lenguaje abusivo o degradante dirigido a una persona o a un grupo (el funcionario, "
        "«los del municipio», otro comentarista). Las lisuras sin destinatario, usadas como "
        "intensificador («qué calor carajo»), no son insulto."
    ),
    Flag.SPAM: (
        "Publicidad, estafas, ofertas de préstamos, de seguidores o de criptomonedas, cadenas "
        "(«comparte o tendrás mala suerte»), «gana dinero desde casa», enlaces a ventas ajenas "
        "al tema, páginas falsas de bonos."
    ),
    Flag.AMENAZA: (
        "Amenaza de violencia o de daño a personas o bienes, o el anuncio de un acto violento "
        "(«los vamos a quemar», «ya sabemos dónde vive»). Anunciar una protesta pacífica o una "
        "denuncia legal no es amenaza."
    ),
    Flag.DATOS_PERSONALES: (
        "El mensaje contiene un DNI (8 dígitos), un teléfono (celular de 9 dígitos o fijo "
        "como 01 2345678), un correo electrónico, una dirección de domicilio (calle y número) "
        "o una placa de vehículo (ABC-123) ligados a una persona."
    ),
}


@dataclass(frozen=True)
class Definition:
    value: str
    label: str
    definition: str


def taxonomy_definitions() -> dict[str, list[Definition]]:
    """What the help page shows: each kind and flag with its label and definition."""
    return {
        "kinds": [Definition(str(k.value), str(k.label), KIND_DEFINITIONS[k.value]) for k in Kind],
        "flags": [Definition(str(f.value), str(f.label), FLAG_DEFINITIONS[f.value]) for f in Flag],
    }
