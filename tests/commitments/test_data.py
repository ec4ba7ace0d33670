"""The reviewed data file against the seed documents copied into the repository, and its
loading (idempotent, linked to the directory)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from agora.commitments import public_data, seeds
from agora.commitments.models import (
    ActionPlan,
    Commitment,
    IndependentReview,
    Milestone,
    MilestoneStatus,
    Workshop,
)
from agora.core.models import AuditEvent
from agora.core.text import fold
from agora.directory import public_data as directory_data
from agora.directory import services as directory_services

DATA = public_data.read_data()
BY_CODE = {row["code"]: row for row in DATA["commitments"]}
ENTITIES_CSV = Path(directory_data.__file__).resolve().parent / "data" / "entidades_nacionales.csv"


def _directory_codes() -> dict[str, dict[str, str]]:
    with ENTITIES_CSV.open(encoding="utf-8") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


def test_seed_copies_are_the_documents_the_readme_names() -> None:
    readme = (seeds.SEEDS_DIR / "README.md").read_text(encoding="utf-8")
    for name in [seeds.LISTING_SEED, seeds.PLAN_2015_SEED, *seeds.REVIEW_SEEDS.values()]:
        assert (seeds.SEEDS_DIR / name).is_file()
        assert name in readme


def test_every_ogp_commitment_pe0001_to_pe0104_with_title_cycle_and_area() -> None:
    listing = {row["code"]: row for row in seeds.ogp_listing()}
    assert sorted(BY_CODE) == [f"PE{n:04d}" for n in range(1, 105)]
    assert sorted(listing) == sorted(BY_CODE)
    for code, row in listing.items():
        item = BY_CODE[code]
        assert item["ogp_title"] == row["ogp_title"]
        assert item["cycle"] == row["cycle"]
        assert item["ogp_starred"] == row["ogp_starred"]
        if row["policy_area"]:
            assert item["policy_areas"][0] == row["policy_area"]
        else:  # PE0033 has no policy area in the listing
            assert item["policy_areas"] == []
    assert {c for c, r in BY_CODE.items() if r["ogp_starred"]} == {"PE0054", "PE0059", "PE0062"}
    assert {r["cycle"] for r in DATA["commitments"]} == {2012, 2015, 2017, 2019}


def test_four_cycles_with_the_periods_the_seeds_give() -> None:
    plans = {p["cycle"]: p for p in DATA["plans"]}
    assert sorted(plans) == [2012, 2015, 2017, 2019]
    text_001 = seeds.read_seed(seeds.PLAN_2015_SEED)
    assert "2012 - 2014" in text_001 and (
        plans[2012]["period_start"],
        plans[2012]["period_end"],
    ) == (2012, 2014)
    assert "PLAN AGA 2015 – 2016" in text_001 and (
        plans[2015]["period_start"],
        plans[2015]["period_end"],
    ) == (2015, 2016)
    assert "2017-2019" in seeds.ogp_page("PE0066")["Action Plan"]
    assert (plans[2017]["period_start"], plans[2017]["period_end"]) == (2017, 2019)
    assert plans[2019]["period_start"] is None  # no seed gives the 2019 cycle's period


def test_the_17_commitments_of_2015_match_seed_001() -> None:
    parsed = seeds.plan_2015_commitments()
    assert [c["code"] for c in parsed] == [f"PE{n:04d}" for n in range(49, 66)]
    text = seeds.squash(seeds.read_seed(seeds.PLAN_2015_SEED))
    for source in parsed:
        item = BY_CODE[source["code"]]
        assert item["cycle"] == 2015
        for name in (
            "title",
            "problem",
            "objective",
            "actions",
            "lead_institution",
            "number",
            "section",
        ):
            assert item[name] == source[name], (source["code"], name)
        assert item["title"] and item["problem"] and item["objective"] and item["actions"]
        assert seeds.squash(item["title"]) in text
        assert item["deadline"] == source["deadline"]
        assert [(m["activity"], m["start"], m["end"]) for m in item["milestones"]] == [
            (m["activity"], m["start"], m["end"]) for m in source["milestones"]
        ]
        for milestone in item["milestones"]:
            assert milestone["activity"].split()[0] in text
            assert milestone["start"] <= milestone["end"]
        # Commitments without a schedule table carry the plan's completion month instead.
        assert item["milestones"] or item["deadline"] == "2016-07"
    assert sum(len(BY_CODE[c["code"]]["milestones"]) for c in parsed) == 52


def test_known_milestones_of_seed_001() -> None:
    """Spot checks read by hand from the plan's tables."""
    pe0065 = BY_CODE["PE0065"]["milestones"]
    assert [(m["start"], m["end"]) for m in pe0065] == [
        ("2015-01", "2015-03"),
        ("2015-06", "2015-11"),
        ("2015-01", "2015-09"),
        ("2015-03", "2016-07"),
    ]
    assert pe0065[0]["activity"].startswith("Elaboración del Directorio de Redes Sociales")
    assert BY_CODE["PE0063"]["milestones"][4]["start"] == "2015-08"  # the "6. Ago. 2015" cell
    assert BY_CODE["PE0063"]["milestones"][4]["end"] == "2016-03"
    assert len(BY_CODE["PE0057"]["milestones"]) == 5  # numbered 1, 1, 2, 3, 4 in the plan


