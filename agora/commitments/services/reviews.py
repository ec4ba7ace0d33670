"""The independent review of a commitment on OGP's scales (``starred`` by OGP's rule)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from agora.commitments.models import (
    Commitment,
    Completion,
    IndependentReview,
    OgpValue,
    OpenedGovernment,
    PotentialImpact,
    starred_by_ogp_rule,
)
from agora.commitments.services._common import _require_rector
from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError
from agora.core.models import User

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
