"""Moderation of citizens' messages by entity policy, threat alerts and crisis detection.

Seed 003 asks for filters against insults and spam, a crisis manual, and watching for threats;
the review of seed 000 found no policy for aggressive comments. Rules kept here:

- insults and spam are hidden from the inbox's default view (never deleted) when the entity's
  policy says so, and hidden on the platform too where the policy asks and the platform allows
  it (Facebook and Instagram comments, through a queued task with retries);
- a person who shows a message again wins: automatic moderation does not hide it again;
- a threat is never hidden: it raises one ``ThreatAlert`` (replays and reclassification add
  none), told at once to the entity's managers and the rector office, in the app and by e-mail;
- every hide and show is a ``ModerationAction`` with who (or the system and the model version),
  when and why;
- the crisis banner appears when insults or threats to an entity in the last hour reach several
  times its usual hourly rate.

The language module calls ``messages_moderate`` after it classifies or a person corrects;
this module never imports the language module.

The package, by part: ``flags`` (the flags, a conversation's kind and flags), ``policy`` (each
entity's policy, who manages it), ``actions`` (building and reading ``ModerationAction``),
``automatic`` (``messages_moderate``), ``manual`` (a person hides or shows), ``platform`` (the
queued task that hides on the social network), ``threats`` (alerts), ``header`` (the inbox
list's header) and ``crisis`` (the banner and its checklist). Everything is re-exported here:
callers use ``agora.inbox.moderation.<name>``, and so do queued tasks
(``agora.inbox.moderation.platform_action_run``).
"""

from __future__ import annotations

from agora.inbox.moderation.actions import (
    REASON_MAX,
    _action,
    _last_inbox_actions,
    _platform_hidden,
    moderation_history,
)
from agora.inbox.moderation.automatic import (
    messages_moderate,
)
from agora.inbox.moderation.crisis import (
    CHECKLIST_ITEM_MAX,
    CHECKLIST_MAX_ITEMS,
    DEFAULT_CHECKLIST,
    Crisis,
    _crisis_count,
    crises_for,
    crisis_checklist_get,
    crisis_checklist_update,
)
from agora.inbox.moderation.flags import (
    CHUNK,
    CRISIS_FLAGS,
    HIDDEN_FLAG,
    INSULT,
    SPAM,
    THREAT,
    _flag_match,
    _flag_names,
    conversations_flags_refresh,
)
from agora.inbox.moderation.header import (
    HeaderSummary,
    _count_subquery,
    _header_summary,
    header_summary,
)
from agora.inbox.moderation.manual import (
    _after_manual,
    _clean_reason,
    _require_access,
    message_hide,
    message_show,
)
from agora.inbox.moderation.platform import (
    BACKOFF_SECONDS,
    MAX_PLATFORM_ATTEMPTS,
    _enqueue_many,
    _platform_result,
    enqueue_platform_action,
    hider_for,
    platform_action_run,
    platform_actions_run,
)
from agora.inbox.moderation.policy import (
    _hide_reason_flag,
    managed_entities,
    moderation_policy_check,
    moderation_policy_delete,
    moderation_policy_update,
    platform_allows,
    policies_for,
    policy_default,
    user_manages,
)
from agora.inbox.moderation.threats import (
    _alert_recipients,
    open_alerts_count,
    threat_alert_attend,
    threat_alert_dismiss,
    threat_alert_get,
    threat_alerts_for,
    threat_alerts_raise,
)

__all__ = [
    "BACKOFF_SECONDS",
    "CHECKLIST_ITEM_MAX",
    "CHECKLIST_MAX_ITEMS",
    "CHUNK",
    "CRISIS_FLAGS",
    "DEFAULT_CHECKLIST",
    "HIDDEN_FLAG",
    "INSULT",
    "MAX_PLATFORM_ATTEMPTS",
    "REASON_MAX",
    "SPAM",
    "THREAT",
    "Crisis",
    "HeaderSummary",
    "_action",
    "_after_manual",
    "_alert_recipients",
    "_clean_reason",
    "_count_subquery",
    "_crisis_count",
    "_enqueue_many",
    "_flag_match",
    "_flag_names",
    "_header_summary",
    "_hide_reason_flag",
    "_last_inbox_actions",
    "_platform_hidden",
    "_platform_result",
    "_require_access",
    "conversations_flags_refresh",
    "crises_for",
    "crisis_checklist_get",
    "crisis_checklist_update",
    "enqueue_platform_action",
    "header_summary",
    "hider_for",
    "managed_entities",
    "message_hide",
    "message_show",
    "messages_moderate",
    "moderation_history",
    "moderation_policy_check",
    "moderation_policy_delete",
    "moderation_policy_update",
    "open_alerts_count",
    "platform_action_run",
    "platform_actions_run",
    "platform_allows",
    "policies_for",
    "policy_default",
    "threat_alert_attend",
    "threat_alert_dismiss",
    "threat_alert_get",
    "threat_alerts_for",
    "threat_alerts_raise",
    "user_manages",
]
