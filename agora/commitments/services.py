"""Every write of the commitments app: workshops, proposals and their grouping, SMART scores,
selection, milestones, progress reports with evidence, their approval, and the independent
review. Each function checks who asks, validates, writes atomically and audits; on bad input
it raises ``DomainError`` with a Spanish message and writes nothing."""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.commitments.models import (
    SMART_RUBRIC,
    ActionPlan,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Completion,
    Evidence,
    GroupStatus,
    IndependentReview,
    Milestone,
    MilestoneStatus,
    OgpValue,
    OpenedGovernment,
    OrganisationType,
    PotentialImpact,
    Proposal,
    ProposalGroup,
    ProposalSource,
    SmartCriterion,
    SmartScore,
    UpdateStatus,
    Workshop,
    WorkshopParticipation,
    starred_by_ogp_rule,
)
from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.notifications import notify
from agora.core.permissions import user_is_rector
from agora.directory import roles
from agora.directory.models import Entity

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
# Sniffed from the content (``filetype``), never from the name alone.
EVIDENCE_MIME_TYPES = {
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/tiff",
    "image/bmp",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/x-ole-storage",  # legacy .doc/.xls/.ppt as filetype names them
    "application/zip",  # see _office_zip: accepted only when it is an OOXML/ODF package
}
OFFICE_EXTENSIONS = {".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp"}
DEFAULT_GROUP_THRESHOLD = 0.5
MILESTONE_FIELDS = ["activity", "responsible", "start_month", "end_month", "status", "weight"]


# --- permissions -----------------------------------------------------------------------------


def _require_rector(actor: User | None) -> None:
    if actor is None or not user_is_rector(actor):
        raise PermissionDeniedError(
            _("Solo la secretaría (personal del ente rector) puede hacer esto.")
        )


def entities_managed_by(actor: User) -> set[int]:
    """Entities where ``actor`` is an active communications manager."""
    return set(roles.managed_by(actor).values_list("pk", flat=True))


def commitment_responsible_entities(commitment: Commitment) -> set[int]:
    ids = {e.pk for e in commitment.supporting_entities.all()}
    if commitment.lead_entity_id:
        ids.add(commitment.lead_entity_id)
    return ids


def _entity_scope(commitment: Commitment) -> str:
    return commitment.lead_entity.code if commitment.lead_entity is not None else ""


def milestones_editable_by(actor: User | None, commitment: Commitment) -> bool:
    """The secretariat (rector staff) and the managers of the commitment's lead entity."""
    if actor is None or not actor.is_authenticated:
        return False
    if user_is_rector(actor):
        return True
    return bool(commitment.lead_entity_id) and commitment.lead_entity_id in entities_managed_by(
        actor
    )


def _require_milestone_editor(actor: User | None, commitment: Commitment, *, status: str) -> None:
    """Managers of the lead entity plan the milestones; a milestone's status changes only
    through a progress report the secretariat approves (or by the secretariat itself)."""
    if not milestones_editable_by(actor, commitment):
        raise PermissionDeniedError(
            _(
                "Solo la secretaría y los responsables de la entidad a cargo del compromiso "
                "pueden editar sus hitos."
            )
        )
    if status and not user_is_rector(actor):
        raise PermissionDeniedError(
            _(
                "El estado de un hito cambia con un reporte de avance aprobado por la "
                "secretaría; envíe un reporte de avance."
            )
        )


def _require_evaluator(actor: User | None, plan: ActionPlan) -> None:
    if actor is None or not actor.is_authenticated:
        raise PermissionDeniedError(_("Debe ingresar para puntuar propuestas."))
    if user_is_rector(actor) or plan.evaluators.filter(pk=actor.pk).exists():
        return
    raise PermissionDeniedError(_("Usted no es evaluador de este plan de acción."))


# --- small validators ------------------------------------------------------------------------


def month_parse(value: str | datetime.date | None, *, label: str) -> datetime.date:
    """``"2015-08"`` (or a date) → the first day of that month."""
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    try:
        year, month = (int(part) for part in str(value or "").strip().split("-")[:2])
        return datetime.date(year, month, 1)
    except (TypeError, ValueError) as exc:
        raise DomainError(
            _("%(label)s: indique el mes como AAAA-MM (por ejemplo, 2016-07).") % {"label": label}
        ) from exc


