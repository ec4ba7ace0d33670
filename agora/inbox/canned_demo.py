"""Demo approved answers (marked ``is_demo``) for the demo manager's entity and the general
library, so that `make run` shows the picker and the library with something in them."""

from __future__ import annotations

from django.db import transaction

from agora.core.models import User
from agora.core.permissions import MANAGER_ROLE
from agora.directory.models import Entity, Membership
from agora.inbox.canned import canned_answer_create
from agora.inbox.models import CannedAnswer

# (title, category, shortcut, text)
ENTITY_ANSWERS = [
    (
        "Dónde vacunarse",
        "Vacunación",
        "vacunas",
        "Hola, {nombre}. Gracias por escribirnos. Le informamos que puede vacunarse gratis en "
        "cualquier establecimiento de salud de {entidad}; lleve su DNI. Si necesita más ayuda, "
        "escríbanos por mensaje directo.",
    ),
    (
        "Pedir los datos por mensaje directo",
        "Atención",
        "privado",
        "Hola, {nombre}. Para ayudarle mejor, le pedimos que nos escriba por mensaje directo con "
        "su consulta. Por su seguridad, no publique su DNI ni su teléfono en los comentarios.",
    ),
    (
        "Consulta en revisión",
        "Atención",
        "plazo",
        "Hola, {nombre}. Hemos recibido su consulta y la estamos revisando. Le daremos una "
        "respuesta en un plazo de {plazo}. Gracias por su paciencia.",
    ),
]
GENERAL_ANSWERS = [
    (
        "Agradecimiento",
        "General",
        "gracias",
        "Gracias por escribirnos, {nombre}. En {entidad} valoramos su mensaje y lo tendremos "
        "en cuenta.",
    ),
]


@transaction.atomic
def canned_answers_create_demo() -> int:
    """Creates the demo answers that are missing (idempotent); returns how many."""
    created = 0
    manager_membership = (
        Membership.objects.active()
        .filter(user__username="demo-gestor", role=MANAGER_ROLE)
        .select_related("user", "entity")
        .first()
    )
    rector = User.objects.filter(username="demo-rector").first()
    plans: list[tuple[User, Entity | None, list[tuple[str, str, str, str]]]] = []
    if manager_membership is not None:
        plans.append((manager_membership.user, manager_membership.entity, ENTITY_ANSWERS))
    if rector is not None:
        plans.append((rector, None, GENERAL_ANSWERS))
    for actor, entity, answers in plans:
        for title, category, shortcut, body in answers:
            if CannedAnswer.objects.filter(entity=entity, title=title, is_demo=True).exists():
                continue
            answer = canned_answer_create(
                actor=actor,
                entity=entity,
                title=title,
                body=body,
                category=category,
                shortcut=shortcut,
            )
            CannedAnswer.objects.filter(pk=answer.pk).update(is_demo=True)
            created += 1
    return created
