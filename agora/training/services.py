"""Every write of the training registry: workshops, their materials and attendance. Rector
staff (the secretariat) register workshops and materials and any attendance; an entity's
communications manager registers the attendance of their own entity's people. Each function
checks who asks, validates, writes atomically and audits (``capacitacion.*``); on bad input
it raises ``DomainError`` with a Spanish message and writes nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from agora.commitments.services import evidence_check
from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.directory.models import Entity, Membership
from agora.training import permissions
from agora.training.models import (
    Attendance,
    AttendeeRole,
    Mode,
    TrainingMaterial,
    TrainingSession,
)

SESSION_FIELDS = ["title", "date", "mode", "place", "topics", "trainer", "hours"]
MAX_HOURS = Decimal("99.9")


# --- permissions -----------------------------------------------------------------------------


def _require_rector(actor: User | None) -> None:
    if not permissions.may_register_workshops(actor):
        raise PermissionDeniedError(
            _("Solo el personal del ente rector registra talleres y materiales de capacitación.")
        )


# Kept importable from here (agora/training/permissions.py owns them).
entities_managed_by = permissions.entities_managed_by
attendance_allowed = permissions.may_register_attendance


def _require_attendance(actor: User | None, entity: Entity) -> None:
    if not permissions.may_register_attendance(actor, entity):
        raise PermissionDeniedError(
            _(
                "Solo el personal del ente rector o el responsable de comunicaciones de "
                "«%(entity)s» registra la asistencia de su personal."
            )
            % {"entity": entity.name}
        )


# --- workshops -------------------------------------------------------------------------------


def _session_values(
    *,
    title: str,
    date: datetime.date | None,
    mode: str,
    place: str,
    topics: str,
    trainer: str,
    hours: Decimal | float | str | None,
) -> dict[str, Any]:
    """The workshop's fields, cleaned, or a ``DomainError`` naming what is wrong."""
    title = " ".join((title or "").split())
    trainer = " ".join((trainer or "").split())
    place = (place or "").strip()
    topic_lines = [" ".join(line.split()) for line in (topics or "").splitlines()]
    topic_lines = [line for line in topic_lines if line]
    if len(title) < 5 or len(title) > 200:
        raise DomainError(_("Escriba el título del taller (entre 5 y 200 caracteres)."))
    if not isinstance(date, datetime.date):
        raise DomainError(_("Indique la fecha del taller (AAAA-MM-DD)."))
    if mode not in Mode.values:
        raise DomainError(_("Indique si el taller fue presencial o virtual."))
    if not place:
        raise DomainError(
            _("Indique el lugar del taller o, si fue virtual, el enlace o la plataforma.")
        )
    if len(place) > 255:
        raise DomainError(_("El lugar o enlace no puede pasar de 255 caracteres."))
    if not topic_lines:
        raise DomainError(_("Escriba al menos un tema del taller (uno por línea)."))
    if not trainer or len(trainer) > 200:
        raise DomainError(_("Indique quién dictó el taller (hasta 200 caracteres)."))
    cleaned_hours: Decimal | None = None
    if hours not in (None, ""):
        try:
            cleaned_hours = Decimal(str(hours)).quantize(Decimal("0.1"))
        except (InvalidOperation, ValueError) as exc:
            raise DomainError(_("Las horas deben ser un número, por ejemplo 3 o 2,5.")) from exc
        if cleaned_hours <= 0 or cleaned_hours > MAX_HOURS:
            raise DomainError(_("Las horas del taller deben estar entre 0,1 y 99,9."))
    return {
        "title": title,
        "date": date,
        "mode": mode,
        "place": place,
        "topics": "\n".join(topic_lines),
        "trainer": trainer,
        "hours": cleaned_hours,
    }


@transaction.atomic
def session_create(
    *,
    actor: User | None,
    title: str,
    date: datetime.date | None,
    mode: str,
    place: str,
    topics: str,
    trainer: str,
    hours: Decimal | float | str | None = None,
    is_demo: bool = False,
    system: bool = False,
) -> TrainingSession:
    """Registers a workshop (rector staff; ``system`` for the demo loader)."""
    if not system:
        _require_rector(actor)
    values = _session_values(
        title=title, date=date, mode=mode, place=place, topics=topics, trainer=trainer, hours=hours
    )
    session = TrainingSession.objects.create(
        **values, created_by=actor if actor is not None and actor.pk else None, is_demo=is_demo
    )
    audit_record(
        actor=actor,
        verb="capacitacion.taller_creado",
        instance=session,
        after=snapshot(session, SESSION_FIELDS),
    )
    return session


