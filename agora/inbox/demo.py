"""Demo conversations for the inbox: citizens writing to the demo accounts of the directory.

Everything is marked ``is_demo`` and goes through :func:`messages_ingest`, the same path as
the webhooks and the file import. The set is deterministic (``random.Random`` seeded per
entity) and idempotent: message ids are derived from the seed, the entity and the indexes, so
running it again adds nothing.

Citizens are obviously fictitious ("Ciudadana Demo 12", author id ``demo-ciudadano-0012``).
The few messages that carry personal data — material for the language module's filter — use
numbers nobody has: DNI 12345678, 87654321 or 00000000 and phones 999 999 999, 900 000 000
or 987 654 321 (:data:`FAKE_DNIS`, :data:`FAKE_PHONES`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from agora.directory.models import AccountStatus, Entity, Level, Platform, SocialAccount
from agora.inbox.deadlines import Deadlines, deadlines_for_many
from agora.inbox.models import ThreadKind
from agora.inbox.services import IncomingMessage, IncomingPost, messages_ingest, posts_store

DAYS = 45
BATCH = 2000
FAKE_DNIS = ("12345678", "87654321", "00000000")
FAKE_PHONES = ("999 999 999", "900 000 000", "987 654 321")

# Preferred entities, in this order, when they have verified demo accounts.
PREFERRED_NATIONAL = [
    "minsa",
    "reniec",
    "minedu",
    "midis",
    "pronabec",
    "essalud",
    "mtc",
    "mininter",
    "sunat",
    "mimp",
    "mvcs",
    "indeci",
    "migraciones",
    "sis",
    "mtpe",
    "pcm",
    "midagri",
    "senamhi",
]
PREFERRED_REGIONAL = ["gr-15", "gr-04", "gr-08", "gr-13", "gr-20", "gr-12", "gr-16", "gr-21"]

SECTOR_OF = {
    "minsa": "salud",
    "essalud": "salud",
    "sis": "salud",
    "ins": "salud",
    "inen": "salud",
    "susalud": "salud",
    "minedu": "educacion",
    "pronabec": "educacion",
    "sunedu": "educacion",
    "sineace": "educacion",
    "reniec": "identidad",
    "migraciones": "identidad",
    "sunarp": "identidad",
    "midis": "social",
    "mimp": "social",
    "mtpe": "trabajo",
    "sunafil": "trabajo",
    "servir": "trabajo",
    "mtc": "transporte",
    "ositran": "transporte",
    "anin": "transporte",
    "mininter": "seguridad",
    "mindef": "seguridad",
    "inpe": "seguridad",
    "sunat": "tributos",
    "mef": "tributos",
    "mvcs": "vivienda",
    "sunass": "vivienda",
    "indeci": "emergencias",
    "senamhi": "emergencias",
    "igp": "emergencias",
    "cenepred": "emergencias",
    "midagri": "agro",
    "senasa": "agro",
    "agro-rural": "agro",
    "ana": "agro",
}


@dataclass(frozen=True)
class Topics:
    """What citizens write to one kind of entity, and how it answers."""

    posts: Sequence[str]
    consultas: Sequence[tuple[str, str]]  # (question, the entity's answer)
    quejas: Sequence[str]
    denuncias: Sequence[str]
    sugerencias: Sequence[str]


# What citizens write and entities answer lives in data files next to this module
# (demo_data/topics.json: per sector; demo_data/phrases.json: the rest), shipped with the
# package: editing the demo's wording needs no code change.
DATA_DIR = Path(__file__).resolve().parent / "demo_data"


def _data(name: str) -> Any:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def _topics(data: dict[str, dict[str, list[Any]]]) -> dict[str, Topics]:
    return {
        sector: Topics(
            posts=list(topics["posts"]),
            consultas=[(question, answer) for question, answer in topics["consultas"]],
            quejas=list(topics["quejas"]),
            denuncias=list(topics["denuncias"]),
            sugerencias=list(topics["sugerencias"]),
        )
        for sector, topics in data.items()
    }


TOPICS: dict[str, Topics] = _topics(_data("topics.json"))
_PHRASES: dict[str, Any] = _data("phrases.json")
PRAISE: list[str] = _PHRASES["praise"]
PRAISE_ANSWERS: list[str] = _PHRASES["praise_answers"]
INSULTS: list[str] = _PHRASES["insults"]
SPAM: list[str] = _PHRASES["spam"]
THREATS: list[str] = _PHRASES["threats"]
PERSONAL_DATA: list[str] = _PHRASES["personal_data"]
PERSONAL_DATA_ANSWER: str = _PHRASES["personal_data_answer"]
ANSWERS_QUEJA: list[str] = _PHRASES["answers_queja"]
ANSWERS_DENUNCIA: list[str] = _PHRASES["answers_denuncia"]
ANSWERS_SUGERENCIA: list[str] = _PHRASES["answers_sugerencia"]
FOLLOW_UPS: list[str] = _PHRASES["follow_ups"]
THANKS: list[str] = _PHRASES["thanks"]
AGREEMENTS: list[str] = _PHRASES["agreements"]
CLOSINGS: tuple[str, ...] = tuple(_PHRASES["closings"])

# Kinds of first message, with weights: more questions and complaints than the rest.
KINDS = [
    ("consulta", 34),
    ("queja", 20),
    ("denuncia", 10),
    ("sugerencia", 7),
    ("felicitacion", 8),
    ("insulto", 7),
    ("spam", 5),
    ("amenaza", 2),
    ("datos_personales", 7),
]


def _sector(entity: Entity) -> str:
    if entity.level == Level.REGIONAL:
        return "regional"
    if entity.level == Level.LOCAL:
        return "municipal"
    return SECTOR_OF.get(entity.code, "general")


def _place(entity: Entity) -> str:
    if entity.level == Level.LOCAL and entity.province:
        return entity.province.title() if entity.province.isupper() else entity.province
    if entity.department:
        return entity.department.title() if entity.department.isupper() else entity.department
    return "Lima"


def demo_conversation_entities(limit: int) -> list[tuple[Entity, list[SocialAccount]]]:
    """Entities with verified demo accounts: ministries and national bodies first (a
    preferred list), then regional governments and municipalities, about 45/25/30 %."""
    accounts = (
        SocialAccount.objects.filter(is_demo=True, status=AccountStatus.VERIFICADA)
        .select_related("entity")
        .order_by("entity__code", "platform", "pk")
    )
    by_entity: dict[int, list[SocialAccount]] = {}
    entities: dict[int, Entity] = {}
    for account in accounts:
        by_entity.setdefault(account.entity_id, []).append(account)
        entities[account.entity_id] = account.entity

    def ordered(level: str, preferred: Sequence[str]) -> list[Entity]:
        group = [e for e in entities.values() if e.level == level]
        rank = {code: i for i, code in enumerate(preferred)}
        return sorted(group, key=lambda e: (rank.get(e.code, len(rank)), e.code))

    national = ordered(Level.NACIONAL, PREFERRED_NATIONAL)
    regional = ordered(Level.REGIONAL, PREFERRED_REGIONAL)
    local = sorted(
        (e for e in entities.values() if e.level == Level.LOCAL),
        key=lambda e: (not e.code.startswith("mp-"), e.code),
    )
    quotas = [round(limit * 0.45), round(limit * 0.25)]
    quotas.append(max(0, limit - sum(quotas)))
    groups = [national, regional, local]
    chosen: list[Entity] = []
    for group, quota in zip(groups, quotas, strict=True):
        chosen.extend(group[:quota])
    for group in groups:  # a group short of entities: the others fill in
        for entity in group:
            if len(chosen) >= limit:
                break
            if entity not in chosen:
                chosen.append(entity)
    return [(entity, by_entity[entity.pk]) for entity in chosen[:limit]]


# Share of the conversations that are recent (the last working days, still open) and how
# their response deadlines are spread: (share, earliest, latest due time from now).
RECENT_SHARE = 0.14
DUE_SPREAD = (
    (0.25, timedelta(hours=-30), timedelta(minutes=-10)),  # overdue
    (0.3, timedelta(minutes=10), timedelta(hours=2)),  # due within two hours
    (0.25, timedelta(hours=2), timedelta(hours=9)),  # later today
    (0.2, timedelta(hours=9), timedelta(days=3)),  # tomorrow or later
)
# Old conversations: answered in time, late, or never (a minority).
OLD_ANSWERED_LATE = 0.1
OLD_UNANSWERED = 0.05
OLDEST = timedelta(days=DAYS)
OLD_FROM = timedelta(days=7)
# A handful of posts per account, by age: a comment hangs on the newest one before it.
POST_AGES = (
    timedelta(hours=20),
    timedelta(days=4),
    timedelta(days=9),
    timedelta(days=16),
    timedelta(days=25),
    timedelta(days=35),
    OLDEST + timedelta(days=1),
)


class _Writer:
    """Builds the events of one entity's conversations.

    Every random draw of the main generator happens whatever the clock says, so that the
    same seed always gives the same message ids (the demo is idempotent); times that depend
    on the entity's working calendar (due times) are drawn from a second generator."""

    def __init__(
        self,
        *,
        entity: Entity,
        seed: int,
        now: datetime,
        rng: random.Random,
        deadlines: Deadlines,
    ) -> None:
        self.entity = entity
        self.seed = seed
        self.now = now
        self.rng = rng
        self.deadlines = deadlines
        self.topics = TOPICS[_sector(entity)]
        self.place = _place(entity)
        self.short = entity.acronym or entity.name
        self.events: list[IncomingMessage] = []
        self.posts: dict[str, IncomingPost] = {}

    def fill(self, template: str) -> str:
        return template.format(
            lugar=self.place,
            entidad=self.short,
            dni=self.rng.choice(FAKE_DNIS),
            phone=self.rng.choice(FAKE_PHONES),
        )

    def citizen(self) -> tuple[str, str]:
        number = self.rng.randrange(1, 2000)
        noun = "Ciudadana" if number % 2 else "Ciudadano"
        return f"demo-ciudadano-{number:04d}", f"{noun} Demo {number}"

    def first_message(self, kind: str) -> tuple[str, str]:
        """(citizen text, the entity's answer or "" when there is none to give)."""
        rng, topics = self.rng, self.topics
        if kind == "consulta":
            question, answer = rng.choice(list(topics.consultas))
            return self.fill(question), self.fill(answer)
        if kind == "queja":
            return self.fill(rng.choice(list(topics.quejas))), rng.choice(ANSWERS_QUEJA)
        if kind == "denuncia":
            return self.fill(rng.choice(list(topics.denuncias))), rng.choice(ANSWERS_DENUNCIA)
        if kind == "sugerencia":
            return self.fill(rng.choice(list(topics.sugerencias))), rng.choice(ANSWERS_SUGERENCIA)
        if kind == "felicitacion":
            return self.fill(rng.choice(PRAISE)), rng.choice(PRAISE_ANSWERS)
        if kind == "insulto":
            return rng.choice(INSULTS), ""
        if kind == "spam":
            return rng.choice(SPAM), ""
        if kind == "amenaza":
            return rng.choice(THREATS), rng.choice(ANSWERS_QUEJA)
        return self.fill(rng.choice(PERSONAL_DATA)), PERSONAL_DATA_ANSWER

    def kind(self) -> str:
        names = [name for name, _weight in KINDS]
        weights = [weight for _name, weight in KINDS]
        return self.rng.choices(names, weights)[0]

    def add(
        self,
        account: SocialAccount,
        thread_kind: str,
        thread_id: str,
        message_id: str,
        at: datetime,
        text: str,
        *,
        author: tuple[str, str] | None,
        parent_id: str = "",
        post_id: str = "",
    ) -> None:
        if author is None:  # the entity itself, on its own account
            author = (account.platform_id, self.entity.name[:200])
        self.events.append(
            IncomingMessage(
                platform=account.platform,
                account_id=account.pk,
                thread_kind=thread_kind,
                thread_id=thread_id,
                message_id=message_id,
                sent_at=min(at, self.now - timedelta(minutes=1)),
                text=text,
                author_id=author[0],
                author_name=author[1],
                parent_id=parent_id,
                post_id=post_id,
            )
        )

    def timing(self, index: int) -> tuple[datetime, str, float, float]:
        """(when the citizen wrote, "reciente" / "a_tiempo" / "tarde" / "sin_respuesta", and
        two draws for the answer's and the follow-ups' times)."""
        roll, age_draw, answer_draw, extra_draw = (self.rng.random() for _ in range(4))
        # Times that depend on the calendar: their own generator, seeded by the slot.
        local = random.Random(f"{self.seed}:{self.entity.code}:{index}:tiempo")
        if roll < RECENT_SHARE:
            share, bucket = age_draw, 0
            while bucket < len(DUE_SPREAD) - 1 and share >= DUE_SPREAD[bucket][0]:
                share -= DUE_SPREAD[bucket][0]
                bucket += 1
            _weight, earliest, latest = DUE_SPREAD[bucket]
            target_low, target_high = self.now + earliest, self.now + latest
            best = self.now - timedelta(minutes=30)
            for _try in range(40):
                sent = self.now - timedelta(minutes=local.randrange(5, 4 * 24 * 60))
                due = self.deadlines.first_due(sent)
                if target_low <= due <= target_high:
                    best = sent
                    break
                if due > self.now and best == self.now - timedelta(minutes=30):
                    best = sent
            return best, "reciente", answer_draw, extra_draw
        span = (OLDEST - OLD_FROM).total_seconds()
        sent = self.now - OLD_FROM - timedelta(seconds=age_draw * span)
        outcome = "a_tiempo"
        if answer_draw < OLD_UNANSWERED:
            outcome = "sin_respuesta"
        elif answer_draw < OLD_UNANSWERED + OLD_ANSWERED_LATE:
            outcome = "tarde"
        return sent, outcome, local.random(), extra_draw

    def answer_time(self, sent: datetime, outcome: str, draw: float, *, first: bool) -> datetime:
        due = self.deadlines.first_due(sent) if first else self.deadlines.next_due(sent)
        if outcome == "tarde":
            return due + timedelta(minutes=30 + int(draw * 60 * 30))
        return sent + (due - sent) * (0.1 + 0.8 * draw)

    def post_for(self, account: SocialAccount, sent: datetime) -> str:
        """The entity's post a comment written at ``sent`` hangs on: the newest of a handful
        of posts per account that was already published."""
        for slot, age in enumerate(POST_AGES):
            posted = self.now - age
            if slot < len(POST_AGES) - 1 and posted >= sent:
                continue
            post_id = f"demo{self.seed}.{self.entity.code}.{account.platform}.p{slot}"
            if post_id not in self.posts:
                local = random.Random(post_id)
                self.posts[post_id] = IncomingPost(
                    platform=account.platform,
                    account_id=account.pk,
                    post_id=post_id,
                    text=self.fill(local.choice(list(self.topics.posts))),
                    posted_at=min(posted, sent - timedelta(minutes=5)),
                )
            return post_id
        raise AssertionError("unreachable")  # pragma: no cover

    def conversation(self, index: int, account: SocialAccount) -> None:
        thread_kind = self.thread_kind(account)
        base = f"demo{self.seed}.{self.entity.code}.{index:04d}"
        author = self.citizen()
        kind = self.kind()
        if kind == "spam" and thread_kind == ThreadKind.MENTION:
            kind = "queja"
        text, answer = self.first_message(kind)
        if thread_kind == ThreadKind.MENTION:
            text = f"@{account.handle} {text}"
        sent, outcome, answer_draw, extra_draw = self.timing(index)
        if not answer:
            outcome = "reciente" if outcome == "reciente" else "sin_respuesta"
        # Drawn always (idempotency), used when they apply.
        seconded = kind in ("queja", "consulta") and self.rng.random() < 0.25
        second_author, second_text = self.citizen(), self.rng.choice(AGREEMENTS)
        remind = self.rng.random() < 0.3
        reminder_text = self.rng.choice(FOLLOW_UPS)
        thanks = self.rng.random() < 0.3
        thanks_text = self.rng.choice(THANKS)
        closing = self.rng.choice(CLOSINGS)

        first_id = f"{base}.m1" if thread_kind != ThreadKind.COMMENTS else f"{base}.c1"
        post_id = self.post_for(account, sent) if thread_kind == ThreadKind.COMMENTS else ""
        thread_id = base if thread_kind == ThreadKind.DIRECT else first_id
        self.add(
            account, thread_kind, thread_id, first_id, sent, text, author=author, post_id=post_id
        )
        if outcome == "reciente":
            if remind and thread_kind == ThreadKind.DIRECT:
                later = sent + (self.now - sent) * 0.5
                self.add(
                    account,
                    thread_kind,
                    thread_id,
                    f"{base}.m2",
                    later,
                    reminder_text,
                    author=author,
                )
            return
        answered_at = self.answer_time(sent, outcome, answer_draw, first=True)
        if seconded and thread_kind == ThreadKind.COMMENTS:
            # Another citizen seconds the comment before the answer (the answer covers it).
            at = sent + (answered_at - sent) * 0.4
            self.add(
                account,
                thread_kind,
                thread_id,
                f"{base}.a1",
                at,
                second_text,
                author=second_author,
                parent_id=first_id,
                post_id=post_id,
            )
        if outcome == "sin_respuesta":
            return
        answer_id = f"{base}.r1"
        self.add(
            account,
            thread_kind,
            thread_id,
            answer_id,
            answered_at,
            answer,
            author=None,
            parent_id=first_id,
            post_id=post_id,
        )
        if thanks:
            # The citizen thanks (a reply to the answer) and the entity closes the thread.
            thanked_at = answered_at + timedelta(minutes=5 + int(extra_draw * 600))
            self.add(
                account,
                thread_kind,
                thread_id,
                f"{base}.m3",
                thanked_at,
                thanks_text,
                author=author,
                parent_id=answer_id,
                post_id=post_id,
            )
            closed_at = self.answer_time(thanked_at, "a_tiempo", extra_draw, first=False)
            self.add(
                account,
                thread_kind,
                thread_id,
                f"{base}.r2",
                closed_at,
                closing,
                author=None,
                parent_id=f"{base}.m3",
                post_id=post_id,
            )

    def thread_kind(self, account: SocialAccount) -> str:
        roll = self.rng.random()
        if account.platform in (Platform.FACEBOOK, Platform.INSTAGRAM):
            return ThreadKind.COMMENTS if roll < 0.6 else ThreadKind.DIRECT
        if account.platform == Platform.X:
            return ThreadKind.MENTION if roll < 0.6 else ThreadKind.DIRECT
        return ThreadKind.COMMENTS


def conversations_create_demo(
    *,
    entity_limit: int = 25,
    per_entity: int = 40,
    seed: int = 2026,
    now: datetime | None = None,
) -> int:
    """Creates ``per_entity`` demo conversations on the verified demo accounts of up to
    ``entity_limit`` entities; returns how many messages were new (0 when run again)."""
    now = now or timezone.now()
    events: list[IncomingMessage] = []
    posts: list[IncomingPost] = []
    chosen = demo_conversation_entities(entity_limit)
    deadlines = deadlines_for_many([entity.pk for entity, _accounts in chosen])
    for entity, accounts in chosen:
        rng = random.Random(f"{seed}:{entity.code}")
        writer = _Writer(entity=entity, seed=seed, now=now, rng=rng, deadlines=deadlines[entity.pk])
        for index in range(per_entity):
            writer.conversation(index, accounts[index % len(accounts)])
        events.extend(writer.events)
        posts.extend(writer.posts.values())
    created = 0
    posts_store(posts=posts, is_demo=True)
    for start in range(0, len(events), BATCH):
        result = messages_ingest(batch=events[start : start + BATCH], is_demo=True, now=now)
        created += result.created
    return created
