"""A predictable stand-in for the trained classifier: the tests of ingestion, moderation and
threats are about what the inbox does with a classification, not about the model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox.models import Message
from agora.inbox.services import IncomingMessage, messages_ingest
from agora.language import model as classifier
from tests.helpers import make_verified_account

RULES: tuple[tuple[str, str], ...] = (
    ("idiota", "insulto"),
    ("rata", "insulto"),
    ("gana dinero", "spam"),
    ("te voy a matar", "amenaza"),
    ("voy a quemar", "amenaza"),
)


@dataclass
class FakeModel:
    version: str = "fake-1"
    seen: list[str] = field(default_factory=list)

    def classify_texts(self, texts: Sequence[str]) -> list[classifier.Result]:
        out = []
        for text in texts:
            self.seen.append(text)
            lowered = text.lower()
            flags = sorted({flag for word, flag in RULES if word in lowered})
            kind = "otro" if flags else ("consulta" if "?" in text else "queja")
            out.append(classifier.Result(kind=kind, flags=flags, scores={}, version=self.version))
        return out


def install(monkeypatch: pytest.MonkeyPatch, version: str = "fake-1") -> FakeModel:
    fake = FakeModel(version=version)
    monkeypatch.setattr(classifier, "load", lambda version=None: fake)
    return fake


def remove(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(version: str | None = None) -> classifier.TrainedModel:
        raise classifier.ModelError("No hay un modelo entrenado.")

    monkeypatch.setattr(classifier, "load", missing)


_counter = iter(range(1, 10_000_000))


def event(
    account: Any,
    text: str,
    *,
    thread: str = "post-1",
    thread_kind: str = "comentarios",
    message_id: str = "",
    minutes: float = 5,
    now: datetime | None = None,
    verb: str = "add",
    author: str = "ciudadano-1",
) -> IncomingMessage:
    return IncomingMessage(
        platform=account.platform,
        account_id=account.pk,
        thread_kind=thread_kind,
        thread_id=thread,
        message_id=message_id or f"m-{next(_counter)}",
        sent_at=(now or timezone.now()) - timedelta(minutes=minutes),
        text=text,
        author_id=author,
        author_name="Vecino",
        verb=verb,
    )


def ingest_one(account: Any, text: str, **kwargs: Any) -> Message:
    ev = event(account, text, **kwargs)
    messages_ingest(batch=[ev])
    return Message.objects.get(platform=account.platform, platform_message_id=ev.message_id)


def account_for(entity: Entity, platform: str, handle: str, actor: User) -> SocialAccount:
    account = make_verified_account(actor, entity, platform, handle)
    if not account.platform_id:
        SocialAccount.objects.filter(pk=account.pk).update(platform_id=f"id-{handle}")
        account.refresh_from_db()
    return account
