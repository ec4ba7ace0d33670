"""Background polling of the platforms that have no webhooks we use (X, YouTube): the
periodic fan-out, one job per account, and what one poll did."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from agora.directory.models import Platform, SocialAccount
from agora.inbox.services import IngestResult

log = logging.getLogger(__name__)

SCHEDULE_NAME = "conectores-consulta"
POLL_MINUTES = 5
DELETIONS_SCHEDULE = "conectores-borrados"
DELETIONS_MINUTES = 60
# platform -> "module:function" that polls one account (imported lazily: those modules
# import this one for PollResult).
POLLERS: dict[str, str] = {
    Platform.X: "agora.connectors.x:poll_account",
    Platform.YOUTUBE: "agora.connectors.youtube:poll_account",
}


@dataclass
class PollResult:
    """What one poll of one account did."""

    account_id: int
    pages: int = 0
    created: int = 0
    edited: int = 0
    unchanged: int = 0
    # Set when the platform asked us to wait (rate limit, daily quota) or we were still waiting.
    waiting_until: datetime | None = None
    skipped: bool = False  # not polled at all: still inside the waiting window
    error: str = ""

    def add(self, ingest: IngestResult) -> None:
        self.pages += 1
        self.created += ingest.created
        self.edited += ingest.edited
        self.unchanged += ingest.unchanged

    def merge(self, other: PollResult) -> None:
        """Adds what another read of the same account did (X: its own replies after its
        mentions): counts add up, the earliest wait and every error are kept."""
        self.pages += other.pages
        self.created += other.created
        self.edited += other.edited
        self.unchanged += other.unchanged
        waits = [w for w in (self.waiting_until, other.waiting_until) if w is not None]
        self.waiting_until = min(waits) if waits else None
        self.skipped = self.skipped and other.skipped
        self.error = "; ".join(e for e in (self.error, other.error) if e)

    def __str__(self) -> str:
        if self.skipped:
            return f"en espera hasta {self.waiting_until:%Y-%m-%d %H:%M} UTC"
        text = f"{self.pages} páginas, {self.created} nuevos, {self.edited} editados"
        if self.waiting_until is not None:
            text += f"; en espera hasta {self.waiting_until:%Y-%m-%d %H:%M} UTC"
        if self.error:
            text += f"; error: {self.error}"
        return text


def accounts_to_poll(*, now: datetime | None = None) -> list[int]:
    """Verified X and YouTube accounts with a platform id and a credential, except those the
    platform asked us to leave alone for now."""
    now = now or timezone.now()
    return list(
        SocialAccount.objects.verified()
        .filter(platform__in=list(POLLERS), credential__isnull=False)
        .exclude(platform_id="")
        .filter(
            Q(cursor__isnull=True)
            | Q(cursor__wait_until__isnull=True)
            | Q(cursor__wait_until__lte=now)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def poll_all() -> int:
    """The periodic job: one background job per account, so a slow platform or a large
    backlog on one account never delays the others. Returns how many were queued."""
    ids = accounts_to_poll()
    for account_id in ids:
        async_task("agora.connectors.tasks.poll_account_task", account_id, group="conectores")
    return len(ids)


def _poller(platform: str) -> Callable[[SocialAccount], PollResult]:
    module_name, function = POLLERS[platform].split(":")
    poller: Callable[[SocialAccount], PollResult] = getattr(
        importlib.import_module(module_name), function
    )
    return poller


def poll_account_task(account_id: int) -> str:
    """Polls one account now (unless it stopped being a verified X/YouTube account)."""
    account = (
        SocialAccount.objects.verified()
        .filter(pk=account_id, platform__in=list(POLLERS))
        .select_related("entity")
        .first()
    )
    if account is None:
        return "cuenta no disponible"
    result = _poller(account.platform)(account)
    if result.error:
        log.warning("Consulta de %s (%s) falló: %s", account, account.pk, result.error)
    return str(result)


def _checkable(platform: str, now: datetime) -> Any:
    """Verified accounts of ``platform`` with a credential, not waiting out a limit."""
    return (
        SocialAccount.objects.verified()
        .filter(platform=platform, credential__isnull=False)
        .exclude(platform_id="")
        .filter(
            Q(cursor__isnull=True)
            | Q(cursor__wait_until__isnull=True)
            | Q(cursor__wait_until__lte=now)
        )
        .order_by("pk")
    )


def deletions_check_all() -> int:
    """The hourly job: comments deleted on platforms that never tell of a deletion (top-level
    YouTube comments: agora/connectors/youtube.py, threads_check; Instagram comments:
    agora/connectors/meta_deletions.py). An account out of quota or failing is logged and left
    for the next run. Returns how many comments were marked deleted."""
    # Imported here: those modules import this one (PollResult).
    from agora.connectors import meta_deletions, youtube

    marked = 0
    now = timezone.now()
    for account in _checkable(Platform.YOUTUBE, now):
        try:
            marked += youtube.threads_check(account, now=now)
        except youtube.YouTubeError as exc:
            log.warning("Revisión de comentarios borrados de %s falló: %s", account, exc)
    for account in _checkable(Platform.INSTAGRAM, now):
        try:
            marked += meta_deletions.comments_check(account, now=now)
        except meta_deletions.CheckUnavailable as exc:
            log.warning("Revisión de comentarios borrados de %s falló: %s", account, exc)
    return marked


def schedules_ensure() -> None:
    """The periodic jobs, created once (call after migrate); idempotent."""
    Schedule.objects.filter(name="conectores-youtube-borrados").delete()  # renamed
    Schedule.objects.update_or_create(
        name=DELETIONS_SCHEDULE,
        defaults={
            "func": "agora.connectors.tasks.deletions_check_all",
            "schedule_type": Schedule.MINUTES,
            "minutes": DELETIONS_MINUTES,
        },
    )
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "agora.connectors.tasks.poll_all",
            "schedule_type": Schedule.MINUTES,
            "minutes": POLL_MINUTES,
        },
    )
