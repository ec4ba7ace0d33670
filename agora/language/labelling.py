"""Learning from the inbox: the scores each classified message keeps, the labelling queue for
staff («Ayude a mejorar la lectura»), the second reading and its agreement, the fixed test
sample of real messages and the training examples the labels become.

Decisions worth knowing:

* **How sure the model was** (``Message.certainty``, in log-odds): the smallest of the kind
  margin (log-ratio of the likeliest kind's probability to the runner-up's) and, for each
  flag the model decides, the distance between its score and its threshold. 0 is a coin toss;
  the queue offers the messages under ``QUEUE_CERTAINTY`` (odds within a factor of 1.65),
  least sure first, whatever model version read them.
* **The test sample** is fixed by the message id (``in_sample``: a multiplicative hash, one
  message in five), so it only grows, and a message is in it or not before anyone labels it.
  Its labels (and staff corrections of its messages) are never trained on. So that it
  measures ordinary traffic and not only the hard cases, the queue also offers the sample's
  messages that the model was sure about (of the last ``SAMPLE_OFFER_DAYS``), spread among
  the uncertain ones.
* **Who labels what**: the messages of the entities a person works for
  (``Entity.objects.for_staff``): rector staff label every entity's, an entity's manager and
  communicators their own entity's. The text is shown and kept masked (``mask_for_training``).
* **Second reading**: one message in five (``wants_second``, by id) gets a second label from a
  different person, who is not shown the first. Agreement (percent and Cohen's kappa) is
  measured per kind and per flag on the messages with both readings. Two readings that differ
  are contested: neither trains nor tests.
* Labels never change the message, its alerts or moderation: they are data for the next model.
  Labels of demo messages are practice: they neither train nor test.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Mod
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.directory.models import Entity
from agora.inbox.models import Direction, Message
from agora.language import masking, permissions
from agora.language import model as classifier
from agora.language.models import Correction, LabelRound, QueueLabel
from agora.language.taxonomy import FLAGS, KINDS

# The model_version of a message a person classified (services.MANUAL_VERSION).
MANUAL_VERSION = "manual"
# Messages read with less certainty than this are offered to the queue.
QUEUE_CERTAINTY = 0.5
# The test sample and the second reading: a multiplicative hash of the message id, modulo
# 1000, under the share (per mille). Computed the same way in Python and in SQL (multipliers
# under 2**22: exact in SQLite's floating MOD for ids under 2**31).
_SAMPLE_MULTIPLIER = 2_654_431
_SECOND_MULTIPLIER = 2_246_827
_SPREAD_MULTIPLIER = 3_266_489
SAMPLE_PER_MILLE = 200
SECOND_PER_MILLE = 200
# The sample's messages the model was sure about are offered from this many days back (the
# uncertain ones whatever their age): bounds the rows a queue page reads.
SAMPLE_OFFER_DAYS = 30
# The badge in the navigation counts up to this, and is remembered this long per person.
BADGE_LIMIT = 99
BADGE_SECONDS = 60
_KIND_SET = frozenset(KINDS)


# --- scores kept per message -------------------------------------------------------------------


_P_MIN = 1e-4  # scores are kept to four decimals: 0 and 1 are clipped to this


def _logit(p: float) -> float:
    p = _P_MIN if p < _P_MIN else (1 - _P_MIN if p > 1 - _P_MIN else p)
    return math.log(p / (1 - p))


def certainty_of(scores: Mapping[str, float], thresholds: Mapping[str, float]) -> float:
    """How sure a classification was, in log-odds (nats): the log-ratio of the two likeliest
    kinds or the distance between a flag's score and its threshold, whichever is smaller
    (0: a coin toss). Log-odds, because a flag's threshold may be 0.11 or 0.89: in plain
    probability every score far below a low threshold would look uncertain."""
    first = second = 0.0
    for name, value in scores.items():
        if name in _KIND_SET:
            if value > first:
                first, second = value, first
            elif value > second:
                second = value
    certainty = math.log(max(first, _P_MIN) / max(second, _P_MIN))
    for flag, threshold in thresholds.items():
        if flag in scores:
            distance = abs(_logit(scores[flag]) - _logit(threshold))
            if distance < certainty:
                certainty = distance
    return round(certainty, 4)


# --- deterministic shares by message id ---------------------------------------------------------


def in_sample(message_id: int) -> bool:
    """Whether a message belongs to the fixed test sample (one in five)."""
    return message_id * _SAMPLE_MULTIPLIER % 1000 < SAMPLE_PER_MILLE


def wants_second(message_id: int) -> bool:
    """Whether a message gets a second reading (one in five)."""
    return message_id * _SECOND_MULTIPLIER % 1000 < SECOND_PER_MILLE


def _sample_q() -> Q:
    return Q(_sample_key__lt=SAMPLE_PER_MILLE)


# --- masking --------------------------------------------------------------------------------

# The text as the queue shows it and training keeps it: agora/language/masking.py.
mask_for_training = masking.mask_for_training


# --- the queue ------------------------------------------------------------------------------


def queue_entities(user: User) -> QuerySet[Entity]:
    """The entities whose messages a person labels: all for rector staff, their own for an
    entity's staff, none for anyone else."""
    return Entity.objects.for_staff(user)


