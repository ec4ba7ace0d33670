"""Every write of the language module: classifying inbound messages, staff corrections and
training a new model version."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import cast

from django.db import connection, transaction
from django.db.models import Field, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.inbox import moderation
from agora.inbox.models import Direction, Message
from agora.language import gate, labelling, permissions, selectors
from agora.language import model as classifier
from agora.language.models import Correction, ModelVersion
from agora.language.taxonomy import FLAGS, KINDS

# model_version of a message whose kind and flags a person set: the classifier leaves it alone.
MANUAL_VERSION = "manual"
CHUNK = 2_000
log = logging.getLogger(__name__)
_warned_no_model = False


def _conversations_refresh(conversation_ids: set[int]) -> None:
    """Kind and flags of each conversation from its citizen messages (and whether all of them
    are hidden): kept by the inbox's moderation module."""
    moderation.conversations_flags_refresh(conversation_ids)


_CLASSIFICATION_FIELDS = ("kind", "flags", "model_version", "scores", "certainty")


def _classification_write(messages: Sequence[Message]) -> None:
    """Writes the classification of ``messages`` (kind, flags, version, scores, certainty):
    one prepared UPDATE per message in a single ``executemany``, much cheaper than
    ``bulk_update``'s CASE expressions once the scores (JSON) are among the columns."""
    fields = [cast(Field, Message._meta.get_field(name)) for name in _CLASSIFICATION_FIELDS]
    quote = connection.ops.quote_name
    # Identifiers from the model's metadata, quoted; every value is a parameter.
    sql = "UPDATE %s SET %s WHERE %s = %%s" % (  # noqa: S608
        quote(Message._meta.db_table),
        ", ".join("%s = %%s" % quote(field.column) for field in fields),
        quote(Message._meta.pk.column),
    )
    rows = [
        [field.get_db_prep_save(getattr(m, field.attname), connection) for field in fields] + [m.pk]
        for m in messages
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def messages_classify(
    *,
    message_ids: Sequence[int],
    reclassify_ids: Sequence[int] = (),
    now: datetime | None = None,
    unscored: bool = False,
    skip_locked: bool = False,
) -> int:
    """Classifies the inbound messages among ``message_ids`` that have no kind yet or an older
    model's (with ``unscored``, also those without scores, whatever their version), and those
    of ``reclassify_ids`` (edited on the platform) whatever their version; corrected messages
    keep the staff's labels. Then each entity's moderation policy is applied (insults and spam
    hidden, threats alerted). Returns how many were classified. Without a trained model
    nothing is classified (ingestion must not fail for that). Which messages need it is
    decided again on the rows read in the transaction (locked where the database can;
    ``skip_locked``: the rows another worker holds are its own to classify), so a message
    classified meanwhile is left alone."""
    if not message_ids and not reclassify_ids:
        return 0
    try:
        model = classifier.load()
    except classifier.ModelError:
        global _warned_no_model
        if not _warned_no_model:  # once per process: every batch would repeat it
            log.warning("Sin modelo de clasificación: los mensajes quedan sin clasificar")
            _warned_no_model = True
        return 0
    forced = set(reclassify_ids)
    done = 0
    ids = sorted(set(message_ids) | forced)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        forced_chunk = [pk for pk in chunk if pk in forced]
        stale = Q(kind="") | ~Q(model_version__in=[model.version, MANUAL_VERSION])
        if forced_chunk:
            stale |= Q(pk__in=forced_chunk) & ~Q(model_version=MANUAL_VERSION)
        if unscored:
            stale |= Q(scores__isnull=True) & ~Q(model_version=MANUAL_VERSION)
        with transaction.atomic():
            rows = Message.objects.filter(pk__in=chunk, direction=Direction.ENTRANTE)
            if skip_locked:
                rows = rows.select_for_update(skip_locked=True)
            messages = list(
                rows.filter(stale).only(
                    "id",
                    "entity_id",
                    "conversation_id",
                    "platform",
                    "direction",
                    "text",
                    "kind",
                    "flags",
                    "model_version",
                    "hidden_at",
                    "is_demo",
                )
            )
            if not messages:
                continue
            results = model.classify_texts([m.text for m in messages])
            thresholds = getattr(model, "thresholds", None) or {}
            for message, result in zip(messages, results, strict=True):
                message.kind = result.kind
                message.flags = list(result.flags)
                message.model_version = result.version
                message.scores = result.scores or None
                message.certainty = (
                    labelling.certainty_of(result.scores, thresholds) if result.scores else None
                )
            _classification_write(messages)
            moderation.messages_moderate(messages=messages, model_version=model.version, now=now)
            _conversations_refresh({m.conversation_id for m in messages})
        done += len(messages)
    return done


def messages_classify_conversations(
    *, conversation_ids: Sequence[int], reclassify_ids: Sequence[int] = ()
) -> int:
    """The queued path of large ingestion batches: the unclassified citizen messages of these
    conversations, and the edited messages."""
    ids: list[int] = []
    conv_ids = sorted(set(conversation_ids))
    for start in range(0, len(conv_ids), CHUNK):
        ids.extend(
            Message.objects.filter(
                conversation_id__in=conv_ids[start : start + CHUNK],
                direction=Direction.ENTRANTE,
                kind="",
            ).values_list("id", flat=True)
        )
    return messages_classify(message_ids=ids, reclassify_ids=reclassify_ids)


def messages_classify_pending() -> int:
    """Classifies (and moderates) every citizen message that no model has classified yet:
    those ingested before the first model was trained, while the current model could not be
    loaded, or when classifying failed. Run after each training and every hour by the worker.
    Returns how many were classified; nothing without a model."""
    done = 0
    after = 0
    pending = Message.objects.filter(direction=Direction.ENTRANTE, kind="")
    while True:
        ids = list(pending.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:CHUNK])
        if not ids:
            return done
        classified = messages_classify(message_ids=ids)
        if not classified:  # no model: the next run will try again
            return done
        done += classified
        after = ids[-1]


