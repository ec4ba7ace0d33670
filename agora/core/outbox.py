"""Work that must happen after a commit, and cannot be lost.

``enqueue_on_commit("agora.app.tasks.func", *args)`` writes an ``OutboxTask`` row in the
caller's transaction (so the row exists exactly when the data it is about exists) and, once the
transaction commits, hands it to the queue (django-q2). The row is deleted only when the task
has finished:

- a process that dies between the commit and the hand-off, a queue that is down or loses the
  task (Redis as the broker has no acknowledgement), a worker killed with the task in hand: the
  row stays, and ``outbox_sweep`` (every minute) runs it again;
- each run takes a lease on its rows (``leased_until``), so two deliveries of the same row never
  run it at the same time; a task is therefore run at least once, and must be idempotent
  (every task queued here is: see each one's documentation);
- tasks marked ``@atomic_task`` run in one transaction with the deletion of their row: a crash
  rolls back both, so their effect happens exactly once;
- tasks marked ``@batched_task`` take every due row of the same function at once (the rollups of
  a hundred webhooks become one update of the entity's day, not a hundred);
- a task that keeps failing is retried with a growing wait and, after ``MAX_ATTEMPTS``, kept as
  failed with its error, counted on the rector's dashboard and in the metrics.
"""

from __future__ import annotations

import importlib.util
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.errors import PermissionDeniedError
from agora.core.models import OutboxTask, User
from agora.core.permissions import user_is_rector

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Rows younger than this are left to their own hand-off after the commit.
GRACE = timedelta(seconds=60)
BATCH = 500
F_ = TypeVar("F_", bound=Callable[..., Any])


def lease_length() -> timedelta:
    """Longer than the queue's task timeout: a lease outlives the run that took it."""
    timeout = int(settings.Q_CLUSTER.get("timeout", 300))  # type: ignore[call-overload]
    return timedelta(seconds=timeout + 60)


def atomic_task(func: F_) -> F_:
    """The task's writes and the deletion of its row commit together (exactly once)."""
    func.outbox_atomic = True  # type: ignore[attr-defined]
    return func


def batched_task(func: F_) -> F_:
    """The task receives a list with the arguments of every due row of its function."""
    func.outbox_atomic = True  # type: ignore[attr-defined]
    func.outbox_batched = True  # type: ignore[attr-defined]
    return func


def _resolve(path: str) -> Callable[..., Any]:
    # Only the project's own functions are run from a stored row.
    prefixes = tuple(getattr(settings, "AGORA_OUTBOX_PREFIXES", ("agora.",)))
    if not path.startswith(prefixes):
        raise ValueError(f"tarea fuera de Ágora: {path}")
    return import_string(path)


def _check_path(path: str) -> None:
    """The function's module exists (found, not imported: enqueueing stays cheap)."""
    prefixes = tuple(getattr(settings, "AGORA_OUTBOX_PREFIXES", ("agora.",)))
    module, _sep, name = path.rpartition(".")
    if not path.startswith(prefixes) or not module or not name:
        raise ValueError(f"tarea fuera de Ágora: {path}")
    if importlib.util.find_spec(module) is None:
        raise ValueError(f"no existe el módulo de la tarea: {path}")


def enqueue_on_commit(func: str, *args: Any, delay: timedelta | None = None) -> int:
    """Records ``func(*args)`` in the current transaction and queues it after the commit.
    ``func`` is a dotted path inside ``agora``; ``args`` must be JSON values."""
    _check_path(func)  # fail now, in the caller's transaction, on a wrong path
    now = timezone.now()
    row = OutboxTask.objects.create(
        func=func, args=list(args), created_at=now, available_at=now + (delay or timedelta())
    )
    pk = row.pk
    if not delay:
        transaction.on_commit(lambda: dispatch(pk))
    return pk


def dispatch(pk: int) -> None:
    """Hands a row to the queue. A failure is not an error: the sweeper will run it."""
    from django_q.tasks import async_task

    try:
        async_task("agora.core.outbox.outbox_run", pk, task_name=f"tras-guardar-{pk}")
    except Exception:
        log.warning("No se pudo encolar la tarea %s: la ejecutará el barrido", pk, exc_info=True)


