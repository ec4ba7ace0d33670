"""Shared fixtures: real entities (a small slice of the public data) and people in each role."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from agora.core.models import User
from agora.directory import public_data, services
from agora.directory.models import Entity, Membership, MembershipRole, SocialAccount

# The object store of the tests marked ``storage`` (s3_endpoint, s3_bucket).
pytest_plugins = ["tests.objectstore"]

NATIONAL_SAMPLE = {"pcm", "minsa", "minedu", "mef", "sunat", "reniec", "onpe", "jne", "congreso"}


@pytest.fixture(autouse=True)
def _immediate_visit_flush(settings: pytest.FixtureRequest) -> None:
    settings.VISIT_FLUSH_SECONDS = 0  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _rollups_inline(settings: Any) -> None:
    """Small batches update the rollups inside their own transaction, on PostgreSQL too, so
    a test reads the scoreboard right after ingesting; the tests of the worker path turn
    ``AGORA_ROLLUPS_BY_WORKER`` on."""
    settings.AGORA_ROLLUPS_BY_WORKER = False


@pytest.fixture(autouse=True)
def _outbox_runs_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if a worker were always free: the outbox row handed over after a commit is run at
    once (tests/core/test_outbox.py covers lost hand-overs, leases and retries; the
    ``dispatched`` fixture records the hand-overs instead)."""
    from agora.core import outbox

    monkeypatch.setattr(outbox, "dispatch", lambda pk: outbox.outbox_run(pk))


@pytest.fixture
def dispatched(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The outbox rows handed to the queue after a commit (instead of queueing them)."""
    from agora.core import outbox

    handed: list[int] = []
    monkeypatch.setattr(outbox, "dispatch", handed.append)
    return handed


@pytest.fixture(autouse=True)
def _own_var_dir(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test has its own var directory: uploaded files (evidence, admission documents)
    go there, never into the real var/media. The classifier lives in the database: no test
    depends on the model that ``make data`` trained; a test that needs one installs it
    (tests/language/conftest.py)."""
    settings.VAR_DIR = tmp_path_factory.mktemp("var")
    settings.MEDIA_ROOT = settings.VAR_DIR / "media"
    # The classifier is cached per process by version, the current version for a few
    # seconds: each test's database decides afresh.
    classifier = sys.modules.get("agora.language.model")
    if classifier is not None:
        classifier.forget_loaded()


@pytest.fixture
def entities(db: None) -> dict[str, Entity]:
    """A few real national entities plus Arequipa's regional and local governments."""
    rows = [
        row
        for row in public_data.all_rows()
        if row["code"] in NATIONAL_SAMPLE
        or row["code"] in {"gr-04", "mp-0401", "md-040102", "md-040103", "gr-15", "mp-1501"}
    ]
    for row in rows:
        if row.get("parent_code") not in NATIONAL_SAMPLE:
            row["parent_code"] = ""
    services.entities_load(rows=rows)
    return {e.code: e for e in Entity.objects.all()}


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(username: str, *, is_rector: bool = False, totp: bool = False, **extra: Any) -> User:
        user = User.objects.create_user(
            username=username, password="contraseña-de-prueba-123", is_rector=is_rector, **extra
        )
        if totp:
            TOTPDevice.objects.create(user=user, name="default", confirmed=True)
        return user

    return make


@pytest.fixture
def rector(make_user: Callable[..., User]) -> User:
    return make_user("rectora", is_rector=True, totp=True)


@pytest.fixture
def manager(make_user: Callable[..., User], entities: dict[str, Entity]) -> User:
    user = make_user("gestor-minsa", totp=True)
    Membership.objects.create(user=user, entity=entities["minsa"], role=MembershipRole.GESTOR)
    return user


@pytest.fixture
def communicator(make_user: Callable[..., User], entities: dict[str, Entity]) -> User:
    user = make_user("comunicadora-minsa")
    Membership.objects.create(user=user, entity=entities["minsa"], role=MembershipRole.COMUNICADOR)
    return user


@pytest.fixture
def other_manager(make_user: Callable[..., User], entities: dict[str, Entity]) -> User:
    user = make_user("gestor-sunat", totp=True)
    Membership.objects.create(user=user, entity=entities["sunat"], role=MembershipRole.GESTOR)
    return user


@pytest.fixture
def verified_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    account = services.account_propose(
        actor=rector,
        entity=entities["minsa"],
        platform="x",
        handle="@Minsa_Peru",
        evidence="Enlace desde https://www.gob.pe/minsa",
    )
    return services.account_verify(actor=rector, account=account)


@pytest.fixture(autouse=True)
def _fresh_cache_and_fast_passwords(settings: pytest.FixtureRequest) -> None:
    """Cached fragments are keyed on the directory revision, which test rollbacks reuse; and
    password hashing at production strength only slows tests down."""
    from django.core.cache import cache

    cache.clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
