"""The full-text index of messages' text that agora/inbox/search.py queries, per database.

SQLite: an external-content FTS5 table over ``inbox_message.text`` (the text is stored once,
in the message), folded by ``unicode61 remove_diacritics 2`` (case and accents), kept by
triggers that read only the message's id and text. No prefix indexes: they tripled the cost of
every inserted message (ingestion's limit), and a word being typed is matched as a prefix only
from three letters (agora/inbox/search.py), which FTS5 answers from its term list fast enough
(bench/inbox_search.py).
Triggers, not the services, so that every write path (ingestion's raw multi-row INSERT, edits,
notes, answers, deletes) is covered without knowing about the index.

PostgreSQL: a GIN expression index on ``to_tsvector('agora_busqueda', text)``, where
``agora_busqueda`` is a text search configuration that passes each word through ``unaccent``
then ``simple`` (lower case, no stemming, no stop words: the same matching as SQLite's). The
index is kept by PostgreSQL itself. ``unaccent`` is a trusted extension (PostgreSQL 13+): the
database owner creates it without being a superuser.
"""

from __future__ import annotations

from typing import Any

FTS_TABLE = "inbox_message_fts"
PG_CONFIG = "agora_busqueda"
PG_INDEX = "inbox_msg_fulltext"

# Identifiers are written out: nothing here comes from outside.
_SQLITE_TRIGGERS = {
    "inbox_message_fts_ai": (
        "CREATE TRIGGER IF NOT EXISTS inbox_message_fts_ai AFTER INSERT ON inbox_message BEGIN "
        "INSERT INTO inbox_message_fts(rowid, text) VALUES (new.id, new.text); END"
    ),
    "inbox_message_fts_ad": (
        "CREATE TRIGGER IF NOT EXISTS inbox_message_fts_ad AFTER DELETE ON inbox_message BEGIN "
        "INSERT INTO inbox_message_fts(inbox_message_fts, rowid, text) "
        "VALUES ('delete', old.id, old.text); END"
    ),
    # Only when the text changes: classification and moderation update other columns often.
    "inbox_message_fts_au": (
        "CREATE TRIGGER IF NOT EXISTS inbox_message_fts_au AFTER UPDATE OF text ON inbox_message "
        "BEGIN INSERT INTO inbox_message_fts(inbox_message_fts, rowid, text) "
        "VALUES ('delete', old.id, old.text); "
        "INSERT INTO inbox_message_fts(rowid, text) VALUES (new.id, new.text); END"
    ),
}
_SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS inbox_message_fts USING fts5("
    "text, content='inbox_message', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')"
)
_SQLITE_REBUILD = "INSERT INTO inbox_message_fts(inbox_message_fts) VALUES ('rebuild')"
_SQLITE_PRESENT = (
    "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name IN "
    "('inbox_message_fts', 'inbox_message_fts_ai', 'inbox_message_fts_ad', 'inbox_message_fts_au')"
)

# Words with letters outside ASCII (plain, with digits, hyphenated) go through unaccent;
# ASCII words need not. "simple" then lower-cases them, without stemming or stop words.
_PG_CONFIG = (
    "DO $$ BEGIN "
    "IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'agora_busqueda') THEN "
    "CREATE TEXT SEARCH CONFIGURATION agora_busqueda (COPY = simple); "
    "ALTER TEXT SEARCH CONFIGURATION agora_busqueda "
    "ALTER MAPPING FOR word, numword, hword, numhword, hword_part, hword_numpart "
    "WITH unaccent, simple; "
    "END IF; END $$"
)
_PG_INDEX = (
    "CREATE INDEX IF NOT EXISTS inbox_msg_fulltext ON inbox_message "
    "USING gin (to_tsvector('agora_busqueda'::regconfig, text))"
)


def _sqlite_install(cursor: Any) -> None:
    cursor.execute(_SQLITE_TABLE)
    for sql in _SQLITE_TRIGGERS.values():
        cursor.execute(sql)
    cursor.execute(_SQLITE_REBUILD)  # the messages stored before the index existed


def _postgresql_install(cursor: Any) -> None:
    cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    cursor.execute(_PG_CONFIG)
    cursor.execute(_PG_INDEX)


def install(connection: Any) -> None:
    """Creates the index for the messages already stored (a migration calls it)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            _sqlite_install(cursor)
        elif connection.vendor == "postgresql":
            _postgresql_install(cursor)


def sqlite_recreate(connection: Any) -> None:
    """Drops and rebuilds the SQLite index with the current definition (a migration that
    changes it calls this; the triggers stay, they name the table only)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        _sqlite_install(cursor)


def uninstall(connection: Any) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS inbox_message_fts")
        elif connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS inbox_msg_fulltext")
            cursor.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS agora_busqueda")
            # unaccent stays: another part of the database may use it.


def ensure(connection: Any) -> bool:
    """Recreates the SQLite triggers when a migration rebuilt ``inbox_message`` (Django
    remakes a SQLite table to alter a column, and the triggers go with the old table), and
    rebuilds the index then. True when something had to be repaired. Run after ``migrate``."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(_SQLITE_PRESENT)
        present = {row[0] for row in cursor.fetchall()}
        if FTS_TABLE not in present:
            return False  # not migrated yet: the migration creates everything
        if present >= set(_SQLITE_TRIGGERS):
            return False
        _sqlite_install(cursor)
    return True
