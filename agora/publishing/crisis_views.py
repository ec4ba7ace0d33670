"""Pages of the crisis manual and crisis mode (/publicaciones/crisis/): thin, the work is in
agora/publishing/crisis.py. The crisis page also lists the entity's scheduled and recently
published posts with their state on each network (publishing/_publishing_status.html)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.directory.models import Entity
from agora.publishing import crisis, permissions
from agora.publishing.crisis_forms import (
    ContactForm,
    CrisisCloseForm,
    CrisisOpenForm,
    ManualForm,
    StatementForm,
    StepDoneForm,
    StepForm,
)
from agora.publishing.models import CrisisStep, PlannedPost, PostStatus

RECENT_PUBLISHED = timedelta(days=14)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _entity(request: HttpRequest, code: str) -> Entity:
    try:
        return crisis.entity_for(_user(request), code)
    except PermissionDeniedError as exc:
        raise Http404 from exc


def _back(code: str, anchor: str = "") -> HttpResponse:
    return redirect(reverse("publishing_crisis:detail", args=[code]) + anchor)


def _done(request: HttpRequest, action: object, ok: str) -> bool:
    """Runs a service call (a lambda); a domain error is shown as it is, never a 500."""
    try:
        action()  # type: ignore[operator]
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.messages[0]) from exc
    except DomainError as exc:
        messages.error(request, exc.messages[0])
        return False
    messages.success(request, ok)
    return True


@login_required
@never_cache
@require_GET
def crisis_index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    entities = list(crisis.entities_for(user)[:200])
    if len(entities) == 1:
        return _back(entities[0].code)
    in_crisis = set(
        crisis.CrisisModel.objects.filter(
            closed_at__isnull=True, entity__in=[e.pk for e in entities]
        ).values_list("entity_id", flat=True)
    )
    rows = [(e, e.pk in in_crisis) for e in entities]
    return render(request, "publishing/crisis_index.html", {"rows": rows})


def _posts(entity: Entity) -> dict[str, list[PlannedPost]]:
    now = timezone.now()
    base = PlannedPost.objects.filter(entity=entity).prefetch_related("variants__account")
    return {
        "upcoming": list(
            base.filter(status__in=[PostStatus.APROBADO, PostStatus.PROGRAMADO]).order_by(
                "scheduled_at", "pk"
            )[:50]
        ),
        "published": list(
            base.filter(
                status=PostStatus.PUBLICADO, published_at__gte=now - RECENT_PUBLISHED
            ).order_by("-published_at", "-pk")[:20]
        ),
    }


@login_required
@never_cache
@require_GET
def crisis_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    entity = _entity(request, code)
    current = crisis.open_crisis(entity)
    manual = crisis.manual_for(entity)
    done = {}
    if current is not None:
        done = {d.step_id: d for d in current.steps_done.select_related("done_by")}
    steps = [(step, done.get(step.pk)) for step in (manual.steps.all() if manual else [])]
    return render(
        request,
        "publishing/crisis_detail.html",
        {
            "entity": entity,
            "crisis": current,
            "manual": manual,
            "steps": steps,
            "steps_done": len(done),
            "is_manager": permissions.may_manage(user, entity),
            "can_mark": permissions.may_mark_crisis_step(user, entity),
            "open_form": CrisisOpenForm(initial={"origen": request.GET.get("origen", "")}),
            "close_form": CrisisCloseForm(),
            "step_form": StepDoneForm(),
            "paused": list(crisis.paused_posts(entity)[:50]),
            **_posts(entity),
        },
    )


@login_required
@require_POST
def crisis_open(request: HttpRequest, code: str) -> HttpResponse:
    entity = _entity(request, code)
    form = CrisisOpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Revise los datos de la crisis."))
        return _back(code)
    trigger = form.cleaned_data["origen"] or "declarada"
    _done(
        request,
        lambda: crisis.crisis_open(
            entity=entity,
            actor=_user(request),
            summary=form.cleaned_data["resumen"],
            trigger=trigger,
        ),
        _("Crisis abierta: las publicaciones aprobadas y programadas quedaron en pausa."),
    )
    return _back(code)


@login_required
@require_POST
def crisis_close(request: HttpRequest, code: str) -> HttpResponse:
    entity = _entity(request, code)
    current = crisis.open_crisis(entity)
    if current is None:
        messages.error(request, _("No hay una crisis abierta."))
        return _back(code)
    form = CrisisCloseForm(request.POST)
    resume = form.is_valid() and form.cleaned_data["reanudar"]
    _done(
        request,
        lambda: crisis.crisis_close(crisis=current, actor=_user(request), resume=resume),
        _("Crisis cerrada: las publicaciones se reanudaron.")
        if resume
        else _("Crisis cerrada: las publicaciones siguen en pausa."),
    )
    return _back(code)


@login_required
@require_POST
def posts_resume(request: HttpRequest, code: str) -> HttpResponse:
    entity = _entity(request, code)
    _done(
        request,
        lambda: crisis.crisis_posts_resume(entity=entity, actor=_user(request)),
        _("Publicaciones reanudadas."),
    )
    return _back(code)


@login_required
@require_POST
def step_done(request: HttpRequest, code: str, step_pk: int) -> HttpResponse:
    entity = _entity(request, code)
    current = crisis.open_crisis(entity)
    step = CrisisStep.objects.filter(pk=step_pk, manual__entity=entity).first()
    if current is None or step is None:
        messages.error(request, _("No hay una crisis abierta o el paso no es de esta entidad."))
        return _back(code)
    form = StepDoneForm(request.POST)
    note = form.cleaned_data["nota"] if form.is_valid() else ""
    _done(
        request,
        lambda: crisis.crisis_step_mark(crisis=current, step=step, actor=_user(request), note=note),
        _("Paso marcado como hecho."),
    )
    return _back(code, f"#paso-{step.pk}")


def _manual_introduction(
    request: HttpRequest, entity: Entity, user: User, forms: dict[str, Any]
) -> bool:
    form = forms["manual"] = ManualForm(request.POST)
    return form.is_valid() and _done(
        request,
        lambda: crisis.crisis_manual_update(
            entity=entity, actor=user, introduction=form.cleaned_data["introduccion"]
        ),
        _("Manual guardado."),
    )


def _manual_step(request: HttpRequest, entity: Entity, user: User, forms: dict[str, Any]) -> bool:
    step_form = forms["step"] = StepForm(request.POST)
    return step_form.is_valid() and _done(
        request,
        lambda: crisis.crisis_step_add(
            entity=entity,
            actor=user,
            text=step_form.cleaned_data["texto"],
            responsible=step_form.cleaned_data["responsable"],
        ),
        _("Paso agregado."),
    )


def _manual_contact(
    request: HttpRequest, entity: Entity, user: User, forms: dict[str, Any]
) -> bool:
    contact_form = forms["contact"] = ContactForm(request.POST)
    if not contact_form.is_valid():
        return False
    data = contact_form.cleaned_data
    return _done(
        request,
        lambda: crisis.crisis_contact_add(
            entity=entity,
            actor=user,
            name=data["nombre"],
            role=data["cargo"],
            phone=data["telefono"],
            email=data["correo"],
        ),
        _("Contacto agregado."),
    )


def _manual_statement(
    request: HttpRequest, entity: Entity, user: User, forms: dict[str, Any]
) -> bool:
    statement_form = forms["statement"] = StatementForm(request.POST)
    return statement_form.is_valid() and _done(
        request,
        lambda: crisis.holding_statement_add(
            entity=entity,
            actor=user,
            title=statement_form.cleaned_data["situacion"],
            text=statement_form.cleaned_data["texto"],
        ),
        _("Declaración aprobada y agregada."),
    )


def _manual_step_move(
    request: HttpRequest, entity: Entity, user: User, forms: dict[str, Any]
) -> bool:
    raw = request.POST.get("pk", "")
    step = (
        CrisisStep.objects.filter(manual__entity=entity, pk=int(raw)).first()
        if raw.isdigit() and len(raw) < 12
        else None
    )
    if step is None:
        return False
    up = request.POST.get("accion") == "subir"
    return _done(
        request,
        lambda: crisis.crisis_step_move(entity=entity, actor=user, step=step, up=up),
        _("Orden guardado."),
    )


def _manual_item_remove(
    request: HttpRequest, entity: Entity, user: User, forms: dict[str, Any]
) -> bool:
    raw = request.POST.get("pk", "")
    return (
        raw.isdigit()
        and len(raw) < 12
        and _done(
            request,
            lambda: crisis.crisis_item_remove(
                entity=entity, actor=user, kind=request.POST.get("tipo", ""), pk=int(raw)
            ),
            _("Quitado del manual."),
        )
    )


# The forms of the manual's page, by the ``accion`` they post: each binds its form (shown
# again with its errors) and says whether the change was saved.
_MANUAL_ACTIONS: dict[str, Callable[[HttpRequest, Entity, User, dict[str, Any]], bool]] = {
    "introduccion": _manual_introduction,
    "paso": _manual_step,
    "contacto": _manual_contact,
    "declaracion": _manual_statement,
    "subir": _manual_step_move,
    "bajar": _manual_step_move,
    "quitar": _manual_item_remove,
}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def manual_edit(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    entity = _entity(request, code)
    if not permissions.may_manage(user, entity):
        raise PermissionDenied(_("Solo el responsable de comunicaciones edita el manual."))
    manual = crisis.manual_for(entity)
    forms: dict[str, Any] = {
        "manual": ManualForm(initial={"introduccion": manual.introduction if manual else ""}),
        "step": StepForm(),
        "contact": ContactForm(),
        "statement": StatementForm(),
    }
    status = 200
    if request.method == "POST":
        handler = _MANUAL_ACTIONS.get(request.POST.get("accion", ""))
        if handler is None:
            messages.error(request, _("Acción no válida."))
        elif handler(request, entity, user, forms):
            return redirect(reverse("publishing_crisis:manual", args=[code]))
        status = 400
    return render(
        request,
        "publishing/crisis_manual.html",
        {"entity": entity, "manual_obj": crisis.manual_for(entity), **forms},
        status=status,
    )
