"""The crisis manual and crisis mode (seed 003, guideline 11; issue 18 point 6).

Per entity, its communications manager keeps a manual: when it is used, ordered steps with who
is responsible, contacts, and holding statements approved in advance. A crisis is declared by
the manager (or opened from the inbox's spike banner): it pauses the entity's approved and
scheduled posts (publishing skips them, agora/publishing/publishing.py) and shows the manual as
a checklist where the team marks each step done, with who and when. Closing it (the manager)
resumes the paused posts, or leaves them paused to be resumed later. One open crisis per entity;
everything audited."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.directory import roles
from agora.directory.models import Entity
from agora.publishing import permissions
from agora.publishing.models import Crisis as CrisisModel
from agora.publishing.models import (
    CrisisContact,
    CrisisManual,
    CrisisStep,
    CrisisStepDone,
    CrisisTrigger,
    HoldingStatement,
    PlannedPost,
    PostStatus,
)

PAUSABLE = [PostStatus.APROBADO, PostStatus.PROGRAMADO]


# --- who may ---------------------------------------------------------------------------------


def can_view(entity: Entity, user: User) -> bool:
    """The entity's staff (communicators and manager) and rector staff."""
    return Entity.objects.for_staff(user).filter(pk=entity.pk).exists()


def can_mark(entity: Entity, user: User) -> bool:
    """Steps are marked by the people who work for the entity."""
    return permissions.may_mark_crisis_step(user, entity)


def _require_manager(entity: Entity, user: User) -> None:
    if not permissions.may_manage(user, entity):
        raise PermissionDeniedError(
            _("Solo el responsable de comunicaciones de la entidad puede hacer esto.")
        )


# --- reads -----------------------------------------------------------------------------------


def entities_for(user: User) -> QuerySet[Entity]:
    """The entities whose crisis page this person may see, those in crisis first."""
    return Entity.objects.for_staff(user).order_by("name")


def entity_for(user: User, code: str) -> Entity:
    entity = roles.entity_by_code(code, staff=user)
    if entity is None:
        raise PermissionDeniedError(_("No tiene acceso a esta entidad."))
    return entity


def manual_for(entity: Entity) -> CrisisManual | None:
    return (
        CrisisManual.objects.filter(entity=entity)
        .prefetch_related("steps", "contacts", "statements__approved_by")
        .first()
    )


def open_crisis(entity: Entity) -> CrisisModel | None:
    return (
        CrisisModel.objects.filter(entity=entity, closed_at__isnull=True)
        .select_related("opened_by")
        .first()
    )


def paused_posts(entity: Entity) -> QuerySet[PlannedPost]:
    return PlannedPost.objects.filter(entity=entity, paused_at__isnull=False).order_by(
        "scheduled_at", "pk"
    )


# --- the manual ------------------------------------------------------------------------------


def _manual(entity: Entity, actor: User) -> CrisisManual:
    manual, _created = CrisisManual.objects.get_or_create(
        entity=entity, defaults={"updated_by": actor}
    )
    return manual


def _touch(manual: CrisisManual, actor: User) -> None:
    manual.updated_by = actor
    manual.save(update_fields=["updated_by", "updated_at"])


def _audit_manual(actor: User, manual: CrisisManual, verb: str, after: dict[str, object]) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        instance=manual,
        scope=manual.entity.code,
        after=after,
    )


@transaction.atomic
def crisis_manual_update(*, entity: Entity, actor: User, introduction: str) -> CrisisManual:
    _require_manager(entity, actor)
    manual = _manual(entity, actor)
    before = manual.introduction
    manual.introduction = introduction.strip()
    _touch(manual, actor)
    manual.save(update_fields=["introduction"])
    audit_record(
        actor=actor,
        verb="crisis.manual_actualizado",
        instance=manual,
        scope=entity.code,
        before={"introduction": before[:500]},
        after={"introduction": manual.introduction[:500]},
    )
    return manual


@transaction.atomic
def crisis_step_add(*, entity: Entity, actor: User, text: str, responsible: str = "") -> CrisisStep:
    _require_manager(entity, actor)
    text = text.strip()
    if not text:
        raise DomainError(_("Escriba el paso."))
    manual = _manual(entity, actor)
    last = manual.steps.aggregate(last=Max("order"))["last"] or 0
    step = CrisisStep.objects.create(
        manual=manual, order=last + 1, text=text, responsible=responsible.strip()
    )
    _touch(manual, actor)
    _audit_manual(actor, manual, "crisis.paso_agregado", {"step": step.pk, "text": text[:300]})
    return step


