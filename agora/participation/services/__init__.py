"""Every write of the participation app, one module per noun: forums and seats (``forums``),
admission requests (``admissions``), memberships and representatives (``memberships``),
sessions and minutes (``sessions``), agreements (``agreements``), consultations and comments
(``consultations``), citizens (``citizens``) and subscriptions to opportunities
(``subscriptions``).

Each function validates first and raises ``DomainError`` with a Spanish message, so bad input
writes nothing; each write is atomic and audited. Every public name is re-exported here, so
``from agora.participation import services; services.forum_save(...)`` keeps working; patch a
name in the module that owns it (``services.consultations._moderation_flags``)."""

from __future__ import annotations

from agora.participation.services._common import TOKEN_MAX_AGE
from agora.participation.services.admissions import (
    DOCUMENT_TYPES,
    MAX_DOCUMENT_BYTES,
    admission_decide,
    admission_request_submit,
)
from agora.participation.services.agreements import (
    AGREEMENT_EDIT_FIELDS,
    AgreementDraft,
    agreement_create,
    agreement_edit,
    agreement_update,
    agreements_overdue_remind,
    entity_by_code,
)
from agora.participation.services.citizens import (
    VERIFY_SALT,
    citizen_register,
    citizen_verification_next,
    citizen_verification_send,
    citizen_verify,
    citizen_verify_first,
)
from agora.participation.services.consultations import (
    COMMENT_RATE_LIMIT,
    COMMENT_RATE_WINDOW,
    HELD_FLAGS,
    MAX_COMMENT_CHARS,
    MIN_COMMENT_CHARS,
    author_label,
    comment_answer,
    comment_moderate,
    comment_submit,
    consultation_comments_changed,
    consultation_create,
    consultation_publish,
    consultation_version_publish,
)
from agora.participation.services.forums import (
    FORUM_FIELDS,
    LoadResult,
    forum_save,
    forums_load,
    seat_rule_set,
)
from agora.participation.services.memberships import (
    membership_add,
    membership_end,
    representative_end,
    representative_set,
    term_reminders_send,
    user_by_login,
)
from agora.participation.services.sessions import (
    attendance_record,
    convocations_send,
    minutes_approve,
    minutes_publish,
    minutes_save,
    quorum_for,
    session_cancel,
    session_close,
    session_convoke,
    session_quorum,
    session_schedule,
)
from agora.participation.services.subscriptions import (
    SUBSCRIBE_SALT,
    opportunities_announce,
    subscription_cancel,
    subscription_confirm,
    subscription_request,
    unsubscribe_url,
)

__all__ = [
    "AGREEMENT_EDIT_FIELDS",
    "COMMENT_RATE_LIMIT",
    "COMMENT_RATE_WINDOW",
    "DOCUMENT_TYPES",
    "FORUM_FIELDS",
    "HELD_FLAGS",
    "MAX_COMMENT_CHARS",
    "MAX_DOCUMENT_BYTES",
    "MIN_COMMENT_CHARS",
    "SUBSCRIBE_SALT",
    "TOKEN_MAX_AGE",
    "VERIFY_SALT",
    "AgreementDraft",
    "LoadResult",
    "admission_decide",
    "admission_request_submit",
    "agreement_create",
    "agreement_edit",
    "agreement_update",
    "agreements_overdue_remind",
    "attendance_record",
    "author_label",
    "citizen_register",
    "citizen_verification_next",
    "citizen_verification_send",
    "citizen_verify",
    "citizen_verify_first",
    "comment_answer",
    "comment_moderate",
    "comment_submit",
    "consultation_comments_changed",
    "consultation_create",
    "consultation_publish",
    "consultation_version_publish",
    "convocations_send",
    "entity_by_code",
    "forum_save",
    "forums_load",
    "membership_add",
    "membership_end",
    "minutes_approve",
    "minutes_publish",
    "minutes_save",
    "opportunities_announce",
    "quorum_for",
    "representative_end",
    "representative_set",
    "seat_rule_set",
    "session_cancel",
    "session_close",
    "session_convoke",
    "session_quorum",
    "session_schedule",
    "subscription_cancel",
    "subscription_confirm",
    "subscription_request",
    "term_reminders_send",
    "unsubscribe_url",
    "user_by_login",
]