def _candidates(user: User) -> QuerySet[Message]:
    return (
        Message.objects.filter(
            direction=Direction.ENTRANTE,
            certainty__isnull=False,
            deleted_at__isnull=True,
            entity__in=queue_entities(user),
        )
        .exclude(model_version=MANUAL_VERSION)
        .exclude(text="")
        .annotate(_sample_key=Mod(F("id") * _SAMPLE_MULTIPLIER, 1000))
    )


def queue_for(user: User, *, skip: Sequence[int] = ()) -> QuerySet[Message]:
    """The messages waiting for this person, the first to label first: second readings asked
    of them, then the messages nobody labelled (uncertain ones by certainty, the sample's sure
    ones spread among them)."""
    labelled = QueueLabel.objects.values("message_id")
    recent = timezone.now() - timedelta(days=SAMPLE_OFFER_DAYS)
    firsts = _candidates(user).filter(
        Q(certainty__lt=QUEUE_CERTAINTY) | (_sample_q() & Q(sent_at__gte=recent))
    )
    firsts = firsts.exclude(pk__in=labelled)
    seconds = _candidates(user).filter(
        pk__in=QueueLabel.objects.filter(round=LabelRound.PRIMERA, wants_second=True)
        .exclude(by=user)
        .values("message_id")
    )
    seconds = seconds.exclude(
        pk__in=QueueLabel.objects.filter(round=LabelRound.SEGUNDA).values("message_id")
    )
    seconds_ids = seconds.values("pk")
    queryset = _candidates(user).filter(Q(pk__in=firsts.values("pk")) | Q(pk__in=seconds_ids))
    if skip:
        queryset = queryset.exclude(pk__in=list(skip))
    # Second readings first (priority -1); a sure message of the sample at a pseudo-random
    # place among the uncertain ones.
    priority = Case(
        When(pk__in=seconds_ids, then=Value(-1.0)),
        When(
            Q(certainty__gte=QUEUE_CERTAINTY),
            then=Mod(F("id") * _SPREAD_MULTIPLIER, 1000) * Value(QUEUE_CERTAINTY / 1000.0),
        ),
        default=F("certainty"),
        output_field=FloatField(),
    )
    return queryset.annotate(priority=priority).order_by("priority", "id")


def queue_waiting(user: User) -> int:
    """How many messages wait for this person (at most ``BADGE_LIMIT`` + 1 are counted)."""
    if not user.is_authenticated:
        return 0
    waiting = queue_for(user).order_by()[: BADGE_LIMIT + 1].count()
    cache.set(_badge_key(user), waiting, BADGE_SECONDS)
    return waiting


def _badge_key(user: User) -> str:
    return "labelling-waiting:%d" % user.pk


