"""Watch-lists: the query language (precedence, phrases, NOT, accents, errors with their
position), the writes (permissions, validation, audit), matching on ingestion (entity scope,
replays, edits, large batches deferred) and the hourly throttle of alerts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

import pytest

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, Notification, User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import pipeline
from agora.inbox import services as inbox
from agora.inbox.models import Message, ThreadKind
from agora.language import watchlists
from agora.language.models import WatchList, WatchMatch
from agora.language.watchlists import And, Not, Or, QueryError, Term, parse_query
from tests.helpers import make_verified_account

_ids = count(1)
NOW = datetime(2026, 5, 4, 15, 10, tzinfo=UTC)


def _matches(query: str, text: str) -> bool:
    compiled = watchlists.CompiledList.build(id=1, entity_id=None, name="x", text=query)
    return bool(watchlists.Matcher([compiled]).match_texts([text], [1])[0])


# --- parser ----------------------------------------------------------------------------------


def test_and_binds_tighter_than_or() -> None:
    """«a OR b AND c» is «a OR (b AND c)»."""
    node = parse_query("agua OR luz AND corte")
    assert isinstance(node, Or)
    assert isinstance(node.children[1], And)
    assert _matches("agua OR luz AND corte", "no hay agua")
    assert not _matches("agua OR luz AND corte", "sin luz")
    assert _matches("agua OR luz AND corte", "corte de luz")


def test_parentheses_change_precedence() -> None:
    assert not _matches("(agua OR luz) AND corte", "no hay agua")
    assert _matches("(agua OR luz) AND corte", "corte de agua")


def test_adjacent_terms_are_joined_by_and() -> None:
    node = parse_query("obra colegio")
    assert isinstance(node, And) and len(node.children) == 2
    assert _matches("obra colegio", "el colegio y su obra")
    assert not _matches("obra colegio", "la obra")


def test_not_excludes_and_binds_tighter_than_and() -> None:
    node = parse_query("huaico NOT simulacro")
    assert isinstance(node, And) and isinstance(node.children[1], Not)
    assert _matches("huaico NOT simulacro", "cayó un huaico en Chosica")
    assert not _matches("huaico NOT simulacro", "simulacro de huaico mañana")


def test_quoted_phrase_needs_the_words_together_and_in_order() -> None:
    assert _matches('"agua potable"', "Seguimos sin AGUA POTABLE en el barrio")
    assert not _matches('"agua potable"', "el agua no es potable")
    assert not _matches('"agua potable"', "potable agua")
    assert _matches("«agua potable»", "sin agua potable")


def test_accents_case_elongation_and_leetspeak_are_ignored() -> None:
    """«Corrupción» finds «CORRUPCION», «corrupciooon» and «c0rrupci0n»."""
    for text in ("CORRUPCION en la obra", "pura corrupciooon", "c0rrupci0n total"):
        assert _matches("Corrupción", text), text
    assert _matches("desague", "el desagüe está colapsado")


def test_terms_match_whole_words_and_their_plural() -> None:
    assert not _matches("obra", "maniobra peligrosa")
    assert _matches("obra", "las obras del colegio")
    assert _matches("red", "las redes de agua")
    assert not _matches('"agua potable"', "aguas potables")


def test_numbers_and_handles_match_on_the_raw_text() -> None:
    """The normaliser turns numbers into placeholders; a law number still means itself."""
    assert _matches("Ley 30220", "según la ley 30220 de universidades")
    assert not _matches("Ley 30220", "según la ley 27444")
    assert _matches("@Minsa_Peru", "dicen que @minsa_peru no responde")


def test_matched_terms_are_the_positive_ones_found() -> None:
    compiled = watchlists.CompiledList.build(
        id=1, entity_id=None, name="x", text="corrupción AND (obra OR licitación) NOT sancionado"
    )
    found = watchlists.Matcher([compiled]).match_texts(["Corrupción en la licitación"], [1])[0]
    assert found[0][1] == ["corrupción", "licitación"]


@pytest.mark.parametrize(
    ("query", "column", "fragment"),
    [
        ('"agua potable', 1, "comillas"),
        ("(agua OR luz", 1, "paréntesis"),
        ("agua OR luz)", 12, "paréntesis de cierre"),
        ("agua AND", 9, "después de «AND»"),
        ("OR agua", 1, "antes de «OR»"),
        ("agua AND OR luz", 10, "antes de «OR»"),
        ("()", 1, "vacíos"),
        ('""', 1, "vacía"),
        ("NOT spam", 1, "solo excluye"),
        ("!!!", 1, "no tiene letras"),
    ],
)
def test_malformed_query_names_the_position(query: str, column: int, fragment: str) -> None:
    with pytest.raises(QueryError) as error:
        parse_query(query, number=3)
    assert error.value.column == column
    assert error.value.line == 3
    message = error.value.messages[0]
    assert message.startswith(f"Línea 3, posición {column}: ")
    assert fragment in message


def test_parse_queries_reports_the_line_of_the_error() -> None:
    with pytest.raises(QueryError) as error:
        watchlists.parse_queries("corrupción\n\nhuaico AND\n")
    assert error.value.line == 3


def test_a_term_is_a_term() -> None:
    node = parse_query("Huaicooo")
    assert isinstance(node, Term) and node.tokens == ("huaico",)


# --- writes ----------------------------------------------------------------------------------


def test_manager_creates_entity_list_and_it_is_audited(
    manager: User, entities: dict[str, Entity]
) -> None:
    created = watchlists.watchlist_create(
        actor=manager, entity=entities["minsa"], name=" Dengue ", queries="dengue\n\n zancudo "
    )
    assert created.name == "Dengue" and created.queries == "dengue\nzancudo"
    assert AuditEvent.objects.filter(verb="vigilancia.lista_creada").count() == 1


def test_malformed_query_saves_nothing(manager: User, entities: dict[str, Entity]) -> None:
    with pytest.raises(QueryError, match="Línea 2, posición 1"):
        watchlists.watchlist_create(
            actor=manager, entity=entities["minsa"], name="Mala", queries="dengue\n(zancudo"
        )
    assert not WatchList.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="vigilancia").exists()


def test_communicator_and_other_manager_cannot_create_or_edit(
    communicator: User, other_manager: User, manager: User, entities: dict[str, Entity]
) -> None:
    for actor in (communicator, other_manager):
        with pytest.raises(PermissionDeniedError):
            watchlists.watchlist_create(
                actor=actor, entity=entities["minsa"], name="x", queries="dengue"
            )
    own = watchlists.watchlist_create(
        actor=manager, entity=entities["minsa"], name="Dengue", queries="dengue"
    )
    with pytest.raises(PermissionDeniedError):
        watchlists.watchlist_update(actor=communicator, watch_list=own, name="x", queries="zancudo")
    own.refresh_from_db()
    assert own.queries == "dengue"


def test_only_rector_creates_global_lists(rector: User, manager: User) -> None:
    with pytest.raises(PermissionDeniedError):
        watchlists.watchlist_create(actor=manager, entity=None, name="Global", queries="paro")
    created = watchlists.watchlist_create(actor=rector, entity=None, name="Global", queries="paro")
    assert created.is_global


def test_duplicate_name_is_refused(manager: User, entities: dict[str, Entity]) -> None:
    watchlists.watchlist_create(actor=manager, entity=entities["minsa"], name="A", queries="x1a")
    with pytest.raises(DomainError, match="Ya existe"):
        watchlists.watchlist_create(
            actor=manager, entity=entities["minsa"], name="A", queries="dengue"
        )


def test_update_bumps_revision_and_recompiles(manager: User, entities: dict[str, Entity]) -> None:
    watch_list = watchlists.watchlist_create(
        actor=manager, entity=entities["minsa"], name="A", queries="dengue"
    )
    first = watchlists.matcher_current()
    assert watchlists.matcher_current() is first  # cached while nothing changes
    updated = watchlists.watchlist_update(
        actor=manager, watch_list=watch_list, name="A", queries="zancudo"
    )
    assert updated.revision == 2
    second = watchlists.matcher_current()
    assert second is not first
    assert "zancudos" in second.lists[0].keys and "dengue" not in second.lists[0].keys


# --- matching on ingestion -------------------------------------------------------------------


@pytest.fixture
def minsa_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return make_verified_account(rector, entities["minsa"], "facebook", "minsaperu", "1001")


@pytest.fixture
def sunat_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return make_verified_account(rector, entities["sunat"], "facebook", "sunatperu", "2002")


def _event(account: SocialAccount, text: str, **kw: Any) -> inbox.IncomingMessage:
    return inbox.IncomingMessage(
        platform=account.platform,
        account_id=account.pk,
        thread_kind=ThreadKind.COMMENTS,
        thread_id=kw.pop("thread", f"hilo-{next(_ids)}"),
        message_id=kw.pop("message_id", f"m-{next(_ids)}"),
        sent_at=kw.pop("sent_at", NOW - timedelta(minutes=5)),
        text=text,
        author_id=kw.pop("author_id", "ciudadano-1"),
        author_name="Ana Pérez",
        **kw,
    )


@pytest.fixture
def lists(rector: User, manager: User, entities: dict[str, Entity]) -> dict[str, WatchList]:
    return {
        "minsa": watchlists.watchlist_create(
            actor=manager, entity=entities["minsa"], name="Dengue", queries="dengue OR zancudo"
        ),
        "global": watchlists.watchlist_create(
            actor=rector, entity=None, name="Violencia", queries='"los vamos a quemar"'
        ),
    }


def test_ingested_message_matches_its_entity_list_and_the_global_one(
    minsa_account: SocialAccount, lists: dict[str, WatchList]
) -> None:
    inbox.messages_ingest(
        batch=[_event(minsa_account, "Hay DENGUE en mi barrio y si no vienen los vamos a quemar")],
        now=NOW,
    )
    matches = {m.watch_list_id: m for m in WatchMatch.objects.all()}
    assert set(matches) == {lists["minsa"].pk, lists["global"].pk}
    assert matches[lists["minsa"].pk].terms == ["dengue"]
    assert matches[lists["global"].pk].terms == ["los vamos a quemar"]
    assert matches[lists["minsa"].pk].matched_at == NOW


def test_other_entity_lists_do_not_apply(
    sunat_account: SocialAccount, lists: dict[str, WatchList]
) -> None:
    inbox.messages_ingest(batch=[_event(sunat_account, "dengue en la oficina")], now=NOW)
    assert not WatchMatch.objects.exists()


def test_entity_answers_and_inactive_lists_are_not_matched(
    minsa_account: SocialAccount, lists: dict[str, WatchList], manager: User
) -> None:
    answer = _event(minsa_account, "Sobre el dengue: fumigaremos", author_id="1001")
    inbox.messages_ingest(batch=[answer], now=NOW)
    assert not WatchMatch.objects.exists()
    watchlists.watchlist_update(
        actor=manager, watch_list=lists["minsa"], name="Dengue", queries="dengue", is_active=False
    )
    inbox.messages_ingest(batch=[_event(minsa_account, "dengue")], now=NOW)
    assert not WatchMatch.objects.exists()


def test_replay_does_not_duplicate_and_edit_can_match(
    minsa_account: SocialAccount, lists: dict[str, WatchList]
) -> None:
    first = _event(minsa_account, "tengo dengue", thread="t1", message_id="m1")
    inbox.messages_ingest(batch=[first], now=NOW)
    inbox.messages_ingest(batch=[first], now=NOW)
    assert WatchMatch.objects.count() == 1
    quiet = _event(minsa_account, "buen día", thread="t1", message_id="m2")
    inbox.messages_ingest(batch=[quiet], now=NOW)
    assert WatchMatch.objects.count() == 1
    edited = _event(
        minsa_account, "buen día, hay zancudos", thread="t1", message_id="m2", verb="edit"
    )
    inbox.messages_ingest(batch=[edited], now=NOW)
    assert WatchMatch.objects.count() == 2
    again = _event(
        minsa_account, "buen día, hay zancudos y dengue", thread="t1", message_id="m2", verb="edit"
    )
    inbox.messages_ingest(batch=[again], now=NOW)
    assert WatchMatch.objects.count() == 2


def test_demo_messages_give_demo_matches(
    minsa_account: SocialAccount, lists: dict[str, WatchList]
) -> None:
    inbox.messages_ingest(batch=[_event(minsa_account, "dengue")], is_demo=True, now=NOW)
    assert WatchMatch.objects.get().is_demo


def test_large_batches_are_matched_after_commit_by_a_task(
    minsa_account: SocialAccount,
    lists: dict[str, WatchList],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Callable[..., Any],
    dispatched: list[int],
) -> None:
    from agora.core.models import OutboxTask

    monkeypatch.setattr(pipeline, "NOW_LIMIT", 2)
    batch = [_event(minsa_account, f"dengue caso {n}") for n in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        inbox.messages_ingest(batch=batch, now=NOW)
        assert not dispatched  # nothing leaves before the batch commits
    assert not WatchMatch.objects.exists()
    task = OutboxTask.objects.get(func="agora.language.watchlists.messages_watch_task")
    assert task.pk in dispatched
    created = watchlists.messages_watch_task(*task.args)
    assert created == 3
    assert set(WatchMatch.objects.values_list("matched_at", flat=True)) == {NOW}


def test_a_failing_matcher_never_rolls_back_ingestion(
    minsa_account: SocialAccount, lists: dict[str, WatchList], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(watchlists, "messages_watch", broken)
    result = inbox.messages_ingest(batch=[_event(minsa_account, "dengue")], now=NOW)
    assert result.created == 1
    assert Message.objects.filter(text="dengue").exists()


# --- alerts ----------------------------------------------------------------------------------


def test_burst_gives_one_notification_per_list_and_hour(
    minsa_account: SocialAccount,
    lists: dict[str, WatchList],
    manager: User,
    rector: User,
    communicator: User,
) -> None:
    for minute in range(0, 40, 10):
        inbox.messages_ingest(
            batch=[_event(minsa_account, "dengue"), _event(minsa_account, "zancudo")],
            now=NOW + timedelta(minutes=minute),
        )
    assert WatchMatch.objects.count() == 8
    mine = Notification.objects.filter(user=manager, kind="vigilancia")
    assert mine.count() == 1
    assert "Dengue" in mine.get().text
    assert mine.get().url == f"/lenguaje/vigilancia/coincidencias/?lista={lists['minsa'].pk}"
    assert not Notification.objects.filter(user=communicator, kind="vigilancia").exists()
    # The rector owns the global list, which did not match.
    assert not Notification.objects.filter(user=rector, kind="vigilancia").exists()
    inbox.messages_ingest(batch=[_event(minsa_account, "dengue")], now=NOW + timedelta(hours=1))
    # The next hour's notice is a repeat of the same list: grouped in its row (issue 13).
    assert mine.count() == 1
    assert mine.get().count == 2 and mine.get().read_at is None


def test_global_list_alerts_rector_staff(
    minsa_account: SocialAccount, lists: dict[str, WatchList], manager: User, rector: User
) -> None:
    inbox.messages_ingest(batch=[_event(minsa_account, "los vamos a quemar")], now=NOW)
    assert Notification.objects.filter(user=rector, kind="vigilancia").count() == 1
    assert not Notification.objects.filter(user=manager, kind="vigilancia").exists()


# --- reads -----------------------------------------------------------------------------------


def test_matches_are_scoped_to_who_asks(
    minsa_account: SocialAccount,
    sunat_account: SocialAccount,
    lists: dict[str, WatchList],
    rector: User,
    manager: User,
    communicator: User,
    other_manager: User,
    entities: dict[str, Entity],
) -> None:
    sunat_list = watchlists.watchlist_create(
        actor=other_manager, entity=entities["sunat"], name="Fraccionamiento", queries="fraccionar"
    )
    inbox.messages_ingest(
        batch=[
            _event(minsa_account, "dengue y los vamos a quemar"),
            _event(sunat_account, "quiero fraccionar mi deuda"),
        ],
        now=NOW,
    )
    everything = set(WatchMatch.objects.values_list("watch_list_id", flat=True))
    assert everything == {lists["minsa"].pk, lists["global"].pk, sunat_list.pk}

    def seen(user: User) -> set[int]:
        return set(
            watchlists.watch_matches_for_staff(user=user).values_list("watch_list_id", flat=True)
        )

    assert seen(rector) == everything
    assert seen(manager) == {lists["minsa"].pk}
    assert seen(communicator) == {lists["minsa"].pk}
    assert seen(other_manager) == {sunat_list.pk}
    assert set(watchlists.watchlists_for_staff(user=communicator)) == {lists["minsa"]}
    with pytest.raises(WatchList.DoesNotExist):
        watchlists.watchlist_get_for_staff(user=other_manager, pk=lists["minsa"].pk)


def test_matches_per_day_include_empty_days_in_lima_time(
    minsa_account: SocialAccount, lists: dict[str, WatchList], rector: User
) -> None:
    # 03:00 UTC on 5 May is 22:00 on 4 May in Lima.
    late = datetime(2026, 5, 5, 3, 0, tzinfo=UTC)
    inbox.messages_ingest(batch=[_event(minsa_account, "dengue")], now=late)
    inbox.messages_ingest(batch=[_event(minsa_account, "zancudo")], now=late + timedelta(days=2))
    start, end = date(2026, 5, 3), date(2026, 5, 7)
    qs = watchlists.watch_matches_for_staff(user=rector, start=start, end=end)
    days = watchlists.watch_matches_per_day(qs, start=start, end=end)
    assert [(d.day.day, d.count) for d in days] == [(3, 0), (4, 1), (5, 0), (6, 1), (7, 0)]
