"""The inbox list when ``q=`` holds words to search (agora/inbox/search.py): the same page,
filters, status tabs and fragments as the list (agora/inbox/views.py), with the rows found,
each with a snippet of its matching message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from agora.inbox import search
from agora.inbox.forms import InboxFilterForm
from agora.inbox.models import Direction, Status
from agora.inbox.rendering import conversation_rows
from agora.inbox.selectors import PAGE_SIZE, InboxFilters
from agora.inbox.views import _partial, _query, _user, _vary


def search_rows(
    hits: Sequence[search.SearchHit], *, now: datetime, show_entity: bool
) -> SafeString:
    """The list's own rows (agora/inbox/rendering.py), each followed by its snippet."""
    found_in: dict[str, str] = {
        Direction.ENTRANTE: escape(_("Mensaje del ciudadano")),
        Direction.SALIENTE: escape(_("Respuesta de la entidad")),
        Direction.NOTA: escape(_("Nota interna")),
    }
    hidden = '<span class="badge badge-flag">{}</span> '.format(escape(_("Oculto por moderación")))
    snippets = [
        '<p class="search-snippet">'
        f'<span class="search-where">{found_in.get(hit.direction, "")}:</span> '
        f"{hidden if hit.hidden else ''}{hit.snippet}</p>"
        for hit in hits
    ]
    # One call for the page: the row's labels are translated once, not once per row.
    return conversation_rows(
        [hit.conversation for hit in hits], now=now, show_entity=show_entity, extra=snippets
    )


def _page(raw: str) -> int:
    try:
        number = int(raw)
    except ValueError:
        return 1
    return min(max(number, 1), search.MAX_MATCHES // PAGE_SIZE + 1)


def inbox_search(
    request: HttpRequest,
    *,
    form: InboxFilterForm,
    filters: InboxFilters,
    entity_ids: list[int] | None,
    unread: int,
    valid: bool,
) -> HttpResponse:
    """The list page (or its htmx fragment) with the conversations found. Words that cannot
    be searched get a Spanish message (400 for a whole page, 200 for a fragment, which htmx
    swaps only when successful); never a server error."""
    raw = request.GET.get("q", "")
    order = request.GET.get("por", search.ORDER_RELEVANCE)
    page = _page(request.GET.get("pagina", "1"))
    error = ""
    results: search.SearchResults | None = None
    try:
        results = search.conversations_search(
            user=_user(request), q=raw, filters=filters, order=order, page=page
        )
    except search.SearchQueryError as exc:
        error = " ".join(exc.messages)
    counts = results.counts if results else dict.fromkeys([*Status.values, "todas"], 0)
    status_tabs = [
        {
            "value": "",
            "label": _("Todas"),
            "count": counts["todas"],
            "query": _query(request, estado="", desde="", pagina=""),
            "current": not filters.status,
        }
    ] + [
        {
            "value": value,
            "label": label,
            "count": counts[value],
            "query": _query(request, estado=value, desde="", pagina=""),
            "current": filters.status == value,
        }
        for value, label in Status.choices
    ]
    now = timezone.now()
    show_entity = entity_ids is None or len(entity_ids) > 1
    hits = results.hits if results else []
    context: dict[str, Any] = {
        "form": form,
        "page": [hit.conversation for hit in hits],
        "next_query": _query(request, pagina=str(page + 1), desde="")
        if results and results.has_next
        else "",
        "later_page": page > 1,
        "first_query": _query(request, pagina="", desde=""),
        # The CSV holds the filtered list, not the search.
        "export_query": _query(request, desde="", pagina="", q="", por=""),
        "status_tabs": status_tabs,
        "filtered": True,
        "now": now,
        "show_entity": show_entity,
        "unread": unread,
        "partial": _partial(request),
        "search": {
            "q": raw,
            "error": error,
            "rows": search_rows(hits, now=now, show_entity=show_entity),
            "capped": results.capped if results else False,
            "max_matches": search.MAX_MATCHES,
            "order": results.order if results else order,
        },
    }
    if _partial(request):
        return _vary(render(request, "inbox/_results.html", context))
    status = 200 if valid and not error else 400
    return _vary(render(request, "inbox/list.html", context, status=status))
