"""The list a conversation was opened from, kept across pages: its address (remembered per
person in the session by the list, or carried as a ``volver`` parameter that must be an inbox
list address of this site: never a way to send people elsewhere), the previous and next
conversations of that list, and where "Responder y pasar a la siguiente" leads."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from agora.inbox import navigation, search
from agora.inbox.models import Conversation

SESSION_KEY = "inbox_lista"
PARAM = "volver"
MAX_LENGTH = 2000


def list_url_clean(value: str) -> str:
    """``value`` if it is the address of the inbox list on this site (any filters), rebuilt
    from its parts; "" for anything else (another site, another page, a scheme, a fragment
    trick, a value too long)."""
    if not value or len(value) > MAX_LENGTH or not value.startswith("/"):
        return ""
    if value.startswith("//") or "\\" in value or any(ord(ch) < 32 for ch in value):
        return ""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path != reverse("inbox:list"):
        return ""
    query = QueryDict(parts.query).urlencode()
    return parts.path + ("?" + query if query else "")


def list_remember(request: HttpRequest) -> None:
    """The list page keeps its address (filters, order, page) for this person's session."""
    url = list_url_clean(request.get_full_path())
    if url and request.session.get(SESSION_KEY) != url:
        request.session[SESSION_KEY] = url


def list_url(request: HttpRequest) -> str:
    """The list this conversation page belongs to: the ``volver`` parameter when valid, else
    the list this person last looked at, else the whole inbox."""
    for value in (request.POST.get(PARAM, ""), request.GET.get(PARAM, "")):
        url = list_url_clean(value)
        if url:
            return url
    return list_url_clean(str(request.session.get(SESSION_KEY, ""))) or reverse("inbox:list")


def detail_url(pk: int, back: str) -> str:
    """A conversation's address that carries the list it belongs to."""
    url = reverse("inbox:detail", args=[pk])
    if back and back != reverse("inbox:list"):
        url += "?" + urlencode({PARAM: back})
    return url


def _filters(request: HttpRequest, back: str) -> tuple[Any, list[int] | None]:
    """The valid filters of the list at ``back``, read as the list reads them (invalid ones
    are ignored, as the list ignores them)."""
    from agora.inbox.views import _filter_form  # the list's own parsing; views imports us

    form, entity_ids = _filter_form(request, QueryDict(urlsplit(back).query))
    if form.is_bound:
        form.is_valid()
    return form.filters(), entity_ids


def _found(request: HttpRequest, back: str, filters: Any) -> list[int] | None:
    """The conversations found, in order, when the list at ``back`` is a search (None when it
    is not, or when its words cannot be searched: then the list's filters alone apply)."""
    from agora.inbox.views import _user

    params = QueryDict(urlsplit(back).query)
    q = params.get("q", "").strip()
    if not q:
        return None
    try:
        return search.conversations_found_ids(
            user=_user(request),
            q=q,
            filters=filters,
            order=params.get("por", search.ORDER_RELEVANCE),
        )
    except search.SearchQueryError:
        return None


def nav_context(request: HttpRequest, conversation: Conversation) -> dict[str, Any]:
    """Links of the conversation page: back to its list, and its previous and next ones."""
    from agora.inbox.views import _user

    back = list_url(request)
    filters, entity_ids = _filters(request, back)
    found = _found(request, back, filters)
    if found is not None:
        around = navigation.neighbours_among(found, conversation.pk)
    else:
        around = navigation.conversation_neighbours(
            user=_user(request), conversation=conversation, filters=filters, entity_ids=entity_ids
        )
    return {
        "list_url": back,
        "previous_url": detail_url(around.previous, back) if around.previous else "",
        "next_url": detail_url(around.next, back) if around.next else "",
    }


def answer_and_next(request: HttpRequest, conversation: Conversation) -> HttpResponse:
    """After an answer: the next conversation of the same list still awaiting one, or the
    list itself when none is left (a full-page redirect, with or without htmx)."""
    from agora.inbox.views import _partial, _user

    back = list_url(request)
    filters, entity_ids = _filters(request, back)
    found = _found(request, back, filters)
    if found is not None:
        following = navigation.next_awaiting_among(found, conversation.pk)
    else:
        following = navigation.conversation_next_awaiting(
            user=_user(request), conversation=conversation, filters=filters, entity_ids=entity_ids
        )
    if following is None:
        messages.success(
            request, _("Respuesta enviada. No quedan conversaciones pendientes en esta vista.")
        )
        target = back
    else:
        messages.success(request, _("Respuesta enviada. Siguiente conversación."))
        target = detail_url(following, back)
    if _partial(request):
        response = HttpResponse()
        response["HX-Redirect"] = target
        return response
    return redirect(target)
