"""Generated demonstration action plans (``is_demo=True``, shown with a «demo» tag): for the
demo site and the dashboard benchmark. Never mixed with the real OGP data."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.db import transaction

from agora.commitments import services
from agora.commitments.models import (
    ActionPlan,
    Commitment,
    Milestone,
    MilestoneStatus,
    OgpValue,
    PlanStatus,
    PolicyArea,
)
from agora.directory.models import Entity, Level

FIRST_DEMO_CYCLE = 2091
ACTIVITIES = [
    "Conformación de la mesa de trabajo con sociedad civil",
    "Diagnóstico participativo del servicio",
    "Propuesta normativa publicada para comentarios",
    "Aprobación de la norma por la Alta Dirección",
    "Publicación del conjunto de datos abiertos",
    "Capacitación de servidores públicos",
    "Implementación del piloto en tres regiones",
    "Evaluación del piloto con la ciudadanía",
    "Informe público de resultados",
    "Rendición de cuentas del compromiso",
]


@dataclass
class DemoResult:
    plans: int
    commitments: int
    milestones: int


@transaction.atomic
def plans_create_demo(
    *, plans: int = 3, commitments: int = 12, milestones: int = 6, seed: int = 7
) -> DemoResult:
    """Creates the demo plans that are missing (one per cycle from 2091); idempotent."""
    rng = random.Random(seed)
    entities = list(Entity.objects.filter(level=Level.NACIONAL).order_by("code")[:60])
    areas = list(PolicyArea.objects.order_by("name"))
    values = list(OgpValue.values)
    today = datetime.date.today()  # noqa: DTZ011 - a calendar month is enough here
    made = DemoResult(0, 0, 0)
    for p in range(plans):
        cycle = FIRST_DEMO_CYCLE + p
        if ActionPlan.objects.filter(cycle=cycle).exists():
            continue
        start_year = today.year - 1 + p % 3
        plan = ActionPlan.objects.create(
            cycle=cycle,
            title=f"Plan de demostración {p + 1}",
            period_start=start_year,
            period_end=start_year + 1,
            status=PlanStatus.IMPLEMENTACION,
            description="Datos generados para la demostración: no son compromisos reales.",
            is_demo=True,
        )
        made.plans += 1
        rows: list[Milestone] = []
        created: list[Commitment] = []
        for c in range(commitments):
            commitment = Commitment.objects.create(
                plan=plan,
                code=f"DEMO-{p + 1:02d}-{c + 1:03d}",
                title=f"Compromiso de demostración {c + 1} del plan {p + 1}",
                problem="Problema público de demostración.",
                objective="Objetivo de demostración.",
                lead_entity=rng.choice(entities) if entities else None,
                ogp_values=rng.sample(values, k=rng.randint(1, 2)),
                is_demo=True,
            )
            if areas:
                commitment.policy_areas.set(rng.sample(areas, k=min(2, len(areas))))
            created.append(commitment)
            for m in range(milestones):
                start = datetime.date(start_year, 1, 1) + datetime.timedelta(days=50 * m)
                end = start + datetime.timedelta(days=rng.randint(30, 120))
                status = rng.choice(
                    [
                        MilestoneStatus.COMPLETADO,
                        MilestoneStatus.EN_CURSO,
                        MilestoneStatus.NO_INICIADO,
                    ]
                )
                rows.append(
                    Milestone(
                        commitment=commitment,
                        order=m + 1,
                        activity=ACTIVITIES[m % len(ACTIVITIES)],
                        responsible="Oficina de demostración",
                        start_month=start.replace(day=1),
                        end_month=end.replace(day=1),
                        status=status,
                        weight=rng.randint(1, 3),
                    )
                )
        Milestone.objects.bulk_create(rows, batch_size=500)
        for commitment in created:
            services.commitment_progress_refresh(commitment)
        made.commitments += len(created)
        made.milestones += len(rows)
    return made