def queue_waiting_badge(user: User) -> int:
    """``queue_waiting`` for the navigation of every staff page: remembered for
    ``BADGE_SECONDS`` (the queue page and the person's own labels refresh it)."""
    if not user.is_authenticated:
        return 0
    cached = cache.get(_badge_key(user))
    return int(cached) if cached is not None else queue_waiting(user)


def queue_next(user: User, *, skip: Sequence[int] = ()) -> Message | None:
    return queue_for(user, skip=skip).select_related("entity").first()


def queue_message_for(user: User, message_id: int) -> Message | None:
    """A message this person may label now (waiting for them), or None."""
    return queue_for(user).filter(pk=message_id).select_related("entity").first()


def masked_text_of(message: Message) -> str:
    return mask_for_training(message.text, [message.author_name])


@transaction.atomic
def queue_label(*, actor: User, message: Message, kind: str, flags: Sequence[str]) -> QueueLabel:
    """Records a person's reading of a message waiting for them in the queue: the first, or
    the second when the message asks for one and the first was someone else's."""
    if kind not in KINDS:
        raise DomainError(_("Elija el tipo del mensaje."))
    unknown = [flag for flag in flags if flag not in FLAGS]
    if unknown:
        raise DomainError(_("Alerta desconocida: %(flags)s.") % {"flags": ", ".join(unknown)})
    if not permissions.may_label(actor, message.entity_id):
        raise PermissionDeniedError(_("No puede etiquetar los mensajes de esta entidad."))
    if message.direction != Direction.ENTRANTE:
        raise DomainError(_("Solo se etiquetan los mensajes de los ciudadanos."))
    existing = list(QueueLabel.objects.select_for_update().filter(message=message))
    if any(label.by_id == actor.pk for label in existing):
        raise DomainError(
            _("Usted ya etiquetó este mensaje: otra persona hará la segunda lectura.")
        )
    if not existing:
        round_ = LabelRound.PRIMERA
    elif len(existing) == 1 and existing[0].wants_second:
        round_ = LabelRound.SEGUNDA
    else:
        raise DomainError(_("Este mensaje ya tiene sus etiquetas."))
    clean_flags = sorted(set(flags))
    try:
        with transaction.atomic():
            label = QueueLabel.objects.create(
                message=message,
                entity_id=message.entity_id,
                round=round_,
                kind=kind,
                flags=clean_flags,
                masked_text=masked_text_of(message),
                in_sample=in_sample(message.pk),
                wants_second=wants_second(message.pk),
                model_version=message.model_version,
                by=actor,
                is_demo=message.is_demo,
            )
    except IntegrityError as error:  # someone labelled it at the same moment
        raise DomainError(_("Otra persona acaba de etiquetar este mensaje.")) from error
    cache.delete(_badge_key(actor))
    audit_record(
        actor=actor,
        verb="mensaje.etiquetado",
        instance=label,
        scope=message.entity.code,
        after={
            "message": message.pk,
            "round": int(round_),
            "kind": kind,
            "flags": clean_flags,
            "in_sample": label.in_sample,
        },
    )
    return label


# --- agreement ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    label: str
    n: int
    percent: float | None
    kappa: float | None


def cohen_kappa(first: Sequence[Any], second: Sequence[Any]) -> float | None:
    """Cohen's kappa of two readers over the same items; None when chance agreement is total
    (every answer the same: kappa is undefined)."""
    n = len(first)
    if n == 0 or n != len(second):
        return None
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    categories = set(first) | set(second)
    expected = sum((list(first).count(c) / n) * (list(second).count(c) / n) for c in categories)
    if expected >= 1.0:
        return None
    return round((observed - expected) / (1 - expected), 4)


def _percent(first: Sequence[Any], second: Sequence[Any]) -> float | None:
    if not first:
        return None
    return round(sum(a == b for a, b in zip(first, second, strict=True)) / len(first), 4)


