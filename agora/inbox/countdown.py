"""The countdown to a response deadline, in words, in America/Lima: "vence en 2 h 10 min",
"vence mañana 09:30", "vence el 14/03 09:30", "venció hace 3 h". Rendered on the server
(list rows and the conversation); agora/static/agora/inbox-countdown.js refreshes the same
words every minute when JavaScript runs."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def _span(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)s h") % {"h": hours}
    return _("%(m)s min") % {"m": rest}


def countdown_text(due_at: datetime, now: datetime) -> str:
    """The words for ``due_at`` seen at ``now``."""
    delta = due_at - now
    if delta >= timedelta(0):
        minutes = int(delta.total_seconds() // 60)
        if minutes < 1:
            return _("vence en menos de 1 min")
        due_local = timezone.localtime(due_at)
        today = timezone.localtime(now).date()
        clock = f"{due_local.hour:02d}:{due_local.minute:02d}"
        if due_local.date() == today or minutes < 60:
            return _("vence en %(time)s") % {"time": _span(minutes)}
        if due_local.date() == today + timedelta(days=1):
            return _("vence mañana %(clock)s") % {"clock": clock}
        return _("vence el %(day)s %(clock)s") % {
            "day": f"{due_local.day:02d}/{due_local.month:02d}",
            "clock": clock,
        }
    minutes = int(-delta.total_seconds() // 60)
    if minutes < 1:
        return _("venció hace menos de 1 min")
    if minutes < 60:
        return _("venció hace %(time)s") % {"time": _span(minutes)}
    hours = minutes // 60
    if hours < 48:
        return ngettext("venció hace %(n)s h", "venció hace %(n)s h", hours) % {"n": hours}
    days = hours // 24
    return ngettext("venció hace %(n)s día", "venció hace %(n)s días", days) % {"n": days}


def countdown_html(due_at: datetime | None, now: datetime) -> SafeString:
    """``<time class="countdown" datetime=…>vence en 2 h</time>`` (the script reads the
    ``datetime`` attribute); empty without a due time."""
    if due_at is None:
        return mark_safe("")
    local = timezone.localtime(due_at)
    state = "countdown-overdue" if due_at < now else "countdown-pending"
    return mark_safe(  # noqa: S308 - the text is escaped, the rest is fixed
        f'<time class="countdown {state}" datetime="{local.isoformat()}" '
        f'title="{local.day}/{local.month:02d}/{local.year} {local.hour:02d}:{local.minute:02d}">'
        f"{escape(countdown_text(due_at, now))}</time>"
    )
