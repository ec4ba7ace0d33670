"""Readers of the source documents copied into ``data/seeds/``.

They turn the OGP commitment listing (seed 000), Peru's 2015–2016 action plan (seed 001) and
the OGP pages of PE0055, PE0065 and PE0066 (seeds 002, 000, 004) into plain dictionaries. The
reviewed data file ``data/compromisos.json`` was derived with them and the test suite checks
it against them, so that a hand edit of the data file cannot drift from the documents.

    .venv/bin/python -m agora.commitments.seeds     # prints what the seeds say, as JSON
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

SEEDS_DIR = Path(__file__).resolve().parent / "data" / "seeds"
LISTING_SEED = "000_ca7d31ff7292f999.txt"
PLAN_2015_SEED = "001_1f496155789a331e.txt"
REVIEW_SEEDS = {
    "PE0055": "002_630a40460a671c67.txt",
    "PE0065": "000_ca7d31ff7292f999.txt",
    "PE0066": "004_85b27811beef6aef.txt",
}
# Seed 001 lists its 17 commitments in the order OGP numbered them PE0049–PE0065.
PLAN_2015_FIRST_CODE = 49

MONTHS = {
    "ene": 1,
    "feb": 2,
    "mar": 3,
    "abr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "ago": 8,
    "set": 9,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dic": 12,
}
_MONTH_ABBR = re.compile(r"\b(Ene|Feb|Mar|Abr|May|Jun|Jul|Ago|Set|Sep|Oct|Nov|Dic)\.?\s*(\d{4})")
_MONTH_FULL = re.compile(
    r"\b(enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|"
    r"noviembre|diciembre)\s+(?:de\s+)?(\d{4})",
    re.IGNORECASE,
)
_FULL_TO_NUMBER = {
    "enero": 1,
    "febrero": 2,
    "marzo": 3,
    "abril": 4,
    "mayo": 5,
    "junio": 6,
    "julio": 7,
    "agosto": 8,
    "septiembre": 9,
    "setiembre": 9,
    "octubre": 10,
    "noviembre": 11,
    "diciembre": 12,
}


def read_seed(name: str) -> str:
    return (SEEDS_DIR / name).read_text(encoding="utf-8")


def squash(text: str) -> str:
    """Whitespace folded to single spaces, trimmed."""
    return re.sub(r"\s+", " ", text).strip()


def month_abbr(text: str) -> str | None:
    """``"Ago. 2015"`` → ``"2015-08"``."""
    match = _MONTH_ABBR.search(text)
    if match is None:
        return None
    return f"{int(match.group(2)):04d}-{MONTHS[match.group(1).lower()]:02d}"


def month_full(text: str) -> str | None:
    """``"julio de 2016"`` → ``"2016-07"``."""
    match = _MONTH_FULL.search(text)
    if match is None:
        return None
    return f"{int(match.group(2)):04d}-{_FULL_TO_NUMBER[match.group(1).lower()]:02d}"


# --- seed 000: every Peruvian OGP commitment ------------------------------------------------

_LISTING_TITLE = re.compile(r"^\s+\d+\.\s+(.+?)\s*$")
_LISTING_CODE = re.compile(r"^\s+(PE\d{4}),\s*(\d{4}),\s*(.*?)\s*$")
STARRED_PREFIX = "Starred commitment "


def ogp_listing() -> list[dict[str, Any]]:
    """PE0001–PE0104 as OGP lists them: title, cycle, policy area, starred mark."""
    lines = read_seed(LISTING_SEED).splitlines()
    start = lines.index("Commitments")
    rows: list[dict[str, Any]] = []
    title: str | None = None
    for line in lines[start + 1 :]:
        if (code := _LISTING_CODE.match(line)) and title is not None:
            starred = title.startswith(STARRED_PREFIX)
            rows.append(
                {
                    "code": code.group(1),
                    "ogp_title": title.removeprefix(STARRED_PREFIX) if starred else title,
                    "cycle": int(code.group(2)),
                    "policy_area": code.group(3),
                    "ogp_starred": starred,
                }
            )
            title = None
        elif match := _LISTING_TITLE.match(line):
            title = match.group(1)
    return sorted(rows, key=lambda row: row["code"])


# --- seed 001: the 2015–2016 action plan ----------------------------------------------------

_SECTION = re.compile(r"^([A-D])\)\s+(.+?)\s*$")
_COMMITMENT = re.compile(r"^(\d+)\.\s+(.+?)\s*$")
_FIELD = re.compile(r"^·\s*([^:]{3,60}):\s*(.*)$")
_ROW_NUMBER = re.compile(r"^(?:\[bookmark[^\]]*\])?\s*\d+\s*\.?\s*-?\s*")
FIELD_NAMES = {
    "problema público identificado": "problem",
    "objetivo": "objective",
    "entidad responsable": "lead_institution",
    "organización corresponsable": "supporting_organisations",
    "entidades públicas y órganos corresponsables": "supporting_institutions",
    "entidades y órganos corresponsables": "supporting_institutions",
    "entidades corresponsables": "supporting_institutions",
    "acciones": "actions",
    "fecha de cumplimiento": "schedule",
    "fechas de cumplimiento": "schedule",
}
SECTION_TITLES = {
    "A": "Transparencia y acceso a la información pública",
    "B": "Participación ciudadana",
    "C": "Rendición de cuentas",
    "D": "Mejora de servicios públicos",
}


def _milestones(table_lines: list[str]) -> list[dict[str, Any]]:
    """Rows of a schedule table: a numbered activity followed by its start and end months."""
    rows: list[dict[str, Any]] = []
    for raw in table_lines:
        text = raw.strip()
        if not text or text in {"Actividad", "Actividades", "Inicio", "Fin"}:
            continue
        month = month_abbr(text)
        rest = _MONTH_ABBR.sub("", _ROW_NUMBER.sub("", text)).strip(" .")
        if month is not None and not rest and rows:
            rows[-1]["months"].append(month)
        elif raw.startswith("\t") and _ROW_NUMBER.match(text):
            rows.append({"activity": _ROW_NUMBER.sub("", text), "months": []})
        elif rows and not rows[-1]["months"]:
            rows[-1]["activity"] += "\n" + text  # a cell that runs over several lines
    milestones = []
    for row in rows:
        months = row["months"]
        milestones.append(
            {
                "activity": squash(row["activity"].replace("\n", " ")),
                "start": months[0],
                "end": months[1] if len(months) > 1 else months[0],
            }
        )
    return milestones


def _field_text(lines: list[str]) -> str:
    """Paragraphs and bullets of one field, one per line, without the bullet marks."""
    out = []
    for line in lines:
        text = squash(line.lstrip("·").strip())
        if text:
            out.append(text)
    return "\n".join(out)


def plan_2015_commitments() -> list[dict[str, Any]]:
    """The 17 commitments of seed 001, in order, with code PE0049–PE0065."""
    text = read_seed(PLAN_2015_SEED)
    body = text[text.index("III.- COMPROMISOS") :].splitlines()
    commitments: list[dict[str, Any]] = []
    section = ""
    current: dict[str, Any] | None = None
    field = ""
    buffers: dict[str, list[str]] = {}

    def close() -> None:
        if current is None:
            return
        schedule = buffers.pop("schedule", [])
        current["milestones"] = _milestones(schedule[1:])
        first = schedule[0] if schedule else ""
        current["deadline"] = month_full(first) if not current["milestones"] else None
        for name, lines in buffers.items():
            current[name] = _field_text(lines)
        commitments.append(current)

    for line in body[1:]:
        if match := _SECTION.match(line):
            close()
            current, buffers, field = None, {}, ""
            section = match.group(1)
            continue
        if (match := _COMMITMENT.match(line)) and not line.startswith("\t"):
            close()
            current = {
                "code": f"PE{PLAN_2015_FIRST_CODE + len(commitments):04d}",
                "section": SECTION_TITLES[section],
                "number": f"{section}{match.group(1)}",
                "title": squash(match.group(2)),
            }
            buffers, field = {}, ""
            continue
        if current is None:
            continue
        stripped = line.strip()
        if (match := _FIELD.match(stripped)) and match.group(1).strip().lower() in FIELD_NAMES:
            field = FIELD_NAMES[match.group(1).strip().lower()]
            buffers.setdefault(field, []).append(match.group(2))
        elif field:
            buffers[field].append(line if field == "schedule" else stripped)
    close()
    for item in commitments:
        # "Se han previsto las siguientes acciones:" introduces the list; it is not an action.
        actions = [a for a in item.get("actions", "").splitlines() if not a.rstrip().endswith(":")]
        item["actions"] = "\n".join(actions)
        for name in ("supporting_organisations", "supporting_institutions"):
            item[name] = [
                squash(part) for part in item.get(name, "").rstrip(". ").split(",") if part.strip()
            ]
        item["lead_institution"] = squash(item["lead_institution"]).rstrip(" .")
    return commitments


def workshops_2015() -> dict[str, Any]:
    """Seed 001's tables 1 and 2: the five workshops with the organisations taking part per
    type, the people per city (Lima's two workshops are counted together) and the total."""
    text = read_seed(PLAN_2015_SEED)
    table1 = text[text.index("Cuadro Nº 1") : text.index("Cuadro Nº 2")]
    table2 = text[text.index("Cuadro Nº 2") : text.index("b) Propuestas")]
    people = {
        m.group(1): {"date_text": m.group(2).strip(), "people": int(m.group(3))}
        for m in re.finditer(
            r"\t(Ayacucho|Piura|Tarapoto|Lima)\n\t([^\n]+)\n\t(\d+) personas", table1
        )
    }
    total = re.search(r"(\d+) personas\s*$", table1.strip())
    tokens = [t.strip() for t in table2.splitlines() if t.strip()]
    index = tokens.index("AYACUCHO")
    workshops = []
    while index + 5 < len(tokens):
        label = tokens[index]
        numbers = [int(n) for n in tokens[index + 1 : index + 6]]
        workshops.append(
            {"label": label, "organisations": dict(zip(ORGANISATION_KINDS, numbers, strict=True))}
        )
        index += 6
    return {
        "workshops": workshops,
        "people_by_city": people,
        "total_people": int(total.group(1)) if total else None,
    }


ORGANISATION_KINDS = [
    "entidad_publica",
    "sociedad_civil",
    "gremio_empresarial",
    "universidad",
    "colegio_profesional",
]


# --- seeds 000, 002, 004: OGP pages with the IRM review -------------------------------------


def ogp_page(code: str) -> dict[str, str]:
    """The "At-a-Glance" fields of an OGP commitment page, as ``{label: value}``."""
    lines = [line.strip() for line in read_seed(REVIEW_SEEDS[code]).splitlines()]
    lines = [line for line in lines if line]
    fields: dict[str, str] = {}
    for line in lines[: lines.index("Description")]:
        label, sep, value = line.partition(":")
        if sep:
            fields[label.strip()] = value.strip()
    fields["Policy Areas"] = lines[lines.index("Policy Areas") + 1]
    return fields


def plan_2017_milestones(code: str = "PE0066") -> list[dict[str, Any]]:
    """The activity table of an OGP page of the 2017–2019 plan (seed 004)."""
    text = read_seed(REVIEW_SEEDS[code])
    table = text[
        text.index("Actividad y producto entregable") : text.index("Información de Contacto")
    ]
    rows = []
    for match in re.finditer(
        r"^\d+\.\s+(.+?)\s+(SGP)\s+(\w+ \d{4})\s+(\w+ \d{4})\s*$", table, re.M
    ):
        rows.append(
            {
                "activity": squash(match.group(1)),
                "responsible": match.group(2),
                "start": month_full(match.group(3)),
                "end": month_full(match.group(4)),
            }
        )
    return rows


def main() -> int:
    json.dump(
        {
            "listing": ogp_listing(),
            "plan_2015": plan_2015_commitments(),
            "workshops": workshops_2015(),
            "pages": {code: ogp_page(code) for code in REVIEW_SEEDS},
            "pe0066_milestones": plan_2017_milestones(),
        },
        sys.stdout,
        ensure_ascii=False,
        indent=1,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