def _clean_links(links: Iterable[str]) -> list[str]:
    validator = URLValidator(schemes=["http", "https"])
    cleaned = []
    for link in links:
        link = (link or "").strip()
        if not link:
            continue
        try:
            validator(link)
        except ValidationError as exc:
            raise DomainError(
                _("El enlace de evidencia «%(link)s» no es una dirección web válida.")
                % {"link": link[:100]}
            ) from exc
        cleaned.append(link)
    return cleaned


def _office_zip(upload: UploadedFile) -> bool:
    """A ZIP is accepted only as an office package (OOXML or ODF), checked inside."""
    import zipfile

    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return False
    finally:
        upload.seek(0)
    return "[Content_Types].xml" in names or "mimetype" in names


def evidence_check(upload: UploadedFile) -> str:
    """Validates one evidence file and returns its sniffed MIME type."""
    name = upload.name or ""
    if upload.size is None or upload.size > MAX_EVIDENCE_BYTES:
        raise DomainError(
            _("El archivo «%(name)s» pesa más de 20 MB; adjunte uno más liviano.") % {"name": name}
        )
    if upload.size == 0:
        raise DomainError(_("El archivo «%(name)s» está vacío.") % {"name": name})
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else ""
    if mime == "application/zip" and not _office_zip(upload):
        mime = ""
    if mime not in EVIDENCE_MIME_TYPES:
        raise DomainError(
            _(
                "El archivo «%(name)s» no es un PDF, una imagen ni un documento de oficina "
                "(se revisa su contenido, no solo la extensión)."
            )
            % {"name": name}
        )
    return mime


# --- workshops and proposals -----------------------------------------------------------------


def workshop_check(
    *,
    label: str,
    place: str,
    people: int | None = None,
    participation: Mapping[str, int | None] | Iterable[tuple[str, int | None]] | None = None,
) -> dict[str, int]:
    """The rules of a workshop, shared by :func:`workshop_record` and the admin: a place and
    an identifier, known organisation types each counted once, no negative counts. Returns
    the participation as ``{type: count}``."""
    if not (place or "").strip() or not (label or "").strip():
        raise DomainError(_("Indique el lugar y el identificador del taller."))
    if people is not None and int(people) < 0:
        raise DomainError(_("El número de participantes no puede ser negativo."))
    rows = participation.items() if isinstance(participation, Mapping) else participation or ()
    valid = set(OrganisationType.values)
    counts: dict[str, int] = {}
    for kind, count in rows:
        if kind not in valid:
            raise DomainError(_("Tipo de organización desconocido: %(kind)s.") % {"kind": kind})
        if kind in counts:
            raise DomainError(
                _("El tipo de organización «%(label)s» figura más de una vez.")
                % {"label": OrganisationType(kind).label}
            )
        if count is None or int(count) < 0:
            raise DomainError(_("El número de organizaciones no puede ser negativo."))
        counts[kind] = int(count)
    return counts


@transaction.atomic
def workshop_record(
    *,
    actor: User | None,
    plan: ActionPlan,
    label: str,
    place: str,
    date: datetime.date | None = None,
    date_text: str = "",
    people: int | None = None,
    participation: Mapping[str, int] | None = None,
    notes: str = "",
    system: bool = False,
) -> Workshop:
    """Creates or updates a workshop with its organisations per type."""
    if not system:
        _require_rector(actor)
    participation = workshop_check(
        label=label, place=place, people=people, participation=participation
    )
    workshop, created = Workshop.objects.update_or_create(
        plan=plan,
        label=label.strip(),
        defaults={
            "place": place.strip(),
            "date": date,
            "date_text": date_text,
            "people": people,
            "notes": notes,
        },
    )
    for kind, count in participation.items():
        WorkshopParticipation.objects.update_or_create(
            workshop=workshop, organisation_type=kind, defaults={"count": int(count)}
        )
    audit_record(
        actor=actor,
        verb="taller.creado" if created else "workshop_updated",
        instance=workshop,
        after={"people": people, "participation": participation},
    )
    return workshop


