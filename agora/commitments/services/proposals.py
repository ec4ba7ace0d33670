"""Proposals for an action plan: submission from a workshop or an entity, and the grouping
of similar ones (suggested by TF-IDF similarity, confirmed or dismissed by the secretariat)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.commitments import permissions
from agora.commitments.models import (
    ActionPlan,
    GroupStatus,
    Proposal,
    ProposalGroup,
    ProposalSource,
    Workshop,
)
from agora.commitments.services._common import _require_rector
from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.directory.models import Entity

DEFAULT_GROUP_THRESHOLD = 0.5


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
    elif not permissions.may_propose_for(actor, entity):
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