@transaction.atomic
def crisis_step_move(*, entity: Entity, actor: User, step: CrisisStep, up: bool) -> None:
    """Swaps the step with the one before (``up``) or after it."""
    _require_manager(entity, actor)
    steps = list(CrisisStep.objects.filter(manual__entity=entity).order_by("order", "pk"))
    index = next((i for i, s in enumerate(steps) if s.pk == step.pk), None)
    if index is None:
        raise DomainError(_("Ese paso no es del manual de esta entidad."))
    other = index - 1 if up else index + 1
    if not 0 <= other < len(steps):
        return
    steps[index], steps[other] = steps[other], steps[index]
    for order, item in enumerate(steps, start=1):
        if item.order != order:
            CrisisStep.objects.filter(pk=item.pk).update(order=order)
    manual = steps[0].manual
    _touch(manual, actor)
    _audit_manual(actor, manual, "crisis.paso_movido", {"step": step.pk, "up": up})


def _own(model: type, entity: Entity, pk: int) -> object:
    item = model.objects.filter(manual__entity=entity, pk=pk).first()  # type: ignore[attr-defined]
    if item is None:
        raise DomainError(_("Ese elemento no es del manual de esta entidad."))
    return item


@transaction.atomic
def crisis_item_remove(*, entity: Entity, actor: User, kind: str, pk: int) -> None:
    """Removes a step, contact or statement of the manual (steps already marked in a past
    crisis go with their marks: the audit keeps who did what)."""
    _require_manager(entity, actor)
    models_by_kind: dict[str, type] = {
        "paso": CrisisStep,
        "contacto": CrisisContact,
        "declaracion": HoldingStatement,
    }
    model = models_by_kind.get(kind)
    if model is None:
        raise DomainError(_("No se puede quitar eso del manual."))
    item = _own(model, entity, pk)
    manual = item.manual  # type: ignore[attr-defined]
    _audit_manual(
        actor, manual, "crisis.elemento_quitado", {"kind": kind, "pk": pk, "text": str(item)[:300]}
    )
    item.delete()  # type: ignore[attr-defined]
    _touch(manual, actor)


@transaction.atomic
def crisis_contact_add(
    *, entity: Entity, actor: User, name: str, role: str = "", phone: str = "", email: str = ""
) -> CrisisContact:
    _require_manager(entity, actor)
    if not name.strip():
        raise DomainError(_("Escriba el nombre del contacto."))
    manual = _manual(entity, actor)
    contact = CrisisContact.objects.create(
        manual=manual, name=name.strip(), role=role.strip(), phone=phone.strip(), email=email
    )
    _touch(manual, actor)
    _audit_manual(actor, manual, "crisis.contacto_agregado", {"contact": contact.pk})
    return contact


@transaction.atomic
def holding_statement_add(
    *, entity: Entity, actor: User, title: str, text: str
) -> HoldingStatement:
    """A holding statement, approved by the manager who adds it."""
    _require_manager(entity, actor)
    if not (title.strip() and text.strip()):
        raise DomainError(_("Escriba la situación y el texto de la declaración."))
    manual = _manual(entity, actor)
    statement = HoldingStatement.objects.create(
        manual=manual,
        title=title.strip(),
        text=text.strip(),
        approved_by=actor,
        approved_at=timezone.now(),
    )
    _touch(manual, actor)
    _audit_manual(
        actor, manual, "crisis.declaracion_aprobada", {"statement": statement.pk, "title": title}
    )
    return statement


# --- the crisis ------------------------------------------------------------------------------