@transaction.atomic
def proposal_submit(
    *,
    actor: User | None,
    plan: ActionPlan,
    title: str,
    description: str = "",
    workshop: Workshop | None = None,
    entity: Entity | None = None,
    submitter_name: str = "",
    is_demo: bool = False,
) -> Proposal:
    """Records a proposal from a workshop (rector staff) or from an entity (its manager or
    rector staff)."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDeniedError(_("Debe ingresar para registrar propuestas."))
    title = " ".join(title.split())
    if len(title) < 5:
        raise DomainError(_("Escriba el título de la propuesta (al menos 5 caracteres)."))
    if len(title) > 300:
        raise DomainError(_("El título de la propuesta no puede pasar de 300 caracteres."))
    if (workshop is None) == (entity is None and not submitter_name.strip()):
        raise DomainError(
            _("Indique de dónde viene la propuesta: un taller, o una entidad u organización.")
        )
    if workshop is not None and workshop.plan_id != plan.pk:
        raise DomainError(_("El taller no pertenece a este plan de acción."))
    if workshop is not None or entity is None:
        _require_rector(actor)
    elif not user_is_rector(actor) and entity.pk not in entities_managed_by(actor):
        raise PermissionDeniedError(_("Solo puede proponer en nombre de su propia entidad."))
    proposal = Proposal.objects.create(
        plan=plan,
        title=title,
        description=description.strip(),
        source=ProposalSource.TALLER if workshop is not None else ProposalSource.ENTIDAD,
        workshop=workshop,
        entity=entity,
        submitter_name=submitter_name.strip(),
        created_by=actor,
        is_demo=is_demo,
    )
    audit_record(
        actor=actor,
        verb="propuesta.enviada",
        instance=proposal,
        scope=entity.code if entity else "",
        after=snapshot(proposal, ["title", "source", "workshop", "entity", "submitter_name"]),
    )
    return proposal


def _similar_pairs(texts: Sequence[str], threshold: float) -> list[tuple[int, int, float]]:
    """Pairs of texts whose TF-IDF cosine similarity reaches ``threshold``."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    from agora.core.text import fold

    if len(texts) < 2:
        return []
    vectors = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(
        [fold(t) for t in texts]
    )
    matrix = cosine_similarity(vectors)
    pairs = []
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            if matrix[i, j] >= threshold:
                pairs.append((i, j, float(matrix[i, j])))
    return pairs


