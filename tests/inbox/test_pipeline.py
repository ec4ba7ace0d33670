"""The steps after a batch is stored (agora/inbox/pipeline.py): named, registered by their
apps, run in order, each in a savepoint, with one rule for now or after the commit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from agora.inbox import pipeline
from agora.inbox.services import IngestResult

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _result(new: int = 1, conversations: int = 1) -> IngestResult:
    result = IngestResult()
    result.new_keys = [("facebook", f"m{i}") for i in range(new)]
    result.conversation_ids = set(range(1, conversations + 1))
    return result


def test_every_step_is_registered_in_order() -> None:
    assert [step.name for step in pipeline.steps()] == [
        "prioridad",
        "lectura",
        "vigilancia",
        "cifras",
    ]


def test_an_unknown_step_is_refused() -> None:
    with pytest.raises(ValueError):
        pipeline.step_register(pipeline.Step("otra", now=lambda result, now: None))


def test_one_rule_for_now_or_later() -> None:
    assert pipeline.runs_now(_result(new=pipeline.NOW_LIMIT))
    assert not pipeline.runs_now(_result(new=pipeline.NOW_LIMIT + 1))
    assert not pipeline.runs_now(_result(conversations=pipeline.NOW_LIMIT + 1))


@pytest.mark.django_db
def test_steps_run_in_order_now_or_later_and_a_failure_stays_in_its_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran: list[str] = []

    def record(label: str) -> Any:
        return lambda result, now: ran.append(label)

    def broken(result: Any, now: Any) -> None:
        ran.append("vigilancia:ahora")
        raise RuntimeError("falla a propósito")

    steps = {
        "prioridad": pipeline.Step("prioridad", now=record("prioridad:ahora")),
        "lectura": pipeline.Step(
            "lectura", now=record("lectura:ahora"), later=record("lectura:después")
        ),
        "vigilancia": pipeline.Step("vigilancia", now=broken, later=record("vigilancia:después")),
        "cifras": pipeline.Step(
            "cifras",
            now=record("cifras:ahora"),
            later=record("cifras:después"),
            always_later=lambda: True,
        ),
    }
    monkeypatch.setattr(pipeline, "_REGISTERED", steps)
    pipeline.after_ingest(_result(), now=NOW)
    assert ran == ["prioridad:ahora", "lectura:ahora", "vigilancia:ahora", "cifras:después"]
    ran.clear()
    pipeline.after_ingest(_result(new=pipeline.NOW_LIMIT + 1), now=NOW)
    assert ran == ["prioridad:ahora", "lectura:después", "vigilancia:después", "cifras:después"]
    ran.clear()
    pipeline.after_ingest(IngestResult(), now=NOW)
    assert ran == []  # nothing stored, nothing to do