@transaction.atomic
def crisis_open(
    *, entity: Entity, actor: User, summary: str, trigger: str = CrisisTrigger.DECLARADA
) -> CrisisModel:
    """Declares a crisis: the entity's approved and scheduled posts are paused. Only its
    manager; one open crisis per entity."""
    _require_manager(entity, actor)
    if trigger not in CrisisTrigger.values:
        raise DomainError(_("Origen de la crisis no válido."))
    summary = summary.strip()
    if trigger == CrisisTrigger.DECLARADA and not summary:
        raise DomainError(_("Describa en una frase qué pasa."))
    if CrisisModel.objects.filter(entity=entity, closed_at__isnull=True).exists():
        raise DomainError(_("Ya hay una crisis abierta en esta entidad."))
    now = timezone.now()
    try:
        with transaction.atomic():
            crisis = CrisisModel.objects.create(
                entity=entity, trigger=trigger, summary=summary, opened_by=actor, opened_at=now
            )
    except IntegrityError as exc:  # another manager opened one at the same moment
        raise DomainError(_("Ya hay una crisis abierta en esta entidad.")) from exc
    paused = list(
        PlannedPost.objects.filter(entity=entity, status__in=PAUSABLE, paused_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    PlannedPost.objects.filter(pk__in=paused).update(paused_at=now)
    audit_record(
        actor=actor,
        verb="crisis.abierta",
        instance=crisis,
        scope=entity.code,
        after={"trigger": trigger, "summary": summary[:500], "paused_posts": paused},
    )
    return crisis


def _resume(entity: Entity, since: object | None = None) -> list[int]:
    posts = PlannedPost.objects.filter(entity=entity, paused_at__isnull=False)
    if since is not None:
        posts = posts.filter(paused_at__gte=since)
    ids = list(posts.order_by("pk").values_list("pk", flat=True))
    PlannedPost.objects.filter(pk__in=ids).update(paused_at=None)
    return ids


@transaction.atomic
def crisis_close(*, crisis: CrisisModel, actor: User, resume: bool) -> CrisisModel:
    """Closes the crisis; ``resume``: the posts it paused are published again at their time
    (a post whose time passed meanwhile is published at once)."""
    entity = crisis.entity
    _require_manager(entity, actor)
    locked = CrisisModel.objects.select_for_update().filter(pk=crisis.pk).first()
    if locked is None or locked.closed_at is not None:
        raise DomainError(_("Esta crisis ya está cerrada."))
    locked.closed_at = timezone.now()
    locked.closed_by = actor
    locked.save(update_fields=["closed_at", "closed_by"])
    resumed = _resume(entity, since=locked.opened_at) if resume else []
    audit_record(
        actor=actor,
        verb="crisis.cerrada",
        instance=locked,
        scope=entity.code,
        after={"resumed_posts": resumed, "steps_done": locked.steps_done.count()},
    )
    return locked


@transaction.atomic
def crisis_posts_resume(*, entity: Entity, actor: User) -> list[int]:
    """Resumes the posts left paused after a crisis closed."""
    _require_manager(entity, actor)
    if open_crisis(entity) is not None:
        raise DomainError(_("Cierre la crisis antes de reanudar las publicaciones."))
    resumed = _resume(entity)
    manual = _manual(entity, actor)
    _audit_manual(actor, manual, "crisis.publicaciones_reanudadas", {"resumed_posts": resumed})
    return resumed


@transaction.atomic
def crisis_step_mark(
    *, crisis: CrisisModel, step: CrisisStep, actor: User, note: str = ""
) -> CrisisStepDone:
    """Marks a step of the manual done in an open crisis, with who and when. The entity's
    communicators and manager."""
    entity = crisis.entity
    if not can_mark(entity, actor):
        raise PermissionDeniedError(_("Solo el equipo de la entidad marca los pasos."))
    if crisis.closed_at is not None:
        raise DomainError(_("Esta crisis ya está cerrada."))
    if step.manual.entity_id != entity.pk:
        raise DomainError(_("Ese paso no es del manual de esta entidad."))
    if CrisisStepDone.objects.filter(crisis=crisis, step=step).exists():
        raise DomainError(_("Ese paso ya está marcado como hecho."))
    try:
        with transaction.atomic():
            done = CrisisStepDone.objects.create(
                crisis=crisis,
                step=step,
                done_by=actor,
                done_at=timezone.now(),
                note=note.strip()[:2000],
            )
    except IntegrityError as exc:
        raise DomainError(_("Ese paso ya está marcado como hecho.")) from exc
    audit_record(
        actor=actor,
        verb="crisis.paso_hecho",
        instance=crisis,
        scope=entity.code,
        after={"step": step.pk, "text": step.text[:300], "note": done.note[:300]},
    )
    return done