def label_pairs(user: User | None = None) -> list[tuple[QueueLabel, QueueLabel]]:
    """The (first, second) readings of the messages read twice (of this person's entities)."""
    labels = QueueLabel.objects.all()
    if user is not None:
        labels = labels.filter(entity__in=queue_entities(user))
    by_message: dict[int, dict[int, QueueLabel]] = {}
    for label in labels.order_by("message_id", "round"):
        by_message.setdefault(label.message_id, {})[label.round] = label
    return [(r[1], r[2]) for r in by_message.values() if 1 in r and 2 in r]


def agreement(pairs: Sequence[tuple[QueueLabel, QueueLabel]]) -> list[Agreement]:
    """Percent agreement and Cohen's kappa: the kind as a whole, each kind (yes/no) and each
    flag (yes/no), over the messages read twice."""
    from agora.language.taxonomy import Flag, Kind

    firsts = [a for a, _b in pairs]
    seconds = [b for _a, b in pairs]
    n = len(pairs)
    rows: list[Agreement] = []
    a_kinds = [a.kind for a in firsts]
    b_kinds = [b.kind for b in seconds]
    rows.append(
        Agreement(_("Tipo (todos)"), n, _percent(a_kinds, b_kinds), cohen_kappa(a_kinds, b_kinds))
    )
    for kind in KINDS:
        a = [k == kind for k in a_kinds]
        b = [k == kind for k in b_kinds]
        rows.append(Agreement(str(Kind(kind).label), n, _percent(a, b), cohen_kappa(a, b)))
    for flag in FLAGS:
        a = [flag in (x.flags or []) for x in firsts]
        b = [flag in (x.flags or []) for x in seconds]
        rows.append(Agreement(str(Flag(flag).label), n, _percent(a, b), cohen_kappa(a, b)))
    return rows


# --- training examples and the test sample ------------------------------------------------------


@dataclass(frozen=True)
class LabelledSet:
    train: list[classifier.Example]
    test: list[classifier.Example]
    corrections: int
    labels: int


def _settled(labels: Sequence[QueueLabel]) -> QueueLabel | None:
    """A message's queue reading when it is not contested: one reading, or two that agree."""
    if len(labels) == 1:
        return labels[0]
    first, second = labels[0], labels[1]
    if first.kind == second.kind and sorted(first.flags or []) == sorted(second.flags or []):
        return second
    return None


def labelled_examples() -> LabelledSet:
    """Every human label of a real (not demo) message, as examples with masked text: the
    latest staff correction of a message, else its settled queue reading. The messages of
    the fixed sample form the test set; the rest train."""
    chosen: dict[int, classifier.Example] = {}
    from_corrections: set[int] = set()
    rows = (
        Correction.objects.filter(message__is_demo=False)
        .order_by("at", "id")
        .values_list("id", "message_id", "message__text", "message__author_name", "kind", "flags")
    )
    for pk, message_id, text, author, kind, flags in rows.iterator(chunk_size=2_000):
        chosen[message_id] = classifier.Example(
            f"correccion-{pk}",
            mask_for_training(text or "", [author or ""]),
            kind,
            tuple(sorted(flags or [])),
        )
        from_corrections.add(message_id)
    readings: dict[int, list[QueueLabel]] = {}
    queue = QueueLabel.objects.filter(is_demo=False).exclude(message_id__in=from_corrections)
    for label in queue.order_by("message_id", "round").iterator(chunk_size=2_000):
        readings.setdefault(label.message_id, []).append(label)
    used_labels = 0
    for message_id, labels in readings.items():
        settled = _settled(labels)
        if settled is None:
            continue
        used_labels += 1
        chosen[message_id] = classifier.Example(
            f"etiqueta-{settled.pk}",
            settled.masked_text,
            settled.kind,
            tuple(sorted(settled.flags or [])),
        )
    train: list[classifier.Example] = []
    test: list[classifier.Example] = []
    corrections = labels_count = 0
    for message_id in sorted(chosen):
        example = chosen[message_id]
        if in_sample(message_id):
            test.append(example)
            continue
        train.append(example)
        if message_id in from_corrections:
            corrections += 1
        else:
            labels_count += 1
    return LabelledSet(train, test, corrections, labels_count)


def sample_size() -> int:
    return len(labelled_examples().test)