def _claim(ids: Sequence[int], now: datetime) -> tuple[str, list[OutboxTask]]:
    token = uuid.uuid4().hex
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    OutboxTask.objects.filter(free, pk__in=list(ids), failed=False).update(
        leased_until=now + lease_length(), attempts=F("attempts") + 1, lease=token
    )
    rows = list(OutboxTask.objects.filter(pk__in=list(ids), lease=token).order_by("pk"))
    return token, rows


def _failed(rows: Sequence[OutboxTask], error: BaseException, now: datetime) -> None:
    for row in rows:
        wait = min(3600, 30 * 2 ** max(0, row.attempts - 1))
        OutboxTask.objects.filter(pk=row.pk).update(
            leased_until=None,
            available_at=now + timedelta(seconds=wait),
            failed=row.attempts >= MAX_ATTEMPTS,
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )


def outbox_run(pk: int, *, now: datetime | None = None) -> str:
    """Runs one row (or, for a batched task, every due row of its function)."""
    now = now or timezone.now()
    row = OutboxTask.objects.filter(pk=pk).values_list("func", flat=True).first()
    if row is None:
        return "ya hecha"
    func = _resolve(row)
    if getattr(func, "outbox_batched", False):
        ids = list(
            OutboxTask.objects.filter(func=row, failed=False, available_at__lte=now)
            .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if pk not in ids:
            ids.append(pk)
    else:
        ids = [pk]
    _token, rows = _claim(ids, now)
    if not rows:
        return "en curso o hecha"
    try:
        if getattr(func, "outbox_atomic", False):
            with transaction.atomic():
                if getattr(func, "outbox_batched", False):
                    func([r.args for r in rows])
                else:
                    func(*rows[0].args)
                OutboxTask.objects.filter(pk__in=[r.pk for r in rows]).delete()
        else:
            func(*rows[0].args)
            OutboxTask.objects.filter(pk=rows[0].pk).delete()
    except Exception as exc:
        log.exception("Falló la tarea %s (%s filas)", row, len(rows))
        _failed(rows, exc, timezone.now())
        return "error"
    return "hecha"


def outbox_sweep(*, now: datetime | None = None, budget: int = 2000) -> int:
    """Runs the rows whose hand-off was lost or whose run died (every minute). Returns how many
    runs it made."""
    now = now or timezone.now()
    due = (
        OutboxTask.objects.filter(failed=False, available_at__lte=now)
        .filter(Q(leased_until__isnull=True, created_at__lte=now - GRACE) | Q(leased_until__lt=now))
        .order_by("pk")
        .values_list("pk", flat=True)[:budget]
    )
    done = 0
    for pk in list(due):
        if outbox_run(pk, now=now) != "ya hecha":
            done += 1
    return done


@transaction.atomic
def outbox_retry_failed(*, actor: User) -> int:
    """Gives every failed row a fresh set of attempts (the rector office, once the cause is
    fixed: a platform back, a credential renewed). Audited."""
    if not user_is_rector(actor):
        raise PermissionDeniedError(_("Solo el ente rector puede reintentar las tareas fallidas."))
    rows = OutboxTask.objects.filter(failed=True)
    first = rows.order_by("pk").first()
    if first is None:
        return 0
    funcs = sorted(set(rows.values_list("func", flat=True)))
    count = rows.update(failed=False, attempts=0, leased_until=None, available_at=timezone.now())
    audit_record(
        actor=actor,
        verb="tareas.reintentadas",
        instance=first,
        after={"tareas": count, "funciones": funcs},
    )
    return count


def outbox_state(now: datetime | None = None) -> dict[str, Any]:
    """What is waiting: pending and failed rows, and the age of the oldest pending one."""
    now = now or timezone.now()
    pending = OutboxTask.objects.filter(failed=False)
    oldest = pending.aggregate(oldest=Min("created_at"))["oldest"]
    return {
        "pending": pending.count(),
        "failed": OutboxTask.objects.filter(failed=True).count(),
        "oldest_seconds": (now - oldest).total_seconds() if oldest else 0.0,
        "failed_funcs": list(
            OutboxTask.objects.filter(failed=True)
            .values_list("func", flat=True)
            .distinct()
            .order_by("func")[:10]
        ),
    }


def schedules_ensure() -> None:
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="tareas-pendientes-barrido",
        defaults={
            "func": "agora.core.outbox.outbox_sweep",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
        },
    )
