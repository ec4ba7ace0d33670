"""The iCalendar feed of participation opportunities (open consultations, public sessions)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from agora.participation.selectors import Opportunity


def opportunities_ical(items: Sequence[Opportunity], base_url: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Ágora PCM//Oportunidades de participación//ES")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("Oportunidades de participación ciudadana"))
    cal.add("x-wr-timezone", "America/Lima")
    stamp = timezone.now()
    base = base_url.rstrip("/")
    for item in items:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        prefix = _("Consulta pública") if item.kind == "consulta" else _("Sesión pública")
        demo = " [demo]" if item.is_demo else ""
        event.add("summary", f"{prefix}: {item.title}{demo}")
        event.add("dtstart", item.starts)
        if item.ends:
            event.add("dtend", item.ends)
        event.add("url", base + item.url)
        event.add("description", base + item.url)
        if item.where:
            event.add("location", item.where)
        cal.add_component(event)
    return cal.to_ical()
