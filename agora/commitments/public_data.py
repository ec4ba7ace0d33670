"""Loads Peru's real OGP data (``data/compromisos.json``, derived from the seeds in
``data/seeds/``): four action-plan cycles, the 104 commitments, the 2015–2016 plan's details
and milestones, its workshops, and three independent reviews. Idempotent: a second run
changes nothing, and it never overwrites milestone statuses reported since."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from agora.commitments import services
from agora.commitments.models import (
    ActionPlan,
    Commitment,
    Milestone,
    MilestoneStatus,
    PolicyArea,
)
from agora.core.audit import audit_record
from agora.core.models import User
from agora.directory.models import Entity

DATA_FILE = Path(__file__).resolve().parent / "data" / "compromisos.json"
SOURCE = "Alianza para el Gobierno Abierto (OGP) y Plan de Acción de Gobierno Abierto 2015-2016"
COMMISSION_2015 = (
    "Comisión Multisectorial de naturaleza permanente para el Seguimiento de la Implementación "
    "del Plan de Acción de Gobierno Abierto (Decreto Supremo N° 003-2013-PCM)"
)


def read_data(path: Path = DATA_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def month(value: str | None) -> datetime.date | None:
    if not value:
        return None
    year, number = value.split("-")
    return datetime.date(int(year), int(number), 1)


@dataclass
class LoadResult:
    plans: int = 0
    commitments: int = 0
    milestones: int = 0
    workshops: int = 0
    reviews: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count(self, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1


def _assign(instance: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


@transaction.atomic
def load(*, data: dict[str, Any] | None = None, actor: User | None = None) -> LoadResult:
    data = data or read_data()
    result = LoadResult()
    plans: dict[int, ActionPlan] = {}
    for row in data["plans"]:
        values = {
            "title": row["title"],
            "period_start": row["period_start"],
            "period_end": row["period_end"],
            "status": row["status"],
            "source": SOURCE,
        }
        if row["cycle"] == 2015:
            values["commission_reference"] = COMMISSION_2015
        plan = ActionPlan.objects.filter(cycle=row["cycle"]).first()
        created = plan is None
        plan = plan or ActionPlan(cycle=row["cycle"])
        changed = _assign(plan, values)
        if created or changed:
            plan.save()
            audit_record(
                actor=actor, verb="plan_accion.cargado", instance=plan, after={"cycle": plan.cycle}
            )
        result.count(created, changed)
        plans[plan.cycle] = plan
        result.plans += 1

    areas: dict[str, PolicyArea] = {}
    for row in data["policy_areas"]:
        area, created = PolicyArea.objects.get_or_create(
            name=row["name"], defaults={"name_es": row["name_es"], "slug": slugify(row["name"])}
        )
        if not created and area.name_es != row["name_es"]:
            area.name_es = row["name_es"]
            area.save(update_fields=["name_es"])
        areas[area.name] = area

    codes = {code for row in data["commitments"] for code in _entity_codes(row)}
    entities = {e.code: e for e in Entity.objects.filter(code__in=codes)}
    for row in data["commitments"]:
        _load_commitment(row, plans[row["cycle"]], areas, entities, result, actor)

    plan_2015 = plans[2015]
    workshops = data["workshops_2015"]
    for row in workshops["workshops"]:
        notes = ""
        if row["place"] == "Lima":
            notes = (
                "Los dos talleres de Lima reunieron %(people)s personas en total; el cuadro 1 "
                "del plan los fecha «11 y 13 de enero» y el cuadro 2, en febrero."
            ) % {"people": workshops["lima_people"]}
        existing = plan_2015.workshops.filter(label=row["label"]).first()
        participation = row["organisations"]
        if existing is not None and _workshop_same(existing, row, notes):
            result.count(False, False)
        else:
            services.workshop_record(
                actor=actor,
                plan=plan_2015,
                label=row["label"],
                place=row["place"],
                date_text=row["date_text"],
                people=row["people"],
                participation=participation,
                notes=notes,
                system=True,
            )
            result.count(existing is None, existing is not None)
        result.workshops += 1

    by_code = {
        c.code: c for c in Commitment.objects.filter(code__in=[r["code"] for r in data["reviews"]])
    }
    for row in data["reviews"]:
        commitment = by_code[row["code"]]
        before = getattr(commitment, "review", None)
        before_key = before.updated_at if before else None
        review = services.review_record(
            actor=actor,
            commitment=commitment,
            report=row["report"],
            verifiable=row["verifiable"],
            relevance=row["relevance"],
            potential_impact=row["potential_impact"],
            completion=row["completion"],
            opened_government=row["opened_government"],
            notes=row["notes"],
            system=True,
        )
        result.count(before is None, before is not None and review.updated_at != before_key)
        result.reviews += 1
    return result


def _entity_codes(row: dict[str, Any]) -> list[str]:
    codes = list(row.get("supporting_entities", []))
    if row.get("lead_entity"):
        codes.append(row["lead_entity"])
    return codes


def _workshop_same(workshop: Any, row: dict[str, Any], notes: str) -> bool:
    counts = dict(workshop.participation.values_list("organisation_type", "count"))
    return (
        workshop.place == row["place"]
        and workshop.date_text == row["date_text"]
        and workshop.people == row["people"]
        and workshop.notes == notes
        and counts == row["organisations"]
    )


def _load_commitment(
    row: dict[str, Any],
    plan: ActionPlan,
    areas: dict[str, PolicyArea],
    entities: dict[str, Entity],
    result: LoadResult,
    actor: User | None,
) -> None:
    values = {
        "plan_id": plan.pk,
        "ogp_title": row["ogp_title"],
        "ogp_starred": row["ogp_starred"],
        "number": row.get("number", ""),
        "section": row.get("section", ""),
        "title": row.get("title", ""),
        "title_translation": row.get("title_translation", ""),
        "problem": row.get("problem", ""),
        "objective": row.get("objective", ""),
        "actions": row.get("actions", ""),
        "lead_institution": row.get("lead_institution", ""),
        "lead_entity_id": lead.pk if (lead := entities.get(row.get("lead_entity") or "")) else None,
        "supporting_organisations": row.get("supporting_organisations", []),
        "link_note": row.get("link_note", ""),
        "ogp_values": row.get("ogp_values", []),
        "deadline": month(row.get("deadline")),
    }
    commitment = Commitment.objects.filter(code=row["code"]).first()
    created = commitment is None
    commitment = commitment or Commitment(code=row["code"])
    changed = _assign(commitment, values)
    if created or changed:
        commitment.save()
    wanted_areas = {areas[name].pk for name in row["policy_areas"]}
    if created or set(commitment.policy_areas.values_list("pk", flat=True)) != wanted_areas:
        commitment.policy_areas.set(wanted_areas)
        changed = True
    wanted_entities = {entities[c].pk for c in row.get("supporting_entities", []) if c in entities}
    if (
        created
        or set(commitment.supporting_entities.values_list("pk", flat=True)) != wanted_entities
    ):
        commitment.supporting_entities.set(wanted_entities)
        changed = True
    existing = {m.order: m for m in commitment.milestones.all()}
    for order, item in enumerate(row.get("milestones", []), start=1):
        milestone_values = {
            "activity": item["activity"],
            "responsible": item.get("responsible", ""),
            "start_month": month(item["start"]),
            "end_month": month(item["end"]),
        }
        milestone = existing.get(order)
        if milestone is None:
            Milestone.objects.create(
                commitment=commitment,
                order=order,
                status=MilestoneStatus.SIN_DATO,
                **milestone_values,
            )
            changed = True
        elif _assign(milestone, milestone_values):
            milestone.save()
            changed = True
        result.milestones += 1
    if created or changed:
        services.commitment_progress_refresh(commitment)
        audit_record(
            actor=actor,
            verb="compromiso.cargado",
            instance=commitment,
            after={"code": commitment.code, "created": created},
        )
    result.count(created, changed and not created)
    result.commitments += 1
