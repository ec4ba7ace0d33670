"""The real public data (`agora load_public_data`): INEI's regional and local governments and
the reviewed file of national entities."""

from __future__ import annotations

import csv
import re
from io import StringIO

import pytest
from django.core.management import call_command

from agora.core.text import fold
from agora.directory.models import Branch, Entity, EntityType, Level
from agora.directory.public_data import NATIONAL_FILE

NATIONAL_HEADER = [
    "code",
    "name",
    "acronym",
    "branch",
    "entity_type",
    "parent_code",
    "website",
    "description",
    "functions",
    "source",
]

# Constitutional bodies and powers the directory must hold (by their code).
REQUIRED_NATIONAL = {
    "pcm",
    "minsa",
    "congreso",
    "pj",
    "cgr",
    "defensoria",
    "jne",
    "onpe",
    "reniec",
    "bcrp",
    "sbs",
    "tc",
    "jnj",
    "mpfn",
}

# Peru's ministries (Ley 29158 and the laws that created the later ones), by a word of their
# name that no other ministry shares.
MINISTRIES = [
    "salud",
    "educacion",
    "economia y finanzas",
    "interior",
    "defensa",
    "justicia y derechos humanos",
    "relaciones exteriores",
    "trabajo y promocion del empleo",
    "produccion",
    "comercio exterior y turismo",
    "energia y minas",
    "transportes y comunicaciones",
    "vivienda, construccion y saneamiento",
    "ambiente",
    "cultura",
    "mujer y poblaciones vulnerables",
    "desarrollo e inclusion social",
    "desarrollo agrario",
]


def _load() -> str:
    out = StringIO()
    call_command("load_public_data", stdout=out)
    return out.getvalue()


@pytest.fixture
def loaded(db: None) -> str:
    return _load()


def test_regional_governments_are_the_25_inei_departments(loaded: str) -> None:
    regional = Entity.objects.filter(level=Level.REGIONAL)
    codes = sorted(regional.values_list("code", flat=True))
    assert codes == [f"gr-{n:02d}" for n in range(1, 26)]
    assert set(regional.values_list("entity_type", flat=True)) == {EntityType.GOBIERNO_REGIONAL}
    assert set(regional.values_list("branch", flat=True)) == {Branch.REGIONAL}
    arequipa = Entity.objects.get(code="gr-04")
    assert arequipa.name == "Gobierno Regional de Arequipa"
    assert arequipa.ubigeo == "040000"
    assert arequipa.department_code == "04"
    callao = Entity.objects.get(code="gr-07")
    assert callao.name == "Gobierno Regional del Callao"


def test_provincial_municipalities_are_the_196_inei_provinces(loaded: str) -> None:
    provincial = Entity.objects.filter(entity_type=EntityType.MUNI_PROVINCIAL)
    codes = list(provincial.values_list("code", flat=True))
    assert len(codes) == 196
    assert all(re.fullmatch(r"mp-\d{4}", code) for code in codes)
    assert {code[3:5] for code in codes} == {f"{n:02d}" for n in range(1, 26)}
    lima = Entity.objects.get(code="mp-1501")
    assert lima.name == "Municipalidad Metropolitana de Lima"
    assert lima.ubigeo == "150101"
    assert Entity.objects.get(code="mp-0401").name == "Municipalidad Provincial de Arequipa"


def test_district_municipalities_exclude_provincial_capitals(loaded: str) -> None:
    """1,893 INEI districts minus the 196 capitals (ubigeo ending in 01) that the provincial
    municipality governs."""
    district = Entity.objects.filter(entity_type=EntityType.MUNI_DISTRITAL)
    codes = list(district.values_list("code", flat=True))
    assert len(codes) == 1697
    assert all(re.fullmatch(r"md-\d{6}", code) for code in codes)
    assert not [code for code in codes if code.endswith("01")]
    provinces = set(
        Entity.objects.filter(entity_type=EntityType.MUNI_PROVINCIAL).values_list("code", flat=True)
    )
    assert {f"mp-{code[3:7]}" for code in codes} <= provinces
    cayma = Entity.objects.get(code="md-040103")
    assert cayma.name == "Municipalidad Distrital de Cayma"
    assert cayma.province == "Arequipa"
    assert cayma.department == "Arequipa"
    assert cayma.level == Level.LOCAL