@transaction.atomic
def session_update(
    *,
    actor: User | None,
    session: TrainingSession,
    title: str,
    date: datetime.date | None,
    mode: str,
    place: str,
    topics: str,
    trainer: str,
    hours: Decimal | float | str | None = None,
) -> TrainingSession:
    """Corrects a workshop's data (rector staff)."""
    _require_rector(actor)
    values = _session_values(
        title=title, date=date, mode=mode, place=place, topics=topics, trainer=trainer, hours=hours
    )
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    before = snapshot(session, SESSION_FIELDS)
    for name, value in values.items():
        setattr(session, name, value)
    session.save(update_fields=list(values))
    audit_record(
        actor=actor,
        verb="capacitacion.taller_editado",
        instance=session,
        before=before,
        after=snapshot(session, SESSION_FIELDS),
    )
    return session


# --- materials -------------------------------------------------------------------------------


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > 500:
        raise DomainError(_("El enlace no puede pasar de 500 caracteres."))
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise DomainError(
            _("El enlace «%(link)s» no es una dirección web válida.") % {"link": url[:100]}
        ) from exc
    return url


@transaction.atomic
def material_add(
    *,
    actor: User | None,
    session: TrainingSession,
    title: str,
    url: str = "",
    file: UploadedFile | None = None,
    system: bool = False,
) -> TrainingMaterial:
    """Adds a material to a workshop: a link or an uploaded file (a PDF, an image or an office
    document, checked by its content like the evidence of commitments), not both."""
    if not system:
        _require_rector(actor)
    title = " ".join((title or "").split())
    if len(title) < 3 or len(title) > 200:
        raise DomainError(_("Escriba el título del material (entre 3 y 200 caracteres)."))
    url = _clean_url(url)
    if bool(url) == (file is not None):
        raise DomainError(_("Indique un enlace o adjunte un archivo (uno de los dos)."))
    if file is not None:
        evidence_check(file)
    material = TrainingMaterial.objects.create(
        session=session, title=title, url=url, file=file if file is not None else ""
    )
    audit_record(
        actor=actor,
        verb="capacitacion.material_agregado",
        instance=material,
        after={"session": session.pk, "url": url, "file": file.name if file else ""},
    )
    return material


@transaction.atomic
def material_remove(*, actor: User | None, material: TrainingMaterial) -> None:
    """Takes a material off a workshop (rector staff). An uploaded file stays in storage, named
    by the audit entry, as the commitments' evidence does: a removal never loses a document."""
    _require_rector(actor)
    audit_record(
        actor=actor,
        verb="capacitacion.material_retirado",
        instance=material,
        before={"session": material.session_id, "url": material.url, "file": material.file.name},
    )
    material.delete()


# --- attendance ------------------------------------------------------------------------------


@transaction.atomic
def attendance_register(
    *,
    actor: User | None,
    session: TrainingSession,
    entity: Entity,
    name: str,
    role: str,
    user: User | None = None,
    completed: bool = True,
    system: bool = False,
) -> Attendance:
    """Records that a person of ``entity`` attended ``session`` in ``role``; ``user`` links
    their Ágora account (it must work for that entity)."""
    if not system:
        _require_attendance(actor, entity)
    name = " ".join((name or "").split())
    if len(name) < 3 or len(name) > 200:
        raise DomainError(_("Escriba el nombre de la persona (entre 3 y 200 caracteres)."))
    if role not in AttendeeRole.values:
        raise DomainError(_("Indique el rol de la persona en la entidad."))
    if (
        user is not None
        and not Membership.objects.active().filter(user=user, entity=entity).exists()
    ):
        raise DomainError(
            _("La cuenta «%(user)s» no trabaja para «%(entity)s» en Ágora.")
            % {"user": user.get_username(), "entity": entity.name}
        )
    if Attendance.objects.filter(session=session, entity=entity, name__iexact=name).exists():
        raise DomainError(
            _("«%(name)s» de «%(entity)s» ya figura en este taller.")
            % {"name": name, "entity": entity.name}
        )
    attendance = Attendance.objects.create(
        session=session, entity=entity, name=name, role=role, user=user, completed=completed
    )
    audit_record(
        actor=actor,
        verb="capacitacion.asistencia_registrada",
        instance=attendance,
        scope=entity.code,
        after={
            "session": session.pk,
            "entity": entity.code,
            "role": role,
            "user": user.pk if user else None,
            "completed": completed,
        },
    )
    return attendance


@transaction.atomic
def attendance_remove(*, actor: User | None, attendance: Attendance) -> None:
    """Takes a person off a workshop's attendance (rector staff, or their entity's manager)."""
    _require_attendance(actor, attendance.entity)
    audit_record(
        actor=actor,
        verb="capacitacion.asistencia_retirada",
        instance=attendance,
        scope=attendance.entity.code,
        before={
            "session": attendance.session_id,
            "entity": attendance.entity.code,
            "role": attendance.role,
            "completed": attendance.completed,
        },
    )
    attendance.delete()
