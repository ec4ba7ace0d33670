"""The task queue runs for real: a job queued by the application is executed by a separate
`agora qcluster` process (database broker by default, Redis with AGORA_QUEUE_BROKER=redis)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_q.models import Success
from django_q.tasks import async_task

from agora import settings as agora_settings  # the var directory of the secret key, not a test's
from agora.directory.models import Entity, Platform, SocialAccount
from agora.inbox.models import Conversation, DeadlineBreach
from agora.inbox.services import IncomingMessage, messages_ingest


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"{db['NAME']}"
    )


@pytest.mark.queue
@pytest.mark.django_db(transaction=True)
def test_worker_process_marks_overdue_conversations(entities: dict[str, Entity]) -> None:
    """A deadline check queued by the app is run by the worker, which records the breach."""
    account = SocialAccount.objects.create(
        entity=entities["minsa"],
        platform=Platform.FACEBOOK,
        handle="minsa.cola",
        handle_key="minsa.cola",
        url="https://www.facebook.com/minsa.cola",
        platform_id="999",
        status="verificada",
    )
    long_ago = timezone.now() - timedelta(days=30)
    messages_ingest(
        batch=[
            IncomingMessage(
                platform="facebook",
                account_id=account.pk,
                thread_kind="comentarios",
                thread_id="post-1",
                message_id="comentario-1",
                sent_at=long_ago,
                text="¿Dónde me vacuno?",
                author_id="ciudadano-1",
            )
        ]
    )
    conversation = Conversation.objects.get()
    assert conversation.due_at is not None and conversation.due_at < timezone.now()
    task_id = async_task("agora.inbox.tasks.deadlines_check")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "AGORA_VAR_DIR": str(agora_settings.VAR_DIR),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "agora.manage", "qcluster"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not Success.objects.filter(id=task_id).exists():
            time.sleep(0.5)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        _out, err = worker.communicate(timeout=30)
    task = Success.objects.filter(id=task_id).first()
    assert task is not None, err.decode(errors="replace")[-2000:]
    assert task.result == 1
    assert DeadlineBreach.objects.filter(conversation=conversation).count() == 1
    assert Conversation.objects.get().breached_at is not None


@pytest.mark.django_db
def test_a_task_held_by_a_worker_that_died_is_delivered_again() -> None:
    """Issue 16: the database broker acknowledges. A task taken but never acknowledged (the
    worker was killed with it in hand) comes back once ``retry`` seconds have passed."""
    from datetime import timedelta
    from unittest import mock

    from django.conf import settings
    from django.utils import timezone
    from django_q.brokers import get_broker

    assert "orm" in settings.Q_CLUSTER
    assert settings.Q_CLUSTER["retry"] > settings.Q_CLUSTER["timeout"]  # type: ignore[operator]
    broker = get_broker()
    broker.enqueue("tarea")
    [(task_id, payload)] = broker.dequeue()
    assert payload == "tarea"
    assert not broker.dequeue()  # held: nobody else takes it
    later = timezone.now() + timedelta(seconds=int(settings.Q_CLUSTER["retry"]) + 1)  # type: ignore[call-overload]
    with mock.patch("django.utils.timezone.now", return_value=later):
        [(again, _payload)] = broker.dequeue()
    assert again == task_id
    broker.acknowledge(task_id)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert not broker.dequeue()
