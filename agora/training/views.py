"""Pages of the training registry: the public page with coverage (/capacitacion/), its open
data, the materials' files, and the staff pages (/capacitacion/gestion/)."""

from __future__ import annotations

import csv
import io
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.files import file_response
from agora.core.models import User
from agora.training import permissions, selectors, services
from agora.training.forms import AttendanceForm, MaterialForm, SessionForm
from agora.training.models import TrainingSession


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


# --- public ----------------------------------------------------------------------------------


@require_GET
def public_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "training/public.html",
        {
            "sessions": list(selectors.sessions_public()),
            "coverage": selectors.coverage(),
            "demo": selectors.has_demo_data(),
        },
    )


CSV_HEADERS = [
    "codigo",
    "entidad",
    "siglas",
    "nivel_de_gobierno",
    "cuentas_verificadas",
    "cubierta",
    "primera_capacitacion",
    "ultima_capacitacion",
    "personas_capacitadas",
    "talleres",
]


@require_GET
def coverage_csv(request: HttpRequest) -> HttpResponse:
    """Open data: coverage by entity, counts only (no attendee's name)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADERS)
    writer.writerows(selectors.coverage_csv_rows())
    response = HttpResponse(
        ("\ufeff" + out.getvalue()).encode(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="capacitacion-cobertura.csv"'
    return response


@require_GET
def material_file(request: HttpRequest, pk: int) -> FileResponse:
    """A workshop's uploaded material: public, served through ``file_response``."""
    material = selectors.material_get_public(pk)
    name = material.file.name.rsplit("/", 1)[-1]
    return file_response(material.file, download_name=name)


# --- staff -----------------------------------------------------------------------------------


def _scoped(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error


@login_required
@require_GET
def staff_index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    sessions = list(_scoped(selectors.sessions_for_staff, user))
    return render(
        request,
        "training/staff_index.html",
        {"sessions": sessions, "is_rector": permissions.may_register_workshops(user)},
    )


def _session_values(form: SessionForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        key: data[key] for key in ("title", "date", "mode", "place", "topics", "trainer", "hours")
    }


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not permissions.may_register_workshops(user):
        raise PermissionDenied(_("Solo el personal del ente rector registra talleres."))
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(actor=user, **_session_values(form))
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Taller registrado. Ahora registre la asistencia."))
            return redirect("training:session", pk=session.pk)
    return render(
        request,
        "training/session_form.html",
        {"form": form, "session": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    session = _scoped(selectors.session_get_for_staff, user, pk)
    if not permissions.may_register_workshops(user):
        raise PermissionDenied(_("Solo el personal del ente rector edita talleres."))
    initial = {
        "title": session.title,
        "date": session.date,
        "mode": session.mode,
        "place": session.place,
        "topics": session.topics,
        "trainer": session.trainer,
        "hours": "" if session.hours is None else str(session.hours).replace(".", ","),
    }
    form = SessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(actor=user, session=session, **_session_values(form))
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Taller actualizado."))
            return redirect("training:session", pk=session.pk)
    return render(
        request,
        "training/session_form.html",
        {"form": form, "session": session},
        status=400 if request.method == "POST" else 200,
    )


def _detail(
    request: HttpRequest,
    session: TrainingSession,
    *,
    attendance_form: AttendanceForm | None = None,
    material_form: MaterialForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    entities = selectors.attendance_entities(user)
    return render(
        request,
        "training/session.html",
        {
            "session": session,
            "is_rector": permissions.may_register_workshops(user),
            "attendances": list(selectors.attendances_for_staff(user, session)),
            "materials": list(session.materials.all()),
            "entities": list(entities),
            "attendance_form": attendance_form or AttendanceForm(entities=entities),
            "material_form": material_form or MaterialForm(),
        },
        status=status,
    )


@login_required
@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _scoped(selectors.session_get_for_staff, _user(request), pk)
    return _detail(request, session)


@login_required
@require_POST
def attendance_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    session = _scoped(selectors.session_get_for_staff, user, pk)
    form = AttendanceForm(request.POST, entities=selectors.attendance_entities(user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.attendance_register(
                actor=user,
                session=session,
                entity=data["entity"],
                name=data["name"],
                role=data["role"],
                user=data["username"],
                completed=data["completed"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Asistencia de %(name)s registrada.") % {"name": data["name"]},
            )
            return redirect("training:session", pk=session.pk)
    return _detail(request, session, attendance_form=form, status=400)


@login_required
@require_POST
def attendance_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    attendance = _scoped(selectors.attendance_get_for_staff, user, pk)
    try:
        services.attendance_remove(actor=user, attendance=attendance)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error
    messages.success(request, _("Registro de asistencia retirado."))
    return redirect("training:session", pk=attendance.session_id)


@login_required
@require_POST
def material_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    session = _scoped(selectors.session_get_for_staff, user, pk)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.material_add(
                actor=user,
                session=session,
                title=data["title"],
                url=data["url"],
                file=data["file"],
            )
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Material agregado."))
            return redirect("training:session", pk=session.pk)
    return _detail(request, session, material_form=form, status=400)


@login_required
@require_POST
def material_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    material = _scoped(selectors.material_get_for_staff, user, pk)
    try:
        services.material_remove(actor=user, material=material)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error
    messages.success(request, _("Material retirado."))
    return redirect("training:session", pk=material.session_id)
