#!/usr/bin/env python
"""The production topology under faults (issue 16), run by .ci/run after the PostgreSQL suite.

Starts what docs/operacion.md describes — two web servers and two task workers, each with its
own data folder as separate machines have, sharing one PostgreSQL and one Redis (cache) — on
loopback, against the database ``make test`` loaded (public data, trained model, demo accounts
with the sandbox platform). Then, for about a minute:

* citizens' comments arrive as signed Meta webhooks spread over both servers (a share of them
  delivered twice, as Meta does); a delivery that fails is delivered again, as Meta does;
* staff answer some of the new conversations; the workers publish the answers on the sandbox
  platform, whose echo comes back as a webhook;
* meanwhile a worker is killed with tasks in hand, Redis is killed, PostgreSQL is restarted,
  a web server is killed — and each is started again.

When the work has drained it checks: every comment stored once and classified; the public
scoreboard equal to ``rollups_rebuild``; every answer published exactly once; no notification
twice; no task failed. Prints the figures; exits 1 on any failed check.

    DATABASE_URL=postgres://… .venv/bin/python scripts/faults.py --pgdata DIR --pgbin BIN
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
RUN = uuid.uuid4().hex[:6]
MARK = f"[prueba de fallas {RUN}]"  # on the answers; citizens are "fallas-RUN-N" authors
AUTHOR = f"fallas-{RUN}-"


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


class Proc:
    """A child process in its own group (a kill reaches its children: gunicorn's and the
    cluster's workers)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], logfile: Path) -> None:
        self.name, self.argv, self.env, self.logfile = name, argv, env, logfile
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        out = self.logfile.open("ab")
        self.popen = subprocess.Popen(
            self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_http(url: str, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} no respondió")


def as_postgres(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pgdata", help="carpeta de datos de PostgreSQL (para reiniciarlo)")
    parser.add_argument("--pgbin", help="carpeta de pg_ctl")
    parser.add_argument("--redis-port", type=int, default=63801)
    parser.add_argument("--s3-port", type=int, default=59011)
    parser.add_argument("--comments", type=int, default=3000)
    parser.add_argument("--answers", type=int, default=120)
    parser.add_argument("--no-faults", action="store_true", help="solo la carga (referencia)")
    parser.add_argument("--servers", type=int, choices=[1, 2], default=2)
    parser.add_argument("--figures", help="escribe las cifras en este archivo JSON")
    options = parser.parse_args()
    if not options.no_faults and not (options.pgdata and options.pgbin and options.servers == 2):
        parser.error("las fallas necesitan dos servidores, --pgdata y --pgbin")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("DATABASE_URL debe apuntar a PostgreSQL")

    # The keys the data was loaded with (kept under var/ by make data) go to every machine
    # through the environment, as docs/operacion.md asks.
    keys = json.loads(
        subprocess.check_output(
            [
                str(BIN / "python"),
                "-c",
                "import django, json, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
                "'agora.settings'); django.setup(); from django.conf import settings as s; "
                "print(json.dumps([s.SECRET_KEY, s.ENCRYPTION_KEYS, s.META_APP_SECRET]))",
            ],
            cwd=ROOT,
        )
    )
    work = Path(tempfile.mkdtemp(prefix="agora-fallas-"))
    ports = {"a": 18101, "b": 18102} if options.servers == 2 else {"b": 18102}
    common = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "agora.settings",
        "AGORA_SECRET_KEY": keys[0],
        "AGORA_ENCRYPTION_KEY": keys[1],
        "AGORA_META_APP_SECRET": keys[2],
        "AGORA_SANDBOX": "1",
        "REDIS_URL": f"redis://127.0.0.1:{options.redis_port}/0",
        "AGORA_REDIS_TIMEOUT": "0.5",
        # Short task limits so that a killed worker's tasks come back within the test.
        "AGORA_TASK_TIMEOUT": "60",
        "AGORA_TASK_RETRY": "90",
        "AGORA_WORKERS": "2",
        "AGORA_BASE_URL": f"http://127.0.0.1:{ports['b']}",
        # Uploads in the object store (an S3-compatible server on loopback).
        "AGORA_S3_BUCKET": "agora-fallas",
        "AGORA_S3_ENDPOINT_URL": f"http://127.0.0.1:{options.s3_port}",
        "AGORA_S3_ACCESS_KEY": "fallas",
        "AGORA_S3_SECRET_KEY": "fallas-secreto",
        "AGORA_LOG_FORMAT": "texto",
    }

    def machine(name: str) -> dict[str, str]:
        folder = work / name
        folder.mkdir()
        return {**common, "AGORA_VAR_DIR": str(folder)}

    redis = Proc(
        "redis",
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(options.redis_port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(work),
        ],
        common,
        work / "redis.log",
    )
    webs = {
        name: Proc(
            f"web-{name}",
            [
                str(BIN / "gunicorn"),
                "agora.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--worker-class",
                "gthread",
                "--workers",
                "2",
                "--threads",
                "4",
                "--chdir",
                str(ROOT),
            ],
            machine(f"web-{name}"),
            work / f"web-{name}.log",
        )
        for name, port in ports.items()
    }
    workers = {
        name: Proc(
            f"worker-{name}",
            [str(BIN / "agora"), "qcluster"],
            machine(f"worker-{name}"),
            work / f"worker-{name}.log",
        )
        for name in ("1", "2")
    }
    store = Proc(
        "almacen",
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(options.s3_port)],
        common,
        work / "s3.log",
    )
    everything = [store, redis, *webs.values(), *workers.values()]

    # The driver is a third "machine": it reads the database to pick what staff answer and to
    # check the outcome.
    os.environ.update(machine("driver"))
    import django

    django.setup()
    from django.db import close_old_connections, connection
    from django.db.utils import DatabaseError, InterfaceError
    from django.utils import timezone

    from agora.connectors import sandbox
    from agora.connectors.models import SandboxPublication
    from agora.core.models import Notification, OutboxTask
    from agora.directory.models import AccountStatus, Membership, Platform, SocialAccount
    from agora.inbox import services
    from agora.inbox.models import Conversation, Direction, Message, SendStatus, ThreatAlert
    from agora.reports.models import DailyRollup
    from agora.reports.rollups import rollups_rebuild, rollups_refresh_due

    accounts = [
        a
        for a in SocialAccount.objects.filter(
            is_demo=True,
            status=AccountStatus.VERIFICADA,
            platform=Platform.FACEBOOK,
            credential__isnull=False,
        )
        .exclude(platform_id="")
        .select_related("credential")
        if sandbox.account_for_token(a.credential.secret) is not None
    ]
    # Accounts of entities with staff (the demo users), so that someone can answer.
    staffed = set(Membership.objects.active().values_list("entity_id", flat=True))
    accounts = [a for a in accounts if a.entity_id in staffed]
    if not accounts:
        raise SystemExit("No hay cuentas de demostración con la plataforma de prueba (make data)")
    # A global watch-list (rector): its matches notify each rector user once per list and hour,
    # whatever the number of webhooks and workers matching at the same time.
    from agora.core.models import User
    from agora.language.watchlists import watchlist_create

    rector = User.objects.filter(is_rector=True, is_active=True).order_by("pk").first()
    if rector is None:
        raise SystemExit("No hay usuarios del ente rector (make data)")
    watchlist_create(
        actor=rector, entity=None, name=f"Prueba de fallas {MARK}", queries="vacunación"
    )
    # A server left over from an earlier run would answer in place of ours.
    import socket

    for port in [*ports.values(), options.redis_port, options.s3_port]:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                raise SystemExit(f"El puerto {port} ya está en uso: detenga lo que escucha allí")
    started_at = timezone.now()
    store.start()
    wait_http(f"{common['AGORA_S3_ENDPOINT_URL']}/moto-api/")
    import boto3

    # Run once per installation: the bucket (docs/operacion.md).
    boto3.client(
        "s3",
        endpoint_url=common["AGORA_S3_ENDPOINT_URL"],
        aws_access_key_id="fallas",
        aws_secret_access_key="fallas-secreto",  # noqa: S106 - a loopback test server
        region_name="us-east-1",
    ).create_bucket(Bucket="agora-fallas")
    for proc in everything[1:]:
        proc.start()
    for name, port in ports.items():
        wait_http(f"http://127.0.0.1:{port}/salud/")
        log(f"servidor {name} listo en {port}")

    def ready(name: str) -> dict[str, str]:
        body = requests.get(f"http://127.0.0.1:{ports[name]}/salud/lista/", timeout=10).json()
        return {c["nombre"]: c["estado"] for c in body["comprobaciones"]}

    at_start = {name: ready(name) for name in ports}

    rng = random.Random(16)
    texts = [
        "¿Hasta qué fecha hay inscripciones para la campaña de vacunación?",
        "Buenas tardes, ¿dónde puedo presentar un reclamo por la atención recibida?",
        "No me llega la constancia, ya van dos semanas",
        "Gracias por la información, muy útil",
        "el hospital no tiene medicinas, que vergüenza",
        "te voy a matar si no me atienden mañana",  # a threat: an alert and notifications
    ]
    comment_ids: list[str] = []
    bodies: list[tuple[bytes, str]] = []
    for i in range(options.comments):
        account = accounts[i % len(accounts)]
        post_id = f"{account.platform_id}_fallas{i % 50}"
        comment_id = f"{account.platform_id}_fallas_{uuid.uuid4().hex[:16]}"
        payload = sandbox.comment_payload(
            account,
            comment_id=comment_id,
            post_id=post_id,
            parent_id=post_id,
            text=rng.choice(texts),
            author_id=f"{AUTHOR}{i % 700}",
            author_name=f"Ciudadano de prueba {i % 700}",
            when=timezone.now(),
        )
        comment_ids.append(comment_id)
        bodies.append(sandbox.signed_body(payload))
    # One delivery in twenty comes twice (Meta delivers at least once).
    bodies += [bodies[i] for i in range(0, len(bodies), 20)]
    rng.shuffle(bodies)

    figures: Counter[str] = Counter()
    lock = threading.Lock()
    stop_answering = threading.Event()

    def deliver(item: tuple[bytes, str]) -> None:
        raw, signature = item
        tries = 0
        end = time.monotonic() + 240
        while time.monotonic() < end:
            names = sorted(ports)
            port = ports[names[(tries + len(raw)) % len(names)]]
            tries += 1
            try:
                response = requests.post(
                    f"http://127.0.0.1:{port}/webhooks/meta/",
                    data=raw,
                    headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
                    timeout=30,
                )
                if response.status_code == 200:
                    with lock:
                        figures["entregas"] += 1
                        figures["reintentos"] += tries - 1
                    return
                with lock:
                    figures[f"respuesta {response.status_code}"] += 1
            except requests.RequestException:
                with lock:
                    figures["sin conexión"] += 1
            time.sleep(0.3)
        with lock:
            figures["entregas perdidas"] += 1

    answered: list[int] = []

    def answer_some() -> None:
        members = {
            m.entity_id: m.user
            for m in Membership.objects.active().filter(
                entity_id__in=[a.entity_id for a in accounts]
            )
        }
        done: set[int] = set()
        while not stop_answering.is_set() and len(answered) < options.answers:
            try:
                close_old_connections()
                conversation = (
                    Conversation.objects.filter(
                        entity_id__in=list(members),
                        messages__author_id__startswith=AUTHOR,
                        messages__direction=Direction.ENTRANTE,
                    )
                    .exclude(pk__in=list(done))
                    .order_by("-pk")
                    .first()
                )
                if conversation is None:
                    time.sleep(0.2)
                    continue
                done.add(conversation.pk)
                message = services.message_answer(
                    conversation=conversation,
                    author=members[conversation.entity_id],
                    body=f"{MARK} Gracias por escribirnos: le respondemos por mensaje interno.",
                )
                answered.append(message.pk)
            except (DatabaseError, InterfaceError):
                figures["respuestas reintentadas (base de datos caída)"] += 1
                connection.close()
                time.sleep(0.5)
                continue
            time.sleep(0.15)

    def faults() -> None:
        pg_ctl = [f"{options.pgbin}/pg_ctl", "-D", options.pgdata]
        steps: list[tuple[float, str, Any]] = [
            (4, "se mata el trabajador 1 (con tareas en mano)", workers["1"].kill),
            (7, "vuelve el trabajador 1", workers["1"].start),
            (10, "se mata Redis", redis.kill),
            (17, "vuelve Redis", redis.start),
            (
                21,
                "se reinicia PostgreSQL",
                lambda: subprocess.run(
                    as_postgres([*pg_ctl, "-m", "fast", "-w", "restart"]),
                    check=True,
                    stdout=subprocess.DEVNULL,
                ),
            ),
            (28, "se mata el servidor web A", webs["a"].kill),
            (31, "vuelve el servidor web A", webs["a"].start),
            (34, "se mata el trabajador 2", workers["2"].kill),
            (37, "vuelve el trabajador 2", workers["2"].start),
        ]
        begin = time.monotonic()
        for at, what, action in steps:
            time.sleep(max(0.0, begin + at - time.monotonic()))
            log(what)
            action()

    load_started = time.monotonic()
    answering = threading.Thread(target=answer_some)
    answering.start()
    chaos = threading.Thread(target=faults)
    if not options.no_faults:
        chaos.start()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(deliver, bodies))
    load_seconds = time.monotonic() - load_started
    log(f"{figures['entregas']} entregas en {load_seconds:.1f} s ({dict(figures)})")
    if not options.no_faults:
        chaos.join()
    while len(answered) < options.answers and time.monotonic() - load_started < 120:
        time.sleep(0.5)
    stop_answering.set()
    answering.join()
    log(f"{len(answered)} respuestas escritas")

    # Wait for the workers to finish everything.
    drained_at = None
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        close_old_connections()
        try:
            state = {
                "tareas tras guardar": OutboxTask.objects.filter(failed=False).count(),
                "sin clasificar": Message.objects.filter(
                    author_id__startswith=AUTHOR, direction=Direction.ENTRANTE, kind=""
                ).count(),
                "respuestas por publicar": Message.objects.filter(
                    text__startswith=MARK,
                    direction=Direction.SALIENTE,
                    send_status__in=[SendStatus.PENDIENTE, SendStatus.ENVIANDO],
                ).count(),
                "ecos por entregar": SandboxPublication.objects.filter(
                    text__startswith=MARK, delivered_at__isnull=True
                ).count(),
            }
        except (DatabaseError, InterfaceError):
            connection.close()
            time.sleep(1)
            continue
        if not any(state.values()):
            drained_at = time.monotonic()
            break
        log(f"esperando a los trabajadores: {state}")
        time.sleep(5)
    at_end = {name: ready(name) for name in ports}
    for proc in everything:
        proc.stop()

    failures: list[str] = []

    def check(ok: bool, text: str) -> None:
        log(("OK    " if ok else "FALLA ") + text)
        if not ok:
            failures.append(text)

    for name in ports:
        for moment, readiness in (("al inicio", at_start[name]), ("al final", at_end[name])):
            check(
                all(v == "ok" for v in readiness.values()) and "almacenamiento" in readiness,
                f"servidor {name} listo {moment} (base, caché, cola, almacén): {readiness}",
            )
    check(drained_at is not None, "los trabajadores terminaron todo en menos de 10 minutos")
    check(figures["entregas perdidas"] == 0, "ninguna entrega se rindió")
    stored = Message.objects.filter(platform_message_id__in=comment_ids)
    check(
        stored.count() == len(comment_ids),
        f"cada comentario guardado una vez: {stored.count()} de {len(comment_ids)}",
    )
    unclassified = stored.filter(kind="").count()
    check(unclassified == 0, f"todos clasificados ({unclassified} sin clasificar)")
    rollups_refresh_due()
    snapshot = sorted(
        DailyRollup.objects.values_list(
            "entity_id", "day", "received", "conversations", "answered", "decided", "within"
        )
    )
    rollups_rebuild()
    rebuilt = sorted(
        DailyRollup.objects.values_list(
            "entity_id", "day", "received", "conversations", "answered", "decided", "within"
        )
    )
    differing = len(set(snapshot) ^ set(rebuilt))
    check(differing == 0, f"el indicador público es igual a su reconstrucción ({differing})")
    answers = list(Message.objects.filter(pk__in=answered))
    sent = [m for m in answers if m.send_status == SendStatus.ENVIADO]
    check(len(sent) == len(answers), f"respuestas publicadas: {len(sent)} de {len(answers)}")
    published = Counter(
        SandboxPublication.objects.filter(
            text__startswith=MARK, target_id__in=[m.parent_platform_id for m in answers]
        ).values_list("target_id", flat=True)
    )
    twice = [target for target, n in published.items() if n > 1]
    check(
        not twice and len(published) == len(answers),
        f"cada respuesta publicada una sola vez en la plataforma ({len(twice)} dos veces, "
        f"{len(answers) - len(published)} nunca)",
    )
    recent = Notification.objects.filter(created_at__gte=started_at - timedelta(seconds=1))
    repeated = Counter(recent.values_list("user_id", "kind", "url", "text"))
    duplicated = sum(n - 1 for n in repeated.values() if n > 1)
    check(
        recent.exists() and duplicated == 0,
        f"avisos dados una sola vez ({recent.count()} avisos, {duplicated} dobles)",
    )
    alerts = Counter(
        ThreatAlert.objects.filter(message__author_id__startswith=AUTHOR).values_list(
            "message_id", flat=True
        )
    )
    threats = stored.filter(flags__contains=["amenaza"]).count()
    check(
        all(n == 1 for n in alerts.values()) and len(alerts) == threats,
        f"una alerta por cada amenaza ({threats} amenazas, {len(alerts)} alertas)",
    )
    failed = OutboxTask.objects.filter(failed=True).count()
    check(failed == 0, f"ninguna tarea fallida ({failed})")
    log(
        f"Cifras: {figures['entregas']} webhooks aceptados por dos servidores en "
        f"{load_seconds:.1f} s ({figures['entregas'] / load_seconds:.0f}/s), "
        f"{figures['reintentos']} reentregas; trabajo terminado "
        f"{(drained_at or time.monotonic()) - load_started:.0f} s después del inicio."
    )
    if options.figures:
        Path(options.figures).write_text(
            json.dumps(
                {
                    "servers": options.servers,
                    "webhooks": figures["entregas"],
                    "seconds": load_seconds,
                    "per_second": figures["entregas"] / load_seconds,
                    "drained_seconds": (drained_at or time.monotonic()) - load_started,
                    "failures": failures,
                }
            )
        )
    if failures:
        log(f"Registros en {work}")
        return 1
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
