"""The rector's dashboard a page at a time (issue #17, point 7: it was 12,800 px long): each
table shows ``PAGE_SIZE`` rows with its own «Anterior / Siguiente», the other tables keeping
their page; the exports still carry every row."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import QueryDict
from django.utils.http import urlencode

PAGE_SIZE = 10


def _param(key: str) -> str:
    return f"{key}_pagina"


def paged_tables(tables: list[dict[str, Any]], query: QueryDict) -> list[dict[str, Any]]:
    """``tables`` (as ``DashboardData.tables`` gives them) with only their current page of
    rows, the total, and the links to the previous and next pages of each."""
    current: dict[str, str] = {
        k: str(v) for k, v in query.items() if k.endswith("_pagina") and isinstance(v, str) and v
    }
    paged = []
    for table in tables:
        page = Paginator(table["rows"], PAGE_SIZE).get_page(current.get(_param(table["key"])))
        links: dict[str, str] = {}
        for name, number in (
            ("previous", page.previous_page_number() if page.has_previous() else None),
            ("next", page.next_page_number() if page.has_next() else None),
        ):
            if number is not None:
                params = {**current, _param(table["key"]): str(number)}
                links[name] = "?" + urlencode(sorted(params.items())) + f"#{table['key']}-h"
        paged.append(
            {**table, "rows": list(page.object_list), "total": len(table["rows"]), "page": page}
            | {"links": links}
        )
    return paged