# The sweep of messages left without a classification or without scores: what it leaves to
# ingestion (a message younger than this may still be on its way through the queue), and how
# many messages one scheduled run classifies at most (the next run goes on).
SWEEP_OLDER_THAN = timedelta(minutes=10)
SWEEP_LIMIT = 20_000


def _scores_fill(*, model: classifier.TrainedModel, message_ids: Sequence[int]) -> int:
    """Scores for corrected messages that have none (corrected before any model read them,
    or before messages kept scores): their kind and flags are a person's and stay; only the
    model's scores are kept beside them (not its certainty: the queue never offers them)."""
    with transaction.atomic():
        messages = list(
            Message.objects.filter(
                pk__in=message_ids,
                direction=Direction.ENTRANTE,
                model_version=MANUAL_VERSION,
                scores__isnull=True,
            ).only("id", "text", "scores")
        )
        if not messages:
            return 0
        results = model.classify_texts([m.text for m in messages])
        for message, result in zip(messages, results, strict=True):
            message.scores = result.scores or None
        Message.objects.bulk_update(messages, ["scores"])
    return len(messages)


def messages_unclassified_sweep(
    *,
    limit: int | None = SWEEP_LIMIT,
    older_than: timedelta = SWEEP_OLDER_THAN,
    now: datetime | None = None,
) -> int:
    """Classifies, in chunks and oldest first, the citizen messages received more than
    ``older_than`` ago that have no classification or no scores
    (``selectors.messages_unclassified``): stored before messages kept scores, left
    unclassified because their task was lost or no model could be loaded, or corrected
    before any model read them (those get scores only). At most ``limit`` messages (None: all
    of them). Idempotent and safe to run in several workers at once: the ids are read first
    and each chunk is decided again when classified (``messages_classify``), so a message
    classified meanwhile is skipped. Returns how many were classified or given scores;
    nothing without a model. Each message is read once per run (a model that gives no scores
    cannot make it loop)."""
    try:
        model = classifier.load()
    except classifier.ModelError:
        return 0
    pending = selectors.messages_unclassified(older_than=older_than, now=now or timezone.now())
    done = 0
    after = 0
    while limit is None or done < limit:
        size = CHUNK if limit is None else max(1, min(CHUNK, limit - done))
        rows = list(
            pending.filter(pk__gt=after).order_by("pk").values_list("pk", "model_version")[:size]
        )
        if not rows:
            break
        after = rows[-1][0]
        manual = [pk for pk, version in rows if version == MANUAL_VERSION]
        others = [pk for pk, version in rows if version != MANUAL_VERSION]
        if others:
            done += messages_classify(message_ids=others, now=now, unscored=True, skip_locked=True)
        if manual:
            done += _scores_fill(model=model, message_ids=manual)
    if done:
        log.info("Mensajes sin clasificar o sin puntuaciones clasificados: %d", done)
    return done