@transaction.atomic
def proposal_groups_suggest(
    *, actor: User | None, plan: ActionPlan, threshold: float = DEFAULT_GROUP_THRESHOLD
) -> list[ProposalGroup]:
    """Suggests groups of similar open proposals (TF-IDF cosine, connected components).
    Earlier suggestions still pending are replaced; confirmed groups are left alone."""
    _require_rector(actor)
    if not 0 < threshold <= 1:
        raise DomainError(_("El umbral de similitud debe estar entre 0 y 1."))
    ProposalGroup.objects.filter(plan=plan, status=GroupStatus.SUGERIDA).delete()
    proposals = list(Proposal.objects.filter(plan=plan, merged_into__isnull=True).order_by("id"))
    pairs = _similar_pairs([f"{p.title} {p.description}" for p in proposals], threshold)
    parent = list(range(len(proposals)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    lowest: dict[int, float] = {}
    for i, j, _score in pairs:
        parent[find(j)] = find(i)
    for i, _j, score in pairs:
        root = find(i)
        lowest[root] = min(lowest.get(root, 1.0), score)
    components: dict[int, list[int]] = {}
    for index in range(len(proposals)):
        components.setdefault(find(index), []).append(index)
    groups = []
    for root, members in components.items():
        if len(members) < 2:
            continue
        group = ProposalGroup.objects.create(
            plan=plan,
            representative=proposals[members[0]],
            similarity=round(lowest.get(root, threshold), 3),
        )
        group.proposals.set([proposals[m] for m in members])
        groups.append(group)
    audit_record(
        actor=actor,
        verb="grupo_propuestas.sugerido",
        instance=plan,
        after={"threshold": threshold, "groups": [g.pk for g in groups]},
    )
    return groups


@transaction.atomic
def proposal_group_confirm(
    *, actor: User | None, group: ProposalGroup, representative: Proposal | None = None
) -> ProposalGroup:
    """Confirms a suggested group: every other member is merged into the representative."""
    _require_rector(actor)
    group = ProposalGroup.objects.select_for_update().get(pk=group.pk)
    if group.status != GroupStatus.SUGERIDA:
        raise DomainError(_("Esta agrupación ya fue decidida."))
    members = list(group.proposals.all())
    representative = representative or group.representative
    if representative.pk not in {p.pk for p in members}:
        raise DomainError(_("La propuesta representativa debe ser parte de la agrupación."))
    if any(p.merged_into_id for p in members):
        raise DomainError(_("Alguna de estas propuestas ya fue agrupada en otra."))
    Proposal.objects.filter(pk__in=[p.pk for p in members if p.pk != representative.pk]).update(
        merged_into=representative, selected=False
    )
    group.representative = representative
    group.status = GroupStatus.CONFIRMADA
    group.decided_by = actor
    group.decided_at = timezone.now()
    group.save()
    audit_record(
        actor=actor,
        verb="grupo_propuestas.confirmado",
        instance=group,
        after={"representative": representative.pk, "members": [p.pk for p in members]},
    )
    return group


@transaction.atomic
def proposal_group_dismiss(*, actor: User | None, group: ProposalGroup) -> ProposalGroup:
    _require_rector(actor)
    group = ProposalGroup.objects.select_for_update().get(pk=group.pk)
    if group.status != GroupStatus.SUGERIDA:
        raise DomainError(_("Esta agrupación ya fue decidida."))
    group.status = GroupStatus.DESCARTADA
    group.decided_by = actor
    group.decided_at = timezone.now()
    group.save()
    audit_record(
        actor=actor,
        verb="grupo_propuestas.descartado",
        instance=group,
        before={"status": GroupStatus.SUGERIDA},
        after={"status": group.status, "members": sorted(p.pk for p in group.proposals.all())},
    )
    return group


# --- SMART scoring and selection --------------------------------------------------------------


@transaction.atomic
def smart_score_record(
    *, actor: User | None, proposal: Proposal, scores: Mapping[str, int | str | None]
) -> list[SmartScore]:
    """Records one evaluator's five SMART scores of a proposal (each within the rubric)."""
    _require_evaluator(actor, proposal.plan)
    assert actor is not None
    if proposal.merged_into_id:
        raise DomainError(_("Esta propuesta fue agrupada en otra: puntúe la representativa."))
    missing = [c for c in SmartCriterion.values if scores.get(c) in (None, "")]
    if missing:
        raise DomainError(
            _("Falta el puntaje de: %(criteria)s.")
            % {"criteria": ", ".join(str(SmartCriterion(c).label) for c in missing)}
        )
    unknown = set(scores) - set(SmartCriterion.values)
    if unknown:
        raise DomainError(_("Criterio desconocido: %(c)s.") % {"c": ", ".join(sorted(unknown))})
    values: dict[str, int] = {}
    for criterion in SmartCriterion.values:
        top = len(SMART_RUBRIC[criterion])
        try:
            value = int(str(scores[criterion]))
        except ValueError as exc:
            raise DomainError(
                _("El puntaje de «%(c)s» debe ser un número entero.")
                % {"c": SmartCriterion(criterion).label}
            ) from exc
        if not 0 <= value <= top:
            raise DomainError(
                _("El puntaje de «%(c)s» debe estar entre 0 y %(max)s según la rúbrica.")
                % {"c": SmartCriterion(criterion).label, "max": top}
            )
        values[criterion] = value
    previous = dict(
        SmartScore.objects.filter(proposal=proposal, evaluator=actor).values_list(
            "criterion", "value"
        )
    )
    saved = []
    for criterion, value in values.items():
        score, _created = SmartScore.objects.update_or_create(
            proposal=proposal, evaluator=actor, criterion=criterion, defaults={"value": value}
        )
        saved.append(score)
    audit_record(
        actor=actor,
        verb="propuesta.puntuada_smart",
        instance=proposal,
        before=previous or None,
        after=values,
    )
    return saved


@dataclass
class RankedProposal:
    proposal: Proposal
    evaluators: int
    mean: float | None
    stdev: float | None
    spread: int | None
    totals: list[int]
    position: int = 0


def proposals_rank(*, plan: ActionPlan) -> list[RankedProposal]:
    """Open proposals with each evaluator's total, the mean, the standard deviation and the
    range between evaluators (their disagreement), best mean first; unscored last."""
    proposals = list(
        Proposal.objects.filter(plan=plan, merged_into__isnull=True)
        .select_related("workshop", "entity")
        .order_by("id")
    )
    totals: dict[int, dict[int, int]] = {}
    for proposal_id, evaluator_id, value in SmartScore.objects.filter(
        proposal__plan=plan, proposal__merged_into__isnull=True
    ).values_list("proposal_id", "evaluator_id", "value"):
        per = totals.setdefault(proposal_id, {})
        per[evaluator_id] = per.get(evaluator_id, 0) + value
    ranked = []
    for proposal in proposals:
        values = sorted(totals.get(proposal.pk, {}).values())
        ranked.append(
            RankedProposal(
                proposal=proposal,
                evaluators=len(values),
                mean=round(statistics.fmean(values), 2) if values else None,
                stdev=round(statistics.pstdev(values), 2) if values else None,
                spread=(values[-1] - values[0]) if values else None,
                totals=values,
            )
        )
    ranked.sort(key=lambda r: (r.mean is None, -(r.mean or 0), r.stdev or 0, r.proposal.pk))
    for position, item in enumerate(ranked, start=1):
        item.position = position
    return ranked


@transaction.atomic
def proposals_select(
    *, actor: User | None, plan: ActionPlan, proposals: Sequence[Proposal]
) -> list[Proposal]:
    """Sets the plan's selection to exactly ``proposals`` (at most the plan's cap)."""
    _require_rector(actor)
    ids = {p.pk for p in proposals}
    if len(ids) > plan.selection_cap:
        raise DomainError(
            _("Puede seleccionar como máximo %(cap)s propuestas; eligió %(n)s.")
            % {"cap": plan.selection_cap, "n": len(ids)}
        )
    valid = set(
        Proposal.objects.filter(plan=plan, pk__in=ids, merged_into__isnull=True).values_list(
            "pk", flat=True
        )
    )
    if valid != ids:
        raise DomainError(
            _("Solo puede seleccionar propuestas abiertas de este plan (no agrupadas en otra).")
        )
    before = sorted(Proposal.objects.filter(plan=plan, selected=True).values_list("pk", flat=True))
    Proposal.objects.filter(plan=plan).exclude(pk__in=ids).update(selected=False)
    Proposal.objects.filter(pk__in=ids).update(selected=True)
    audit_record(
        actor=actor,
        verb="propuestas.seleccionadas",
        instance=plan,
        before={"selected": before},
        after={"selected": sorted(ids)},
    )
    return list(Proposal.objects.filter(pk__in=ids))


# --- milestones and progress ------------------------------------------------------------------


def commitment_progress_refresh(commitment: Commitment) -> Commitment:
    """Recomputes the weighted progress and the status from the milestones."""
    rows = list(commitment.milestones.values_list("weight", "status"))
    total = sum(weight for weight, _status in rows)
    done = sum(weight for weight, status in rows if status == MilestoneStatus.COMPLETADO)
    if not rows:
        progress, status = Decimal("0"), CommitmentStatus.SIN_HITOS
    else:
        progress = (Decimal(done * 100) / Decimal(total)).quantize(Decimal("0.1"))
        if all(s == MilestoneStatus.SIN_DATO for _w, s in rows):
            status = CommitmentStatus.SIN_DATO
        elif done == total:
            status = CommitmentStatus.COMPLETADO
        elif done or any(s == MilestoneStatus.EN_CURSO for _w, s in rows):
            status = CommitmentStatus.EN_CURSO
        else:
            status = CommitmentStatus.NO_INICIADO
    # Called after every milestone change: updated_at always moves, because it keys the cached
    # public dashboard (overdue milestones show there even when progress stays the same).
    Commitment.objects.filter(pk=commitment.pk).update(
        progress=progress, status=status, updated_at=timezone.now()
    )
    commitment.progress, commitment.status = progress, status
    return commitment


def milestone_check(
    *,
    activity: str,
    start_month: str | datetime.date | None,
    end_month: str | datetime.date | None,
    weight: int | None,
    status: str,
) -> tuple[datetime.date, datetime.date]:
    """The rules of a milestone, shared by the services and the admin: an activity, months
    as AAAA-MM, not ending before it starts, a weight of at least 1, a known status. Returns
    the start and end months (first day of each)."""
    if not (activity or "").strip():
        raise DomainError(_("Describa la actividad del hito."))
    start = month_parse(start_month, label=_("Mes de inicio"))
    end = month_parse(end_month, label=_("Mes de término"))
    if end < start:
        raise DomainError(
            _("El hito termina (%(end)s) antes de empezar (%(start)s).")
            % {"end": end.strftime("%Y-%m"), "start": start.strftime("%Y-%m")}
        )
    if weight is None or int(weight) < 1:
        raise DomainError(_("El peso del hito debe ser un entero mayor o igual a 1."))
    if status not in MilestoneStatus.values:
        raise DomainError(_("Estado de hito desconocido: %(s)s.") % {"s": status})
    return start, end


@transaction.atomic
def milestone_add(
    *,
    actor: User | None,
    commitment: Commitment,
    activity: str,
    start_month: str | datetime.date,
    end_month: str | datetime.date,
    responsible: str = "",
    weight: int = 1,
    status: str = MilestoneStatus.NO_INICIADO,
) -> Milestone:
    """Adds a milestone at the end (rector staff, or a manager of the lead entity: then it
    starts as not started)."""
    _require_milestone_editor(
        actor, commitment, status="" if status == MilestoneStatus.NO_INICIADO else status
    )
    start, end = milestone_check(
        activity=activity,
        start_month=start_month,
        end_month=end_month,
        weight=weight,
        status=status,
    )
    # The commitment's row is locked: two people adding at once get consecutive orders.
    Commitment.objects.select_for_update().filter(pk=commitment.pk).exists()
    last = commitment.milestones.order_by("-order").values_list("order", flat=True).first()
    milestone = Milestone.objects.create(
        commitment=commitment,
        order=(last or 0) + 1,
        activity=activity.strip(),
        responsible=responsible.strip(),
        start_month=start,
        end_month=end,
        weight=int(weight),
        status=status,
    )
    commitment_progress_refresh(commitment)
    audit_record(
        actor=actor,
        verb="hito.agregado",
        instance=milestone,
        scope=_entity_scope(commitment),
        after=snapshot(milestone, MILESTONE_FIELDS),
    )
    return milestone


@transaction.atomic
def milestone_update(*, actor: User | None, milestone: Milestone, **changes: Any) -> Milestone:
    """Edits a milestone (rector staff, or a manager of the lead entity for everything but
    the status); the same validation as when adding it."""
    new_status = changes.get("status", milestone.status)
    _require_milestone_editor(
        actor, milestone.commitment, status="" if new_status == milestone.status else new_status
    )
    unknown = set(changes) - set(MILESTONE_FIELDS)
    if unknown:
        raise DomainError(_("Campo desconocido: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    before = snapshot(milestone, MILESTONE_FIELDS)
    values = {name: changes.get(name, getattr(milestone, name)) for name in MILESTONE_FIELDS}
    start, end = milestone_check(
        activity=values["activity"],
        start_month=values["start_month"],
        end_month=values["end_month"],
        weight=values["weight"],
        status=values["status"],
    )
    milestone.activity = values["activity"].strip()
    milestone.responsible = (values["responsible"] or "").strip()
    milestone.start_month, milestone.end_month = start, end
    milestone.weight, milestone.status = int(values["weight"]), values["status"]
    milestone.save()
    commitment_progress_refresh(milestone.commitment)
    audit_record(
        actor=actor,
        verb="hito.actualizado",
        instance=milestone,
        scope=_entity_scope(milestone.commitment),
        before=before,
        after=snapshot(milestone, MILESTONE_FIELDS),
    )
    return milestone


# --- progress reports --------------------------------------------------------------------------


@transaction.atomic
def update_post(
    *,
    actor: User | None,
    commitment: Commitment,
    text: str,
    milestone: Milestone | None = None,
    milestone_status: str = "",
    evidence_links: Iterable[str] = (),
    files: Sequence[UploadedFile] = (),
    entity: Entity | None = None,
) -> CommitmentUpdate:
    """A manager of the lead or a supporting entity reports progress, with evidence. It stays
    private until the secretariat approves it."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDeniedError(_("Debe ingresar para reportar avances."))
    responsible = commitment_responsible_entities(commitment)
    mine = entities_managed_by(actor) & responsible
    if not mine:
        raise PermissionDeniedError(
            _("Solo los responsables de la entidad a cargo del compromiso pueden reportar avances.")
        )
    if entity is None:
        entity_id = commitment.lead_entity_id if commitment.lead_entity_id in mine else min(mine)
    elif entity.pk in mine:
        entity_id = entity.pk
    else:
        raise PermissionDeniedError(_("Usted no es responsable de esa entidad."))
    text = text.strip()
    if len(text) < 10:
        raise DomainError(_("Describa el avance (al menos 10 caracteres)."))
    if milestone is not None and milestone.commitment_id != commitment.pk:
        raise DomainError(_("El hito no pertenece a este compromiso."))
    if milestone_status and milestone is None:
        raise DomainError(_("Indique a qué hito corresponde el nuevo estado."))
    if milestone_status and milestone_status not in MilestoneStatus.values:
        raise DomainError(_("Estado de hito desconocido: %(s)s.") % {"s": milestone_status})
    links = _clean_links(evidence_links)
    checked = [(upload, evidence_check(upload)) for upload in files]
    update = CommitmentUpdate.objects.create(
        commitment=commitment,
        milestone=milestone,
        milestone_status=milestone_status,
        text=text,
        evidence_links=links,
        entity_id=entity_id,
        author=actor,
    )
    for upload, mime in checked:
        Evidence.objects.create(
            update=update,
            file=upload,
            original_name=(upload.name or "")[:255],
            mime_type=mime,
            size=upload.size or 0,
        )
    audit_record(
        actor=actor,
        verb="avance.enviado",
        instance=update,
        scope=update.entity.code,
        after={
            "milestone": milestone.pk if milestone else None,
            "milestone_status": milestone_status,
            "links": links,
            "files": [u.name for u, _m in checked],
        },
    )
    rectors = User.objects.filter(is_rector=True, is_active=True)
    notify(
        users=rectors,
        kind="compromiso_avance",
        text=_("Nuevo reporte de avance de %(code)s por aprobar.") % {"code": commitment.code},
        url=f"/compromisos/equipo/avances/{update.pk}/",
        email=False,
    )
    return update


@transaction.atomic
def update_approve(
    *, actor: User | None, update: CommitmentUpdate, note: str = ""
) -> CommitmentUpdate:
    """The secretariat publishes a report; the milestone status it reports is applied."""
    _require_rector(actor)
    update = CommitmentUpdate.objects.select_for_update().get(pk=update.pk)
    if update.status != UpdateStatus.PENDIENTE:
        raise DomainError(_("Este reporte ya fue revisado."))
    update.status = UpdateStatus.APROBADA
    update.reviewed_by = actor
    update.reviewed_at = timezone.now()
    update.review_note = note.strip()
    update.save()
    if update.milestone is not None:
        milestone = update.milestone
        before = snapshot(milestone, ["status", "evidence_links"])
        if update.milestone_status:
            milestone.status = update.milestone_status
        milestone.evidence_links = [
            *milestone.evidence_links,
            *[link for link in update.evidence_links if link not in milestone.evidence_links],
        ]
        milestone.save(update_fields=["status", "evidence_links"])
        audit_record(
            actor=actor,
            verb="hito.estado_cambiado",
            instance=milestone,
            before=before,
            after=snapshot(milestone, ["status", "evidence_links"]),
        )
    commitment_progress_refresh(update.commitment)
    audit_record(actor=actor, verb="avance.aprobado", instance=update, scope=update.entity.code)
    if update.author is not None:
        notify(
            users=[update.author],
            kind="compromiso_avance",
            text=_("Su reporte de avance de %(code)s fue aprobado y ya es público.")
            % {"code": update.commitment.code},
            url=update.commitment.get_absolute_url(),
            email=False,
        )
    return update


@transaction.atomic
def update_reject(*, actor: User | None, update: CommitmentUpdate, note: str) -> CommitmentUpdate:
    _require_rector(actor)
    if not note.strip():
        raise DomainError(_("Indique el motivo del rechazo para que la entidad pueda corregirlo."))
    update = CommitmentUpdate.objects.select_for_update().get(pk=update.pk)
    if update.status != UpdateStatus.PENDIENTE:
        raise DomainError(_("Este reporte ya fue revisado."))
    update.status = UpdateStatus.RECHAZADA
    update.reviewed_by = actor
    update.reviewed_at = timezone.now()
    update.review_note = note.strip()
    update.save()
    audit_record(
        actor=actor,
        verb="avance.rechazado",
        instance=update,
        scope=update.entity.code,
        reason=note.strip(),
    )
    if update.author is not None:
        notify(
            users=[update.author],
            kind="compromiso_avance",
            text=_("Su reporte de avance de %(code)s fue observado: %(note)s")
            % {"code": update.commitment.code, "note": note.strip()},
            url="/compromisos/equipo/",
            email=False,
        )
    return update


# --- independent review ------------------------------------------------------------------------

REVIEW_FIELDS = [
    "report",
    "verifiable",
    "relevance",
    "potential_impact",
    "completion",
    "opened_government",
    "starred",
    "notes",
]


def review_check(
    *,
    relevance: Sequence[str] = (),
    potential_impact: str = "",
    completion: str = "",
    opened_government: str = "",
) -> list[str]:
    """The review's values must be those of OGP's scales (shared by the service and the
    admin). Returns the relevance without repetitions."""
    relevance = list(dict.fromkeys(relevance))
    unknown = [v for v in relevance if v not in OgpValue.values]
    if unknown:
        raise DomainError(
            _("Valor de gobierno abierto desconocido: %(values)s.")
            % {"values": ", ".join(str(v) for v in unknown)}
        )
    for value, choices, label in (
        (potential_impact, PotentialImpact.values, _("impacto potencial")),
        (completion, Completion.values, _("cumplimiento")),
        (opened_government, OpenedGovernment.values, _("¿contribuyó a abrir el gobierno?")),
    ):
        if value and value not in choices:
            raise DomainError(
                _("Valor no válido para %(label)s: %(value)s.") % {"label": label, "value": value}
            )
    return relevance


@transaction.atomic
def review_record(
    *,
    actor: User | None,
    commitment: Commitment,
    report: str = "",
    verifiable: bool | None = None,
    relevance: Sequence[str] = (),
    potential_impact: str = "",
    completion: str = "",
    opened_government: str = "",
    notes: str = "",
    system: bool = False,
) -> IndependentReview:
    """Records the independent review; ``starred`` is computed by the OGP rule."""
    if not system:
        _require_rector(actor)
    relevance = review_check(
        relevance=relevance,
        potential_impact=potential_impact,
        completion=completion,
        opened_government=opened_government,
    )
    starred = starred_by_ogp_rule(
        verifiable=verifiable,
        relevance=relevance,
        potential_impact=potential_impact,
        completion=completion,
    )
    review = IndependentReview.objects.filter(commitment=commitment).first()
    before = snapshot(review, REVIEW_FIELDS) if review else None
    review = review or IndependentReview(commitment=commitment)
    review.report = report
    review.verifiable = verifiable
    review.relevance = relevance
    review.potential_impact = potential_impact
    review.completion = completion
    review.opened_government = opened_government
    review.starred = starred
    review.notes = notes
    after = snapshot(review, REVIEW_FIELDS)
    if before != after:
        review.save()
        audit_record(
            actor=actor,
            verb="revision_independiente.registrada",
            instance=review,
            before=before,
            after=after,
        )
    return review
