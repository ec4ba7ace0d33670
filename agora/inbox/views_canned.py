"""The approved answers library under /bandeja/respuestas/: everyone who works an inbox reads
it; an entity's communications manager (and the rector office, for every entity) creates,
edits, archives and restores. Thin: agora/inbox/canned.py checks and records."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agora.core.errors import DomainError, PermissionDeniedError
from agora.directory import roles
from agora.inbox import canned, permissions
from agora.inbox.canned_forms import CannedAnswerForm
from agora.inbox.models import CannedAnswer
from agora.inbox.views import _user

ACTIVE, ARCHIVED = "activas", "archivadas"


def _require_reader(request: HttpRequest) -> None:
    if not permissions.may_read_canned(_user(request)):
        raise PermissionDenied(
            _("Las respuestas aprobadas son para el personal de las entidades y del ente rector.")
        )


def _placeholders() -> list[tuple[str, Any]]:
    return [("{" + name + "}", text) for name, text in canned.PLACEHOLDERS.items()]


@login_required
@never_cache
@require_GET
def canned_list(request: HttpRequest) -> HttpResponse:
    """The libraries the person may see, active or archived, with their use."""
    _require_reader(request)
    user = _user(request)
    state = ARCHIVED if request.GET.get("estado") == ARCHIVED else ACTIVE
    query = request.GET.get("q", "")[:100]
    answers = list(
        canned.canned_answers_for_staff(user=user, archived=state == ARCHIVED, query=query)[
            : canned.LIST_LIMIT
        ]
    )
    rector = permissions.may_manage_canned(user, None)  # every library, the general one too
    managed = set(canned.canned_managed_entities(user).values_list("pk", flat=True))
    for answer in answers:
        answer.can_manage = rector or answer.entity_id in managed  # type: ignore[attr-defined]
    context = {
        "answers": answers,
        "state": state,
        "query": query,
        "can_create": rector or bool(managed),
        "show_entity": rector or len({a.entity_id for a in answers}) > 1,
        "tabs": [
            (ACTIVE, _("Activas"), urlencode({"q": query}) if query else ""),
            (ARCHIVED, _("Archivadas"), urlencode({"estado": ARCHIVED, "q": query})),
        ],
        "limit": canned.LIST_LIMIT,
        "placeholders": _placeholders(),
    }
    return render(request, "inbox/canned_list.html", context)


def _form_page(
    request: HttpRequest,
    form: CannedAnswerForm,
    *,
    answer: CannedAnswer | None,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "answer": answer, "placeholders": _placeholders()}
    return render(request, "inbox/canned_form.html", context, status=status)


def _save(form: CannedAnswerForm, apply: Any) -> CannedAnswer | None:
    """Runs the service; its refusal goes on the form (placeholders on the text field)."""
    try:
        result: CannedAnswer = apply()
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except canned.PlaceholderError as exc:
        form.add_error("texto", exc)
    except DomainError as exc:
        form.add_error(None, exc)
    else:
        return result
    return None


def _fields(form: CannedAnswerForm) -> dict[str, str]:
    data = form.cleaned_data
    return {
        "title": data["titulo"],
        "body": data["texto"],
        "category": data.get("categoria") or "",
        "shortcut": data.get("atajo") or "",
    }


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def canned_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rector = permissions.may_manage_canned(user, None)  # every library, the general one too
    entities = None if rector else list(canned.canned_managed_entities(user))
    if not rector and not entities:
        raise PermissionDenied(
            _(
                "Solo los responsables de comunicaciones y el ente rector crean respuestas "
                "aprobadas."
            )
        )
    if request.method == "GET":
        initial = {"entidad": request.GET.get("entidad", "")} if rector else {}
        form = CannedAnswerForm(entities=entities, creating=True, initial=initial)
        return _form_page(request, form, answer=None)
    form = CannedAnswerForm(request.POST, entities=entities, creating=True)
    if form.is_valid():
        code = form.cleaned_data["entidad"]
        entity = roles.entity_by_code(code)
        created = _save(
            form,
            lambda: canned.canned_answer_create(actor=user, entity=entity, **_fields(form)),
        )
        if created is not None:
            messages.success(
                request, _("Respuesta aprobada «%(title)s» creada.") % {"title": created.title}
            )
            return redirect("inbox:canned_list")
    return _form_page(request, form, answer=None, status=400)


def _managed_answer(request: HttpRequest, pk: int) -> CannedAnswer:
    """One answer the person sees (else 404) and manages (else 403)."""
    answer = canned.canned_answer_get_for_staff(user=_user(request), pk=pk)
    if not permissions.may_manage_canned(_user(request), answer.entity_id):
        raise PermissionDenied(
            _("Solo el responsable de comunicaciones de la entidad y el ente rector la cambian.")
        )
    return answer


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def canned_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    answer = _managed_answer(request, pk)
    if request.method == "GET":
        form = CannedAnswerForm(
            initial={
                "titulo": answer.title,
                "texto": answer.body,
                "categoria": answer.category,
                "atajo": answer.shortcut,
            }
        )
        return _form_page(request, form, answer=answer)
    form = CannedAnswerForm(request.POST)
    if form.is_valid():
        saved = _save(
            form, lambda: canned.canned_answer_update(actor=user, canned=answer, **_fields(form))
        )
        if saved is not None:
            messages.success(
                request,
                _("Respuesta aprobada «%(title)s» guardada y aprobada de nuevo.")
                % {"title": saved.title},
            )
            return redirect("inbox:canned_list")
    return _form_page(request, form, answer=answer, status=400)


def _toggle(request: HttpRequest, pk: int, *, archive: bool) -> HttpResponse:
    user = _user(request)
    answer = _managed_answer(request, pk)
    try:
        if archive:
            canned.canned_answer_archive(actor=user, canned=answer)
        else:
            canned.canned_answer_restore(actor=user, canned=answer)
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        done = (
            _("Respuesta aprobada «%(title)s» archivada: ya no se ofrece al responder.")
            if archive
            else _("Respuesta aprobada «%(title)s» restaurada.")
        )
        messages.success(request, done % {"title": answer.title})
    # Back to the tab the button was on.
    url = reverse("inbox:canned_list")
    return redirect(url if archive else url + "?" + urlencode({"estado": ARCHIVED}))


@login_required
@require_POST
def canned_archive(request: HttpRequest, pk: int) -> HttpResponse:
    return _toggle(request, pk, archive=True)


@login_required
@require_POST
def canned_restore(request: HttpRequest, pk: int) -> HttpResponse:
    return _toggle(request, pk, archive=False)
