"""The inbox list's bulk action bar: one POST form (works without JavaScript) that calls a
service of ``agora.inbox.bulk`` and returns to the same list, filters kept, with a message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.inbox import bulk
from agora.inbox.views import _user

ACTIONS = ("asignar", "cerrar", "etiquetar", "ocultar")
RETURN_MAX = 2000


def _return_url(request: HttpRequest) -> str:
    """The list with the filters it was showing (a query string only: never another site)."""
    raw = str(request.POST.get("volver", ""))[:RETURN_MAX].lstrip("?")
    query = QueryDict(raw).urlencode()
    return reverse("inbox:list") + ("?" + query if query else "")


def _assignee(request: HttpRequest, actor: User) -> User | None:
    value = str(request.POST.get("asignar_a", "")).strip()
    if value == "yo":
        return actor
    if value == "nadie":
        return None
    if not value.isdigit():
        raise DomainError(_("Elija a quién asignar las conversaciones."))
    person = User.objects.filter(pk=int(value), is_active=True).first()
    if person is None:
        raise DomainError(_("La persona elegida no existe o ya no está activa."))
    return person


def _apply(request: HttpRequest, actor: User, action: str, ids: list[str]) -> str:
    """Runs the action; returns the message that says what changed."""
    if action == "asignar":
        assignee = _assignee(request, actor)
        done = bulk.conversations_bulk_assign(actor=actor, ids=ids, assignee=assignee)
        if assignee is None:
            return ngettext(
                "Se quitó la asignación de %(n)s conversación.",
                "Se quitó la asignación de %(n)s conversaciones.",
                len(done),
            ) % {"n": len(done)}
        return ngettext(
            "Se asignó %(n)s conversación a %(name)s.",
            "Se asignaron %(n)s conversaciones a %(name)s.",
            len(done),
        ) % {"n": len(done), "name": assignee.get_full_name() or assignee.get_username()}
    if action == "cerrar":
        closed = bulk.conversations_bulk_close(actor=actor, ids=ids)
        return ngettext(
            "Se cerró %(n)s conversación.", "Se cerraron %(n)s conversaciones.", len(closed)
        ) % {"n": len(closed)}
    if action == "etiquetar":
        name = str(request.POST.get("etiqueta", ""))
        added = bulk.conversations_bulk_tag(actor=actor, ids=ids, name=name)
        return ngettext(
            "Se agregó la etiqueta «%(label)s» a %(n)s conversación.",
            "Se agregó la etiqueta «%(label)s» a %(n)s conversaciones.",
            added,
        ) % {"label": " ".join(name.split()), "n": added}
    hidden, kept = bulk.conversations_bulk_hide(
        actor=actor, ids=ids, reason=str(request.POST.get("motivo", ""))
    )
    text = ngettext(
        "Se ocultó %(n)s mensaje de la ciudadanía (no se borra nada).",
        "Se ocultaron %(n)s mensajes de la ciudadanía (no se borra nada).",
        hidden,
    ) % {"n": hidden}
    if kept:
        text += " " + ngettext(
            "%(n)s amenaza se conserva a la vista como evidencia.",
            "%(n)s amenazas se conservan a la vista como evidencia.",
            kept,
        ) % {"n": kept}
    return text


@login_required
@require_POST
def conversations_bulk(request: HttpRequest) -> HttpResponse:
    """Applies one action to the chosen conversations (or to every visible one when «todas
    las visibles» is checked). Refused as a whole, with a Spanish 4xx page, or done."""
    actor = _user(request)
    back = _return_url(request)
    action = str(request.POST.get("accion", ""))
    if request.POST.get("todas"):
        ids = request.POST.getlist("visibles")
    else:
        ids = request.POST.getlist("conversaciones")
    try:
        if action not in ACTIONS:
            raise DomainError(_("Elija una acción: asignar, cerrar, etiquetar u ocultar."))
        done = _apply(request, actor, action, ids)
    except DomainError as exc:
        status = 403 if isinstance(exc, PermissionDeniedError) else 400
        return render(
            request,
            "inbox/bulk_error.html",
            {"errors": exc.messages, "back": back},
            status=status,
        )
    messages.success(request, done)
    return redirect(back)
