"""Generated demonstration workshops (``is_demo=True``, shown with a «demo» tag and a note on
the public page): four workshops in 2026 with materials and attendees from real entities that
have (demo) verified accounts, so that the coverage page shows partial coverage. Attendees'
names are invented. Idempotent."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.db import transaction

from agora.core.models import User
from agora.directory.models import Entity, Level, Membership
from agora.training import services
from agora.training.models import AttendeeRole, Mode, TrainingSession


@dataclass(frozen=True)
class DemoWorkshop:
    title: str
    date: datetime.date
    mode: str
    place: str
    topics: str
    trainer: str
    hours: str
    levels: dict[str, int]


WORKSHOPS = [
    DemoWorkshop(
        title="Lineamientos para el uso de redes sociales en el Estado",
        date=datetime.date(2026, 2, 19),
        mode=Mode.PRESENCIAL,
        place="Auditorio de la Presidencia del Consejo de Ministros, Lima",
        topics="Plan de contenidos\nMensajes en primera persona plural\nRespaldo oficial",
        trainer="Secretaría de Gobierno y Transformación Digital (demo)",
        hours="4",
        levels={Level.NACIONAL: 8},
    ),
    DemoWorkshop(
        title="Atender a la ciudadanía en redes: plazos y respuestas",
        date=datetime.date(2026, 4, 23),
        mode=Mode.VIRTUAL,
        place="Plataforma de videoconferencia de la PCM",
        topics="Escuchar primero, luego responder\nPlazos de respuesta\nRespuestas aprobadas",
        trainer="Secretaría de Gestión Pública (demo)",
        hours="3",
        levels={Level.NACIONAL: 4, Level.REGIONAL: 6},
    ),
    DemoWorkshop(
        title="Manual de crisis y comentarios agresivos",
        date=datetime.date(2026, 7, 9),
        mode=Mode.VIRTUAL,
        place="Plataforma de videoconferencia de la PCM",
        topics="Manual de crisis\nFiltros contra insultos y spam\nDeclaraciones preaprobadas",
        trainer="Secretaría de Gobierno y Transformación Digital (demo)",
        hours="2.5",
        levels={Level.REGIONAL: 4, Level.LOCAL: 10},
    ),
    DemoWorkshop(
        title="Rendir cuentas en redes: logros verificables",
        date=datetime.date(2026, 10, 15),
        mode=Mode.PRESENCIAL,
        place="Gobierno Regional de Arequipa, Arequipa",
        topics=(
            "Limitar la propaganda\nEnlazar compromisos y evidencias\nLicencia libre en infografías"
        ),
        trainer="Secretaría de Gestión Pública (demo)",
        hours="3",
        levels={Level.REGIONAL: 2, Level.LOCAL: 8},
    ),
]
FIRST_NAMES = ["Ana", "Luis", "Rosa", "Jorge", "Carmen", "Miguel", "Lucía", "Pedro", "Elena"]
LAST_NAMES = ["Quispe", "Flores", "Huamán", "Rojas", "Mamani", "Torres", "Vargas", "Castillo"]
ROLES = [AttendeeRole.GESTOR, AttendeeRole.COMUNICADOR, AttendeeRole.COMUNICADOR, AttendeeRole.OTRO]


def _entities(level: str, rng: random.Random) -> list[Entity]:
    pool = list(Entity.objects.filter(level=level, verified_count__gt=0).order_by("code")[:400])
    rng.shuffle(pool)
    return pool


@transaction.atomic
def training_create_demo(*, seed: int = 18) -> int:
    """Creates the demo workshops when there are none; returns how many attendances."""
    if TrainingSession.objects.filter(is_demo=True).exists():
        return 0
    rng = random.Random(seed)
    pools = {level: _entities(level, rng) for level in Level.values}
    rector = User.objects.filter(username="demo-rector").first()
    created = 0
    for index, workshop in enumerate(WORKSHOPS):
        session = services.session_create(
            actor=rector,
            title=workshop.title,
            date=workshop.date,
            mode=workshop.mode,
            place=workshop.place,
            topics=workshop.topics,
            trainer=workshop.trainer,
            hours=workshop.hours,
            is_demo=True,
            system=True,
        )
        services.material_add(
            actor=rector,
            session=session,
            title="Presentación del taller (demo)",
            url="https://www.gob.pe/pcm",
            system=True,
        )
        for level, count in workshop.levels.items():
            # Each workshop takes the next entities of the level: some are trained twice.
            pool = pools[level]
            start = (index * 3) % max(1, len(pool))
            for offset, entity in enumerate((pool + pool)[start : start + count]):
                role = ROLES[(index + offset) % len(ROLES)]
                name = "%s %s (demo)" % (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
                if session.attendances.filter(entity=entity, name=name).exists():
                    continue
                services.attendance_register(
                    actor=rector,
                    session=session,
                    entity=entity,
                    name=name,
                    role=role,
                    completed=offset % 7 != 6,
                    system=True,
                )
                created += 1
    # MINSA's demo communicator attended the first workshop with their Ágora account.
    membership = (
        Membership.objects.active()
        .filter(user__username="demo-comunicador")
        .select_related("entity", "user")
        .first()
    )
    first = TrainingSession.objects.filter(is_demo=True).order_by("date").first()
    if (
        membership is not None
        and first is not None
        and not first.attendances.filter(entity=membership.entity, user=membership.user).exists()
    ):
        services.attendance_register(
            actor=rector,
            session=first,
            entity=membership.entity,
            name="Carmen (demo)",
            role=AttendeeRole.COMUNICADOR,
            user=membership.user,
            system=True,
        )
        created += 1
    return created