def test_lead_entities_are_linked_to_the_directory_by_code() -> None:
    directory = _directory_codes()
    for number in range(49, 67):
        item = BY_CODE[f"PE{number:04d}"]
        assert item["lead_entity"] in directory, item["code"]
        for code in item["supporting_entities"]:
            assert code in directory, (item["code"], code)
        lead = directory[item["lead_entity"]]
        text = item["lead_institution"] + " " + item.get("link_note", "")
        assert (
            lead["name"].split(" (")[0] in text
            or lead["acronym"] in text
            or (item["lead_entity"] == "pcm" and "PCM" in text)
            or "Consejo de Ministros" in text
        ), item["code"]
    assert BY_CODE["PE0059"]["lead_entity"] == "cgr"
    assert BY_CODE["PE0058"]["lead_entity"] == "pj"
    assert BY_CODE["PE0056"]["lead_entity"] == "cultura"


def test_supporting_organisations_come_from_the_seeds() -> None:
    words = set(
        fold(
            seeds.read_seed(seeds.PLAN_2015_SEED) + seeds.read_seed("004_85b27811beef6aef.txt")
        ).split()
    )
    for code in ("PE0049", "PE0055", "PE0060", "PE0061", "PE0066"):
        assert BY_CODE[code]["supporting_organisations"], code
        for name in BY_CODE[code]["supporting_organisations"]:
            missing = [
                w for w in fold(name.replace("(", " ").replace(")", " ")).split() if w not in words
            ]
            assert not missing, (code, name, missing)
    assert "Proética" in BY_CODE["PE0049"]["supporting_organisations"]


def test_2015_workshops_with_participants_per_type() -> None:
    source = seeds.workshops_2015()
    data = DATA["workshops_2015"]
    assert [w["organisations"] for w in data["workshops"]] == [
        w["organisations"] for w in source["workshops"]
    ]
    ayacucho = data["workshops"][0]
    assert ayacucho["place"] == "Ayacucho" and ayacucho["people"] == 87
    assert ayacucho["organisations"] == {
        "entidad_publica": 11,
        "sociedad_civil": 27,
        "gremio_empresarial": 1,
        "universidad": 1,
        "colegio_profesional": 0,
    }
    people = sum(w["people"] or 0 for w in data["workshops"]) + data["lima_people"]
    assert people == source["total_people"] == 370


