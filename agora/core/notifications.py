"""In-app notifications and their e-mail copy: the one way services tell people things."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.mail import EmailMessage, get_connection
from django.db.models import F
from django.utils import timezone

from agora.core.models import Notification, NotificationKey, User
from agora.core.siteurl import site_url

log = logging.getLogger(__name__)


def mail_each(
    subject: str,
    body: str,
    recipients: Iterable[str],
    *,
    attachments: Iterable[tuple[str, bytes, str]] = (),
) -> list[str]:
    """Sends one message per address (nobody sees who else received it: the addresses of
    officials and citizens are personal data, Ley 29733) over one connection. Returns the
    addresses it was delivered to; an address the server refuses is logged and skipped, the
    others still get theirs."""
    files = list(attachments)
    # A subject is one line: a name typed with a line break (an organisation's, a forum's)
    # would make the mail library refuse the whole message.
    subject = " ".join(str(subject).split())[:250]
    addresses = list(dict.fromkeys(a for a in recipients if a))  # once each, in order
    if not addresses:
        return []
    delivered: list[str] = []
    try:
        connection = get_connection()
        connection.open()
    except OSError:  # the record stays in Ágora; the mail is a copy
        log.exception("No se pudo conectar al servidor de correo")
        return []
    try:
        for address in addresses:
            message = EmailMessage(subject=subject, body=body, to=[address], connection=connection)
            for name, content, mimetype in files:
                message.attach(name, content, mimetype)
            try:
                if message.send():
                    delivered.append(address)
            except OSError:  # SMTPRecipientsRefused and the like: this address only
                log.exception("No se pudo enviar el correo a un destinatario")
    finally:
        try:
            connection.close()
        except OSError:
            log.exception("No se pudo cerrar la conexión de correo")
    return delivered


def mail_each_on_commit(subject: str, body: str, recipients: Iterable[str]) -> None:
    """``mail_each`` after the current transaction commits (nothing if it rolls back),
    recorded in it so that a process dying after the commit does not lose the mail."""
    from agora.core.outbox import enqueue_on_commit

    addresses = [a for a in recipients if a]
    if addresses:
        enqueue_on_commit("agora.core.notifications.mail_each", str(subject), str(body), addresses)


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
    group_key: str | None = None,
    email: bool = True,
    email_text: str = "",
) -> list[Notification]:
    """Tells each person once per ``dedupe_key``, and e-mails it after the transaction commits.

    Repeats are grouped: a notice with the same ``group_key`` as one the person already has
    (by default its kind and link, that is, the same conversation or object) updates that row,
    its text, count and time, and marks it unread again, instead of adding a row. Each notice
    is still e-mailed (each is a new event: a second breach, another threat);
    ``email_text``, when given, replaces ``text`` in it (what may leave Ágora)."""
    group = (f"{kind}:{url}" if url else "") if group_key is None else group_key
    group = group[:400]
    now = timezone.now()
    told: list[Notification] = []
    for user in {u.pk: u for u in users if u is not None and u.is_active}.values():
        # Claimed by a unique row: of concurrent deliveries of the same event, one creates it
        # (the others wait for its commit on PostgreSQL, then find it) and only that one tells.
        if dedupe_key and not NotificationKey.objects.get_or_create(user=user, key=dedupe_key)[1]:
            continue
        existing = (
            Notification.objects.filter(user=user, group_key=group).order_by("-last_at").first()
            if group
            else None
        )
        if existing is not None:
            Notification.objects.filter(pk=existing.pk).update(
                count=F("count") + 1, text=text, last_at=now, read_at=None, kind=kind
            )
            existing.refresh_from_db()
            told.append(existing)
            continue
        created = Notification.objects.create(
            user=user,
            kind=kind,
            text=text,
            url=url,
            dedupe_key=dedupe_key,
            group_key=group,
            last_at=now,
        )
        told.append(created)
    if email:
        mailed_text = email_text or text
        body = mailed_text + ("\n\n" + site_url(url) if url else "")
        mail_each_on_commit(
            f"[Ágora] {mailed_text[:120]}", body, [n.user.email for n in told if n.user.email]
        )
    return told
