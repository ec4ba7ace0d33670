"""``{% staff_work %}``: the inbox part of the staff home ("Mi trabajo"), by role: each
entity's work queues with their counts (links to the filtered list) and the links to the
staff pages. It lives in the inbox so that the directory, which renders the home, never
imports the inbox (DESIGN.md: dependencies point one way)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from agora.core.permissions import user_is_entity_staff, user_is_rector
from agora.directory.models import Membership, MembershipRole
from agora.inbox import moderation, queues

register = template.Library()

ENTITIES_LIMIT = 20


@register.inclusion_tag("inbox/_staff_work.html", takes_context=True)
def staff_work(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user_is_entity_staff(user):
        return {"show": False}
    memberships = list(
        Membership.objects.active()
        .filter(user=user)
        .select_related("entity")
        .order_by("entity__name")[:ENTITIES_LIMIT]
    )
    counts = queues.queue_counts_by_entity(user=user, entity_ids=[m.entity_id for m in memberships])
    inbox = reverse("inbox:list")
    entities = [
        {
            "entity": m.entity,
            "is_manager": m.role == MembershipRole.GESTOR,
            "role": m.get_role_display(),
            "inbox_url": inbox + "?" + urlencode({"entidad": m.entity.code}),
            "queues": [
                {
                    "key": q.key,
                    "label": q.label,
                    "description": q.description,
                    "count": counts.get(m.entity_id, {}).get(q.key, 0),
                    "url": inbox + "?" + urlencode({"entidad": m.entity.code, "cola": q.key}),
                }
                for q in queues.QUEUES
            ],
        }
        for m in memberships
    ]
    summary = moderation.header_summary(user=user)
    return {
        "show": True,
        "request": request,
        "user": user,
        "is_rector": user_is_rector(user),
        "entities": entities,
        "manages": summary.manages,
        "open_alerts": summary.open_alerts,
    }
