"""The one way to write the audit log: every service calls ``audit_record``."""

from __future__ import annotations

from typing import Any

from django.db import models

from agora.core.models import AuditEvent, User


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """A JSON-safe picture of ``fields`` of ``instance`` for the before/after columns."""
    data: dict[str, Any] = {}
    for name in fields:
        value = getattr(instance, name)
        if isinstance(value, models.Model):
            value = value.pk
        elif value is not None and not isinstance(value, str | int | float | bool):
            value = str(value)
        data[name] = value
    return data


def audit_record(
    *,
    actor: User | None,
    verb: str,
    instance: models.Model,
    scope: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=(actor.get_username() if actor is not None and actor.pk else "sistema"),
        verb=verb,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        scope=scope,
        before=before,
        after=after,
        reason=reason,
    )