def test_national_entities_include_powers_autonomous_bodies_and_every_ministry(
    loaded: str,
) -> None:
    national = Entity.objects.filter(level=Level.NACIONAL)
    assert national.count() >= 60
    codes = set(national.values_list("code", flat=True))
    assert codes >= REQUIRED_NATIONAL
    ministries = [fold(name) for name in national.filter(entity_type=EntityType.MINISTERIO)
                  .values_list("name", flat=True)]  # fmt: skip
    for words in MINISTRIES:
        matches = [name for name in ministries if words in name]
        assert len(matches) == 1, (words, matches)
    assert len(ministries) == len(MINISTRIES)
    assert all(name.startswith("ministerio") for name in ministries)
    assert Entity.objects.get(code="congreso").branch == Branch.LEGISLATIVO
    assert Entity.objects.get(code="pj").branch == Branch.JUDICIAL
    assert Entity.objects.get(code="jne").branch == Branch.AUTONOMO
    assert Entity.objects.get(code="pcm").entity_type == EntityType.PRESIDENCIA


def test_every_national_parent_code_resolves(loaded: str) -> None:
    with NATIONAL_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with_parent = [row for row in rows if row["parent_code"]]
    assert with_parent
    parents = dict(
        Entity.objects.filter(code__in=[row["code"] for row in with_parent]).values_list(
            "code", "parent__code"
        )
    )
    for row in with_parent:
        assert parents[row["code"]] == row["parent_code"], row["code"]
    sunat = Entity.objects.select_related("parent").get(code="sunat")
    assert sunat.parent is not None and sunat.parent.code == "mef"


def test_every_entity_has_name_branch_level_and_type(loaded: str) -> None:
    total = Entity.objects.count()
    assert total == 25 + 196 + 1697 + Entity.objects.filter(level=Level.NACIONAL).count()
    for field in ("name", "branch", "level", "entity_type", "search_text"):
        assert not Entity.objects.filter(**{field: ""}).exists(), field
    assert set(Entity.objects.values_list("branch", flat=True)) <= set(Branch.values)
    assert set(Entity.objects.values_list("level", flat=True)) == set(Level.values)
    assert set(Entity.objects.values_list("entity_type", flat=True)) <= set(EntityType.values)
    subnational = Entity.objects.exclude(level=Level.NACIONAL)
    assert not subnational.filter(ubigeo="").exists()
    assert not subnational.filter(department="").exists()


def test_loading_twice_creates_and_updates_nothing(loaded: str) -> None:
    total = Entity.objects.count()
    assert loaded.startswith(f"Entidades: {total} nuevas, 0 actualizadas")
    stamps = dict(Entity.objects.values_list("code", "updated_at"))
    again = _load().splitlines()
    assert again[0] == f"Entidades: 0 nuevas, 0 actualizadas, {total} sin cambios."
    # The participation and commitments data loaded with the entities change nothing either.
    assert all(" 0 nuevos, 0 actualizados, " in line for line in again[1:])
    assert len(again) == 3
    assert Entity.objects.count() == total
    assert dict(Entity.objects.values_list("code", "updated_at")) == stamps


def test_national_file_has_the_documented_header_and_unique_codes() -> None:
    raw = NATIONAL_FILE.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "UTF-8 without BOM"
    assert b"\r\n" not in raw, "LF line endings"
    with NATIONAL_FILE.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == NATIONAL_HEADER
        rows = list(reader)
    codes = [row["code"] for row in rows]
    assert len(rows) >= 70
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code) for code in codes)
    assert all(row["name"].strip() for row in rows)
    assert all(row["website"].startswith("https://") for row in rows)
    assert {row["branch"] for row in rows} <= {"ejecutivo", "legislativo", "judicial", "autonomo"}
    assert {row["entity_type"] for row in rows} <= set(EntityType.values)
    assert {row["parent_code"] for row in rows if row["parent_code"]} <= set(codes)
    for row in rows:
        functions = [f for f in row["functions"].split(" | ") if f.strip()]
        assert 2 <= len(functions) <= 4, row["code"]
