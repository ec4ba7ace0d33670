"""Forum agreements: recording, status and corrections, the government decision they come
from or lead to, and reminders of overdue ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError
from agora.core.models import User
from agora.core.notifications import notify
from agora.directory import roles
from agora.participation.models import (
    Agreement,
    AgreementStatus,
    DecisionDirection,
    DecisionKind,
    Forum,
    ForumSession,
)
from agora.participation.services._common import _ensure_secretariat, _required

if TYPE_CHECKING:
    from agora.directory.models import Entity


def entity_by_code(code: str) -> Entity:
    """The directory entity with this code, for naming the entity responsible for an
    agreement; a Spanish error when there is none."""
    code = (code or "").strip().lower()
    entity = roles.entity_by_code(code)
    if entity is None:
        raise DomainError(
            _("No existe en el directorio una entidad con el código «%(code)s».") % {"code": code}
        )
    return entity


def _decision_validate(kind: str, reference: str, url: str, direction: str = "") -> None:
    if kind not in DecisionKind.values:
        raise DomainError(_("Tipo de decisión desconocido: use norma, resolución o documento."))
    if direction not in DecisionDirection.values:
        raise DomainError(
            _("Indique si el acuerdo proviene de la decisión de gobierno o conduce a ella.")
        )
    if direction and not kind:
        raise DomainError(
            _("Indique el tipo de decisión de gobierno a la que se vincula el acuerdo.")
        )
    if kind and not reference.strip():
        raise DomainError(_("Indique la norma, resolución o documento vinculado."))
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as exc:
            raise DomainError(_("El enlace a la decisión no es una dirección válida.")) from exc


def _agreement_core_check(
    forum_id: int,
    text: str,
    responsible: str,
    responsible_entity: Entity | None,
    session: ForumSession | None,
) -> tuple[str, str]:
    """What every agreement needs (creation and edit): its text, someone responsible, and a
    session of its own forum. Returns the cleaned text and responsible."""
    text = _required(text, _("el texto del acuerdo"))
    responsible = (responsible or "").strip()[:200]
    if not responsible and responsible_entity is None:
        raise DomainError(_("Indique la entidad responsable o la persona responsable."))
    if session is not None and session.forum_id != forum_id:
        raise DomainError(_("La sesión no pertenece a este foro."))
    return text, responsible


AGREEMENT_EDIT_FIELDS = [
    "text",
    "responsible",
    "responsible_entity",
    "due_date",
    "session",
    "decision_kind",
    "decision_direction",
    "decision_reference",
    "decision_url",
]


@dataclass(frozen=True, kw_only=True)
class AgreementDraft:
    """What an agreement says, as the secretariat writes it when recording it
    (``agreement_create``) or correcting it (``agreement_edit``): its text, who must fulfil it
    (a directory entity, a person or unit, or both), by when, the session that adopted it and
    the government decision it comes from or leads to. Plain data: the services validate it."""

    text: str
    responsible: str
    due_date: date
    responsible_entity: Entity | None = None
    session: ForumSession | None = None
    decision_kind: str = ""
    decision_direction: str = ""
    decision_reference: str = ""
    decision_url: str = ""

    @classmethod
    def of(cls, agreement: Agreement) -> AgreementDraft:
        """What ``agreement`` says now (to change some of it with ``dataclasses.replace``)."""
        return cls(**{name: getattr(agreement, name) for name in AGREEMENT_EDIT_FIELDS})


@transaction.atomic
def agreement_create(
    *,
    actor: User | None,
    system: bool = False,
    forum: Forum,
    draft: AgreementDraft,
    is_public: bool = True,
    is_demo: bool = False,
) -> Agreement:
    """Records an agreement (``draft``: what it says) in ``forum``, numbered after the last
    one."""
    if not system:
        _ensure_secretariat(actor, forum)
    text, responsible = _agreement_core_check(
        forum.pk, draft.text, draft.responsible, draft.responsible_entity, draft.session
    )
    _decision_validate(
        draft.decision_kind,
        draft.decision_reference,
        draft.decision_url,
        draft.decision_direction,
    )
    Forum.objects.select_for_update().filter(pk=forum.pk).first()
    number = (forum.agreements.aggregate(n=Max("number"))["n"] or 0) + 1
    agreement = Agreement.objects.create(
        forum=forum,
        session=draft.session,
        number=number,
        text=text,
        responsible=responsible,
        responsible_entity=draft.responsible_entity,
        due_date=draft.due_date,
        decision_kind=draft.decision_kind,
        decision_direction=draft.decision_direction,
        decision_reference=draft.decision_reference.strip()[:300],
        decision_url=draft.decision_url,
        is_public=is_public,
        is_demo=is_demo,
    )
    audit_record(actor=actor, verb="acuerdo.creado", instance=agreement)
    return agreement


@transaction.atomic
def agreement_update(
    *,
    actor: User | None,
    system: bool = False,
    agreement: Agreement,
    status: str,
    fulfilled_on: date | None = None,
    decision_kind: str | None = None,
    decision_reference: str | None = None,
    decision_url: str | None = None,
) -> Agreement:
    if not system:
        _ensure_secretariat(actor, agreement.forum)
    if status not in AgreementStatus.values:
        raise DomainError(_("Estado del acuerdo desconocido."))
    kind = agreement.decision_kind if decision_kind is None else decision_kind
    reference = agreement.decision_reference if decision_reference is None else decision_reference
    url = agreement.decision_url if decision_url is None else decision_url
    _decision_validate(kind, reference, url)
    if status == AgreementStatus.CUMPLIDO:
        fulfilled_on = fulfilled_on or timezone.localdate()
        if fulfilled_on > timezone.localdate():
            raise DomainError(_("La fecha de cumplimiento no puede ser futura."))
    else:
        fulfilled_on = None
    before = snapshot(agreement, ["status", "fulfilled_on", "decision_reference"])
    agreement.status = status
    agreement.fulfilled_on = fulfilled_on
    agreement.decision_kind = kind
    agreement.decision_reference = reference.strip()[:300]
    agreement.decision_url = url
    agreement.save()
    audit_record(
        actor=actor,
        verb="acuerdo.actualizado",
        instance=agreement,
        before=before,
        after=snapshot(agreement, ["status", "fulfilled_on", "decision_reference"]),
    )
    return agreement


@transaction.atomic
def agreement_edit(
    *, actor: User | None, system: bool = False, agreement: Agreement, draft: AgreementDraft
) -> Agreement:
    """Corrects what an agreement says after it was recorded (``draft``: its text, who must
    fulfil it, by when, the session that adopted it and the government decision it comes
    from or leads to; its status changes through ``agreement_update``). Same rules as
    ``agreement_create``; when nothing differs nothing is written, otherwise the audit log
    keeps the changed fields before and after."""
    from agora.directory.models import Entity

    if not system:
        _ensure_secretariat(actor, agreement.forum)
    responsible_entity, session = draft.responsible_entity, draft.session
    text, responsible = _agreement_core_check(
        agreement.forum_id, draft.text, draft.responsible, responsible_entity, session
    )
    if responsible_entity is not None and (
        responsible_entity.pk is None
        or not Entity.objects.filter(pk=responsible_entity.pk).exists()
    ):
        raise DomainError(_("La entidad responsable no existe en el directorio."))
    if draft.due_date is None:
        raise DomainError(_("Indique la fecha límite del acuerdo."))
    decision_kind = draft.decision_kind or ""
    decision_direction = draft.decision_direction or ""
    decision_url = (draft.decision_url or "").strip()
    decision_reference = (draft.decision_reference or "").strip()[:300]
    _decision_validate(decision_kind, decision_reference, decision_url, decision_direction)
    # The row as stored now (not the caller's possibly stale copy), locked until commit.
    current = Agreement.objects.select_for_update().get(pk=agreement.pk)
    before = snapshot(current, AGREEMENT_EDIT_FIELDS)
    current.text = text
    current.responsible = responsible
    current.responsible_entity = responsible_entity
    current.due_date = draft.due_date
    current.session = session
    current.decision_kind = decision_kind
    current.decision_direction = decision_direction
    current.decision_reference = decision_reference
    current.decision_url = decision_url
    after = snapshot(current, AGREEMENT_EDIT_FIELDS)
    changed = [name for name in AGREEMENT_EDIT_FIELDS if before[name] != after[name]]
    if not changed:
        agreement.refresh_from_db()
        return agreement
    current.save()
    audit_record(
        actor=actor,
        verb="acuerdo.editado",
        instance=current,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
    )
    agreement.refresh_from_db()
    return agreement


def agreements_overdue_remind(*, today: date | None = None, every_days: int = 7) -> int:
    """Reminds the secretariat of overdue agreements, at most once every ``every_days``."""
    today = today or timezone.localdate()
    overdue = Agreement.objects.filter(
        status__in=[AgreementStatus.PENDIENTE, AgreementStatus.EN_CURSO], due_date__lt=today
    ).select_related("forum")
    sent = 0
    for agreement in overdue:
        last = agreement.overdue_reminded_on
        if last is not None and (today - last).days < every_days:
            continue
        with transaction.atomic():
            notify(
                users=agreement.forum.secretariat.all(),
                kind="foro_acuerdo_vencido",
                text=_("Acuerdo %(n)s del %(forum)s vencido desde el %(date)s: %(text)s")
                % {
                    "n": agreement.number,
                    "forum": agreement.forum.name,
                    "date": agreement.due_date.strftime("%d/%m/%Y"),
                    "text": agreement.text[:120],
                },
                url=reverse("participation:agreements", kwargs={"slug": agreement.forum.slug}),
                dedupe_key=f"acuerdo-vencido-{agreement.pk}-{today.isoformat()}",
            )
            agreement.overdue_reminded_on = today
            agreement.save(update_fields=["overdue_reminded_on"])
            sent += 1
    return sent