def test_reviews_of_pe0055_pe0065_pe0066_match_their_pages() -> None:
    reviews = {r["code"]: r for r in DATA["reviews"]}
    assert sorted(reviews) == ["PE0055", "PE0065", "PE0066"]
    for code, review in reviews.items():
        page = seeds.ogp_page(code)
        assert review["report"] == page["IRM Report"]
        assert review["verifiable"] is (page["Verifiable"] == "Yes")
        assert (review["relevance"] == []) is (page["Relevant to OGP Values"] == "Not Relevant")
        assert review["ogp_starred_label"] == page["Starred"]
        expected = {"Did Not Change": "no_cambio", "Major Major": "significativo"}[
            page["Early Results"]
        ]
        assert review["opened_government"] == expected
        for area in page["Policy Areas"].split(","):
            assert area.strip() in BY_CODE[code]["policy_areas"]
    assert (
        "limitado" in seeds.read_seed(seeds.REVIEW_SEEDS["PE0065"])
        and reviews["PE0065"]["completion"] == "limitado"
    )
    assert "no se ha iniciado" in seeds.read_seed(seeds.REVIEW_SEEDS["PE0055"])
    assert [(m["start"], m["end"]) for m in BY_CODE["PE0066"]["milestones"]] == [
        ("2018-01", "2018-03"),
        ("2018-04", "2019-05"),
        ("2019-06", "2019-08"),
    ]


@pytest.fixture
def national_entities(db: None) -> None:
    rows = [r for r in directory_data.all_rows() if r["code"] in _directory_codes()]
    directory_services.entities_load(rows=rows)


def _state() -> list[Any]:
    return [
        list(
            ActionPlan.objects.values_list(
                "cycle", "period_start", "period_end", "updated_at"
            ).order_by("cycle")
        ),
        list(
            Commitment.objects.values_list(
                "code", "lead_entity__code", "updated_at", "status"
            ).order_by("code")
        ),
        list(
            Milestone.objects.values_list("pk", "start_month", "end_month", "status").order_by("pk")
        ),
        list(Workshop.objects.values_list("pk", "people").order_by("pk")),
        list(IndependentReview.objects.values_list("pk", "starred", "updated_at").order_by("pk")),
        AuditEvent.objects.count(),
    ]


def test_load_is_idempotent_and_links_the_directory(national_entities: None) -> None:
    first = public_data.load()
    assert (first.plans, first.commitments, first.milestones) == (4, 104, 55)
    state = _state()
    second = public_data.load()
    assert second.created == second.updated == 0
    assert _state() == state
    pe0065 = Commitment.objects.get(code="PE0065")
    assert pe0065.lead_entity is not None and pe0065.lead_entity.code == "pcm"
    assert pe0065.milestones.count() == 4
    assert pe0065.milestones.first().start_month.isoformat() == "2015-01-01"  # type: ignore[union-attr]
    assert set(
        Commitment.objects.get(code="PE0061").supporting_entities.values_list("code", flat=True)
    ) == {"mimp", "mef"}
    assert Milestone.objects.filter(status=MilestoneStatus.SIN_DATO).count() == 55
    assert Workshop.objects.filter(plan__cycle=2015).count() == 5
    reviews = IndependentReview.objects.in_bulk(field_name="commitment_id")
    assert len(reviews) == 3 and not any(r.starred for r in reviews.values())
    assert ActionPlan.objects.get(cycle=2015).commitments.count() == 17


def test_load_keeps_reported_milestone_status(national_entities: None) -> None:
    public_data.load()
    milestone = Milestone.objects.filter(commitment__code="PE0065").order_by("order").first()
    assert milestone is not None
    Milestone.objects.filter(pk=milestone.pk).update(status=MilestoneStatus.COMPLETADO)
    public_data.load()
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.COMPLETADO


def test_data_file_is_valid_json_with_sources() -> None:
    raw = json.loads(public_data.DATA_FILE.read_text(encoding="utf-8"))
    assert set(raw["sources"]) == {
        seeds.LISTING_SEED,
        seeds.PLAN_2015_SEED,
        *seeds.REVIEW_SEEDS.values(),
    }
