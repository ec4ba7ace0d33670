"""The public scoreboard at /indicadores/: figures from the rollups, "insuficiente" under 20
messages, filters, sorting, trend, CSV, methodology, and no citizen data anywhere."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from agora.directory.models import Entity, SocialAccount
from agora.inbox import services
from agora.inbox.deadlines import DEFINITIONS
from agora.reports.models import DailyRollup
from agora.reports.rollups import rollups_touched
from agora.reports.scoreboard import MIN_MESSAGES, ScoreRow, scoreboard
from tests.reports.conftest import MONDAY, event

pytestmark = pytest.mark.django_db
CITIZEN_NAME = "Rosa Huamán Condori"
CITIZEN_ID = "ciudadana-77001122"
CITIZEN_HANDLE = "rosita_hc"


def _batch(
    account: SocialAccount,
    start: datetime,
    n: int,
    *,
    answered: int,
    answer_after: timedelta = timedelta(hours=1),
    prefix: str = "",
) -> None:
    """``n`` conversations a minute apart, the first ``answered`` answered."""
    events = []
    for i in range(n):
        thread = f"{prefix}{account.pk}-{start:%Y%m%d%H%M}-{i}"
        at = start + timedelta(minutes=i)
        events.append(
            event(
                account,
                thread=thread,
                sent_at=at,
                text=f"@{CITIZEN_HANDLE} consulta número {i}, mi DNI 45678912",
                author_id=CITIZEN_ID,
                author_name=CITIZEN_NAME,
            )
        )
        if i < answered:
            events.append(
                event(
                    account,
                    thread=thread,
                    sent_at=at + answer_after,
                    text="Respuesta",
                    from_entity=True,
                )
            )
    services.messages_ingest(batch=events, now=start + timedelta(days=20))


@pytest.fixture
def busy(minsa_account: SocialAccount, sunat_account: SocialAccount) -> date:
    """MINSA: 25 conversations (20 answered in an hour); SUNAT: 5. Returns the "today"."""
    _batch(minsa_account, MONDAY, 25, answered=20)
    _batch(sunat_account, MONDAY, 5, answered=5)
    return date(2026, 3, 10)


def _row(code: str, **kwargs: Any) -> ScoreRow:
    board = scoreboard(**kwargs)
    return next(row for row in board.rows if row.code == code)


def test_rates_from_rollups(busy: date) -> None:
    row = _row("minsa", today=busy)
    assert row.received == 25
    assert row.answered_share == pytest.approx(80.0)
    assert row.within_share == pytest.approx(100 * 20 / 25)  # the 5 unanswered are overdue
    assert row.median_hours == pytest.approx(1.0, abs=0.1)


def test_fewer_than_twenty_messages_is_insufficient(busy: date) -> None:
    row = _row("sunat", today=busy)
    assert row.received == 5 < MIN_MESSAGES
    assert (row.answered_share, row.within_share, row.median_hours) == (None, None, None)


def test_period_excludes_older_days(busy: date) -> None:
    assert _row("minsa", today=busy + timedelta(days=40)).received == 0


def test_filters_by_level_branch_and_department(busy: date, entities: dict[str, Entity]) -> None:
    national = {r.code for r in scoreboard(today=busy, level="nacional").rows}
    assert {"minsa", "sunat"} <= national
    assert not {r.code for r in scoreboard(today=busy, level="local").rows} & {"minsa"}
    assert "minsa" in {r.code for r in scoreboard(today=busy, branch="ejecutivo").rows}
    assert "minsa" not in {r.code for r in scoreboard(today=busy, department="04").rows}
    assert "minsa" in {r.code for r in scoreboard(today=busy, department="").rows}


def test_sorting_puts_insufficient_rows_last(busy: date) -> None:
    codes = [r.code for r in scoreboard(today=busy, sort="plazo").rows]
    assert codes.index("minsa") < codes.index("sunat")
    received = [r.received for r in scoreboard(today=busy, sort="recibidos").rows]
    assert received == sorted(received, reverse=True)
    ascending = [r.received for r in scoreboard(today=busy, sort="-recibidos").rows]
    assert ascending[: len([x for x in ascending if x])] == sorted(x for x in ascending if x)


def test_trend_compares_with_the_previous_period(minsa_account: SocialAccount) -> None:
    _batch(minsa_account, MONDAY - timedelta(days=30), 25, answered=5, prefix="antes")
    _batch(minsa_account, MONDAY, 25, answered=25)
    row = _row("minsa", today=date(2026, 3, 10))
    assert row.previous_within_share == pytest.approx(20.0)
    assert row.within_share == pytest.approx(100.0)
    assert row.trend == "mejora"


def test_public_page_needs_no_sign_in_and_says_insuficiente(
    client: Client, minsa_account: SocialAccount, sunat_account: SocialAccount
) -> None:
    recent = timezone.now() - timedelta(days=2)
    _batch(minsa_account, recent, 21, answered=21)
    _batch(sunat_account, recent, 3, answered=1)
    response = client.get("/indicadores/?orden=plazo")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ministerio de Salud" in page
    assert "insuficiente" in page
    assert 'aria-sort="descending"' in page
    assert "<svg" in page and "<title" in page and "<desc" in page
    for secret in (CITIZEN_NAME, CITIZEN_ID, CITIZEN_HANDLE, "45678912"):
        assert secret not in page


def test_bad_filter_values_are_reported_not_applied(client: Client, busy: date) -> None:
    response = client.get("/indicadores/?nivel=galactico&periodo=7")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_csv_download_is_aggregated_without_citizen_data(
    client: Client, minsa_account: SocialAccount, sunat_account: SocialAccount
) -> None:
    recent = timezone.now() - timedelta(days=2)
    _batch(minsa_account, recent, 21, answered=21)
    _batch(sunat_account, recent, 3, answered=1)
    response = client.get("/indicadores/indicadores.csv?nivel=nacional")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = {row["codigo"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows["minsa"]["mensajes_recibidos"] == "21"
    assert rows["minsa"]["porcentaje_respondido"] == "100.0"
    assert rows["sunat"]["porcentaje_dentro_del_plazo"] == "insuficiente"
    for secret in (CITIZEN_NAME, CITIZEN_ID, CITIZEN_HANDLE, "45678912"):
        assert secret not in text


def test_methodology_page_shows_the_inbox_definitions(client: Client) -> None:
    response = client.get("/indicadores/metodologia/")
    page = response.content.decode()
    assert response.status_code == 200
    for anchor, term, _text in DEFINITIONS:
        assert f'id="{anchor}"' in page
        assert str(term) in page
    assert "/bandeja/metodologia/" in page
    assert str(MIN_MESSAGES) in page


def test_median_over_a_period_counts_the_days_between_its_first_and_last(
    minsa_account: SocialAccount,
) -> None:
    """Five answered in 1 h on Monday, twelve in 3 h on Tuesday, five in 5 h on Wednesday:
    the median (3 h) lies only in the middle day, read through the running histograms."""
    _batch(minsa_account, MONDAY, 5, answered=5, answer_after=timedelta(hours=1), prefix="a")
    _batch(
        minsa_account,
        MONDAY + timedelta(days=1),
        12,
        answered=12,
        answer_after=timedelta(hours=3),
        prefix="b",
    )
    _batch(
        minsa_account,
        MONDAY + timedelta(days=2),
        5,
        answered=5,
        answer_after=timedelta(hours=5),
        prefix="c",
    )
    row = _row("minsa", today=date(2026, 3, 10))
    assert row.received == 22
    assert row.median_hours == pytest.approx(3.0, abs=0.25)


def test_a_cached_scoreboard_changes_with_the_next_ingested_message(busy: date) -> None:
    """Cached per filters and rollups revision: new messages show at once."""
    assert _row("minsa", today=busy).received == 25
    assert _row("minsa", today=busy).received == 25  # from the cache
    minsa = SocialAccount.objects.get(entity__code="minsa")
    _batch(minsa, MONDAY + timedelta(days=1), 2, answered=0, prefix="again-")
    assert _row("minsa", today=busy).received == 27


def test_medians_are_recomputed_for_the_entities_whose_rollups_changed(
    busy: date,
) -> None:
    """Medians are kept per entity with what they came from: the next scoreboard after new
    answers reads the histograms of the changed entity only, and shows its new median."""
    minsa_before = _row("minsa", today=busy).median_hours
    sunat_before = _row("sunat", today=busy).median_hours
    assert minsa_before == pytest.approx(1.0, abs=0.1)
    minsa = SocialAccount.objects.get(entity__code="minsa")
    # Thirty more, answered in 5 hours: the median moves past the 20 answered in one.
    _batch(minsa, MONDAY + timedelta(days=1), 30, answered=30, answer_after=timedelta(hours=5))
    read: list[str] = []

    def spy(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "spans" in sql:
            read.append(sql)
            assert len(params) == 3  # the period, and one entity
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        board = scoreboard(today=busy)
    rows = {row.code: row for row in board.rows}
    assert len(read) == 1
    assert rows["minsa"].median_hours == pytest.approx(5.0, abs=0.5)
    assert rows["sunat"].median_hours == sunat_before


def test_recently_changed_entities_are_always_computed_afresh(busy: date) -> None:
    """A change stamped in the last minutes may belong to an ingestion still committing:
    such an entity's median never comes from the memo."""
    DailyRollup.objects.filter(entity__code="minsa").update(updated_at=timezone.now())
    scoreboard(today=busy)
    rollups_touched()  # the next ingestion: the cached board is dropped
    read: list[Any] = []

    def spy(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "spans" in sql:
            read.append(params[2:])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        scoreboard(today=busy)
    minsa = Entity.objects.get(code="minsa").pk
    assert read == [[minsa]]
