"""Endpoints that agora/static/agora/inbox-live.js polls (every few seconds, only while the
tab is visible): has the list changed, and what is new in the open conversation and who else
is answering it. Staff only; scoped like the pages they update."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from agora.inbox import live, selectors
from agora.inbox.selectors import EPOCH, CursorError
from agora.inbox.views import _conversation_context, _filter_form, _user

MAX_AGE = timedelta(days=1)


def _since(raw: str, now: datetime) -> datetime:
    """The moment the page was last brought up to date (microseconds since 1970), never
    older than a day nor in the future; ``now`` when missing or unreadable."""
    try:
        moment = EPOCH + timedelta(microseconds=int(raw))
    except (ValueError, OverflowError):
        return now
    return min(max(moment, now - MAX_AGE), now)


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


@login_required
@never_cache
@require_GET
def list_changes(request: HttpRequest) -> HttpResponse:
    """204 while the list page with these filters (and ``huella``, its fingerprint) is
    unchanged; else its new fingerprint and a sentence for the live region (how many citizen
    messages arrived since ``visto``). Then the page fetches its rows as when filtering."""
    user = _user(request)
    form, entity_ids = _filter_form(request)
    if entity_ids is not None and not entity_ids:
        raise PermissionDenied(_("Solo el personal de una entidad ve su bandeja."))
    if form.is_bound and not form.is_valid():
        return JsonResponse({"error": _("Los filtros no son válidos.")}, status=400)
    filters = form.filters()
    try:
        page, _cursor, counts = selectors.conversations_for_staff(
            user=user, filters=filters, entity_ids=entity_ids
        )
    except CursorError:
        return JsonResponse({"error": _("El enlace de la página no es válido.")}, status=400)
    fingerprint = live.list_fingerprint(page, counts)
    now = timezone.now()
    if fingerprint == request.GET.get("huella", ""):
        return HttpResponse(status=204)
    since = _since(request.GET.get("visto", ""), now)
    qs = selectors.conversations_filtered(user=user, filters=filters, entity_ids=entity_ids)
    if filters.status:
        qs = qs.filter(status=filters.status)
    new = live.new_inbound_count(conversations=live.recent_conversation_ids(qs, since), since=since)
    if new:
        notice = ngettext("%(n)s mensaje nuevo.", "%(n)s mensajes nuevos.", new) % {"n": new}
    else:
        notice = _("La lista de conversaciones se actualizó.")
    return JsonResponse({"huella": fingerprint, "aviso": notice, "visto": _micros(now)})


@login_required
@never_cache
@require_POST
def conversation_changes(request: HttpRequest, pk: int) -> HttpResponse:
    """Records whether the person is writing an answer (``escribiendo``) and returns who else
    is writing or answered a moment ago; with the conversation fragment when it changed since
    ``huella`` (the page adds the new messages and keeps what is being typed)."""
    user = _user(request)
    if not live.user_is_inbox_staff(user):
        raise PermissionDenied(_("Solo el personal de una entidad ve su bandeja."))
    fingerprint = live.conversation_fingerprint(user=user, pk=pk)
    if fingerprint is None:
        raise Http404
    now = timezone.now()
    presence = live.presence_update(
        user=user, conversation_id=pk, typing=request.POST.get("escribiendo") == "1", now=now
    )
    data: dict[str, object] = {"huella": fingerprint, "presencia": presence.text()}
    if fingerprint != request.POST.get("huella", ""):
        conversation = selectors.conversation_get_for_staff(user=user, pk=pk)
        context = _conversation_context(request, conversation)
        context["partial"] = False
        data["html"] = render_to_string("inbox/_conversation.html", context, request=request)
    return JsonResponse(data)
