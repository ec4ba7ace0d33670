"""Allies (seed 003: identify engaged users): for one entity and period, the citizens whose
messages to it were most often constructive. Managers and the rector office only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.utils.translation import gettext_lazy

from agora.core.errors import PermissionDeniedError
from agora.core.models import User
from agora.directory.models import Entity
from agora.inbox.models import Direction, Message
from agora.language import permissions
from agora.language.taxonomy import Flag, Kind

LIMA = ZoneInfo("America/Lima")
CONSTRUCTIVE_KINDS: frozenset[str] = frozenset({Kind.SUGERENCIA, Kind.FELICITACION, Kind.CONSULTA})
# A suggestion that insults, a question that is spam or praise with a threat is not constructive.
DISQUALIFYING_FLAGS: frozenset[str] = frozenset({Flag.INSULTO, Flag.SPAM, Flag.AMENAZA})
LIMIT = 50
DENIED = gettext_lazy(
    "Solo el responsable de comunicaciones de la entidad y el ente rector ven sus aliados."
)


@dataclass(frozen=True)
class Ally:
    author_id: str
    author_name: str
    constructive: int
    total: int
    suggestions: int
    praise: int
    questions: int
    is_demo: bool

    @property
    def share(self) -> float:
        return self.constructive / self.total if self.total else 0.0

    @property
    def percent(self) -> int:
        return round(self.share * 100)


def is_constructive(kind: str, flags: list[str] | None) -> bool:
    return kind in CONSTRUCTIVE_KINDS and DISQUALIFYING_FLAGS.isdisjoint(flags or [])


def allies_entities(*, user: User) -> list[Entity]:
    """The entities whose allies this person may see: all for the rector office, those they
    manage for managers, none for communicators."""
    return list(permissions.allies_entities(user))


def allies_for(*, user: User, entity: Entity, start: date, end: date) -> list[Ally]:
    """Citizens with at least one constructive message to ``entity`` between two Lima dates
    (inclusive), most constructive messages first, then the highest share."""
    if not permissions.may_see_allies(user, entity):
        raise PermissionDeniedError(str(DENIED))
    since = datetime.combine(start, datetime.min.time(), LIMA)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), LIMA)
    # Grouped in the database by author, kind and flags: a few rows per citizen.
    rows = (
        Message.objects.filter(
            entity=entity,
            direction=Direction.ENTRANTE,
            sent_at__gte=since,
            sent_at__lt=until,
        )
        .exclude(author_id="")
        .values("author_id", "author_name", "kind", "flags", "is_demo")
        .annotate(n=Count("id"))
        .order_by()
    )
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    names: dict[str, str] = {}
    demo: dict[str, bool] = {}
    for row in rows:
        author = row["author_id"]
        counts = totals[author]
        counts["total"] += row["n"]
        if is_constructive(row["kind"], row["flags"]):
            counts["constructive"] += row["n"]
            counts[row["kind"]] += row["n"]
        if row["author_name"]:
            names[author] = row["author_name"]
        demo[author] = demo.get(author, False) or row["is_demo"]
    allies = [
        Ally(
            author_id=author,
            author_name=names.get(author, ""),
            constructive=counts["constructive"],
            total=counts["total"],
            suggestions=counts[Kind.SUGERENCIA],
            praise=counts[Kind.FELICITACION],
            questions=counts[Kind.CONSULTA],
            is_demo=demo[author],
        )
        for author, counts in totals.items()
        if counts["constructive"]
    ]
    allies.sort(key=lambda a: (-a.constructive, -a.share, a.author_name.lower(), a.author_id))
    return allies[:LIMIT]
