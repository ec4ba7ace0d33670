"""In-app notifications and their e-mail copy: the one way services tell people things."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from agora.core.models import Notification, User

log = logging.getLogger(__name__)


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Marks the person's own unread notifications (all, or ``ids``) as read."""
    mine = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        mine = mine.filter(pk__in=list(ids))
    return mine.update(read_at=timezone.now())


def notify(
    *,
    users: Iterable[User],
    kind: str,
    text: str,
    url: str = "",
    dedupe_key: str = "",
    email: bool = True,
) -> list[Notification]:
    """Creates one notification per person (once per ``dedupe_key``) and e-mails it after
    the transaction commits."""
    created: list[Notification] = []
    for user in {u.pk: u for u in users if u is not None and u.is_active}.values():
        if dedupe_key and Notification.objects.filter(user=user, dedupe_key=dedupe_key).exists():
            continue
        created.append(
            Notification.objects.create(
                user=user, kind=kind, text=text, url=url, dedupe_key=dedupe_key
            )
        )
    if email:
        recipients = [n.user.email for n in created if n.user.email]
        if recipients:

            def send() -> None:
                body = text + (f"\n\n{settings.AGORA_BASE_URL}{url}" if url else "")
                try:
                    send_mail(
                        subject=f"[Ágora] {text[:120]}",
                        message=body,
                        from_email=None,
                        recipient_list=recipients,
                    )
                except OSError:  # the notification is in the app; the mail is a copy
                    log.exception("No se pudo enviar el correo de notificación")

            transaction.on_commit(send)
    return created
