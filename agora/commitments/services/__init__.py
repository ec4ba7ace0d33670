"""Every write of the commitments app, one module per noun: workshops (``workshops``),
proposals and their grouping (``proposals``), SMART scores and the selection
(``selection``), milestones and progress (``milestones``), progress reports with evidence
and their approval (``updates``), and the independent review (``reviews``).

Each function checks who asks, validates, writes atomically and audits; on bad input it
raises ``DomainError`` with a Spanish message and writes nothing. Every public name is
re-exported here, so ``from agora.commitments import services; services.milestone_add(...)``
keeps working; patch a name in the module that owns it."""

from __future__ import annotations

# Role checks live in agora.commitments.permissions; these two names stay importable from
# here, where they were before.
from agora.commitments.permissions import entities_managed_by
from agora.commitments.permissions import may_edit_milestones as milestones_editable_by
from agora.commitments.services.milestones import (
    MILESTONE_FIELDS,
    commitment_progress_refresh,
    milestone_add,
    milestone_check,
    milestone_update,
    month_parse,
)
from agora.commitments.services.proposals import (
    DEFAULT_GROUP_THRESHOLD,
    proposal_group_confirm,
    proposal_group_dismiss,
    proposal_groups_suggest,
    proposal_submit,
)
from agora.commitments.services.reviews import REVIEW_FIELDS, review_check, review_record
from agora.commitments.services.selection import (
    RankedProposal,
    proposals_rank,
    proposals_select,
    smart_score_record,
)
from agora.commitments.services.updates import (
    EVIDENCE_MIME_TYPES,
    MAX_EVIDENCE_BYTES,
    OFFICE_EXTENSIONS,
    commitment_responsible_entities,
    evidence_check,
    update_approve,
    update_post,
    update_reject,
)
from agora.commitments.services.workshops import workshop_check, workshop_record

__all__ = [
    "DEFAULT_GROUP_THRESHOLD",
    "EVIDENCE_MIME_TYPES",
    "MAX_EVIDENCE_BYTES",
    "MILESTONE_FIELDS",
    "OFFICE_EXTENSIONS",
    "REVIEW_FIELDS",
    "RankedProposal",
    "commitment_progress_refresh",
    "commitment_responsible_entities",
    "entities_managed_by",
    "evidence_check",
    "milestone_add",
    "milestone_check",
    "milestone_update",
    "milestones_editable_by",
    "month_parse",
    "proposal_group_confirm",
    "proposal_group_dismiss",
    "proposal_groups_suggest",
    "proposal_submit",
    "proposals_rank",
    "proposals_select",
    "review_check",
    "review_record",
    "smart_score_record",
    "update_approve",
    "update_post",
    "update_reject",
    "workshop_check",
    "workshop_record",
]