@transaction.atomic
def message_correct(
    *,
    actor: User,
    message: Message,
    kind: str,
    flags: Sequence[str],
    audit_extra: Mapping[str, object] | None = None,
) -> Correction:
    """Sets a citizen message's kind and flags by hand. The correction is kept and used by
    the next training run. ``audit_extra``: more to record with it (what a one-click
    dismissal did, agora/language/dismissal.py)."""
    if kind not in KINDS:
        raise DomainError(_("Tipo de mensaje desconocido: %(kind)s.") % {"kind": kind})
    unknown = [flag for flag in flags if flag not in FLAGS]
    if unknown:
        raise DomainError(_("Alerta desconocida: %(flags)s.") % {"flags": ", ".join(unknown)})
    if not permissions.may_classify(actor, message):
        raise PermissionDeniedError(_("No tiene acceso a esta conversación."))
    if message.direction != Direction.ENTRANTE:
        raise DomainError(_("Solo se clasifican los mensajes de los ciudadanos."))
    message = Message.objects.select_for_update().get(pk=message.pk)
    clean_flags = sorted(set(flags))
    correction = Correction.objects.create(
        message=message,
        entity_id=message.entity_id,
        kind=kind,
        flags=clean_flags,
        previous_kind=message.kind,
        previous_flags=list(message.flags or []),
        previous_model_version=message.model_version,
        by=actor,
    )
    before = {"kind": message.kind, "flags": message.flags, "model_version": message.model_version}
    message.kind = kind
    message.flags = clean_flags
    message.model_version = MANUAL_VERSION
    message.save(update_fields=["kind", "flags", "model_version"])
    moderation.messages_moderate(messages=[message], model_version=MANUAL_VERSION, actor=actor)
    _conversations_refresh({message.conversation_id})
    audit_record(
        actor=actor,
        verb="mensaje.clasificacion_corregida",
        instance=message,
        scope=message.entity.code,
        before=before,
        after={
            "kind": kind,
            "flags": clean_flags,
            "correction": correction.pk,
            **(audit_extra or {}),
        },
    )
    return correction


def corrections_as_examples() -> list[classifier.Example]:
    """The training examples from the inbox: the latest correction of each message, else its
    settled reading in the labelling queue, with the text masked. The messages of the fixed
    test sample are left out (they test, never train); demo messages are practice."""
    return labelling.labelled_examples().train


def model_train(*, actor: User | None = None, force: bool = False) -> ModelVersion:
    """Trains a candidate on the shipped corpus (held-out lines excluded) plus the inbox's
    labels (``corrections_as_examples``), stores it in the database, evaluates it and the
    current model on the test sets (agora/language/gate.py) and makes it current only if it
    is not worse. A rejected candidate is kept with its figures and reasons, not current;
    ``force`` (an operator's decision) makes it current anyway, audited."""
    data = labelling.labelled_examples()
    trained = classifier.train(classifier.corpus_paths(), extra=data.train)
    classifier.save(trained, make_current=False)
    sets = gate.evaluation_sets(data.test)
    current = gate.current_model()
    candidate_figures = gate.evaluate_all(trained, sets)
    current_figures = gate.evaluate_all(current, sets) if current is not None else None
    decision = gate.decide(candidate_figures, current_figures)
    forced = force and not decision.accepted
    becomes_current = decision.accepted or forced
    metrics: dict[str, object] = {
        "validacion_cruzada": trained.validation,
        "pruebas": candidate_figures,
        "vigente_anterior": {
            "version": current.version if current is not None else None,
            "pruebas": current_figures,
        },
        "datos": {
            "corpus": trained.corpus_size,
            "correcciones": data.corrections,
            "etiquetas": data.labels,
            "muestra_real": len(data.test),
        },
        "regla": gate.rule_text(),
    }
    if "reservado" in candidate_figures:
        metrics["reservado"] = candidate_figures["reservado"]
    reason = decision.reason
    if forced:
        reason = _("Vigente por decisión del operador, aunque la compuerta la rechazó: %(why)s") % {
            "why": reason
        }
    with transaction.atomic():
        if becomes_current:
            ModelVersion.objects.filter(is_current=True).exclude(version=trained.version).update(
                is_current=False
            )
        version, _created = ModelVersion.objects.update_or_create(
            version=trained.version,
            defaults={
                "trained_at": trained.trained_at,
                "corpus_size": trained.corpus_size,
                "corrections_used": data.corrections,
                "labels_used": data.labels,
                "metrics": metrics,
                "is_current": becomes_current,
                "accepted": decision.accepted,
                "forced": forced,
                "decision_reason": reason,
            },
        )
        audit_record(
            actor=actor,
            verb="modelo.entrenado" if decision.accepted else "modelo.rechazado",
            instance=version,
            after={
                "version": trained.version,
                "corrections": data.corrections,
                "labels": data.labels,
                "accepted": decision.accepted,
                "current": becomes_current,
            },
            reason=decision.reason,
        )
        if forced:
            audit_record(
                actor=actor,
                verb="modelo.vigente_forzado",
                instance=version,
                after={"version": trained.version},
                reason=decision.reason,
            )
    if becomes_current:
        # Every process notices within MODEL_CHECK_SECONDS; this one at once.
        classifier.forget_current()
    return version
