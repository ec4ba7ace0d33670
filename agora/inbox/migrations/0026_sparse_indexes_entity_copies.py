"""Sparse indexes and the entity copies without a key of their own (agora/inbox/models.py).

Written to spare large databases a rebuild: Django alters a field's key or index on SQLite by
copying the whole table (and the full-text index is rebuilt after it), and on PostgreSQL holds
the tables locked meanwhile. Here the database only drops the old indexes of the four columns
and the two keys of the entity copies (on PostgreSQL; SQLite cannot drop a key without copying
the table, so there the copies keep it, as before), and builds the partial indexes: a few
seconds per million messages, during which the inbox can be read but not written
(docs/operacion.md)."""

from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (model, column) of the indexes that become partial, and of the keys that go (PostgreSQL).
_OLD_INDEXES = [
    ("conversation", "escalated_to_id"),
    ("message", "author_user_id"),
    ("message", "reply_to_id"),
]
_KEYS = [("conversation", "entity_id"), ("message", "entity_id")]


def _drop_old(apps: Any, schema_editor: Any) -> None:
    for model_name, column in _OLD_INDEXES:
        model = apps.get_model("inbox", model_name)
        for name in schema_editor._constraint_names(model, [column], index=True):
            schema_editor.execute(schema_editor._delete_index_sql(model, name))
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, column in _KEYS:
        model = apps.get_model("inbox", model_name)
        for name in schema_editor._constraint_names(model, [column], foreign_key=True):
            schema_editor.execute(schema_editor._delete_fk_sql(model, name))


def _restore_old(apps: Any, schema_editor: Any) -> None:
    for model_name, column in _OLD_INDEXES:
        model = apps.get_model("inbox", model_name)
        field = next(f for f in model._meta.fields if f.column == column)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, column in _KEYS:
        model = apps.get_model("inbox", model_name)
        field = next(f for f in model._meta.fields if f.column == column)
        schema_editor.execute(
            schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s")
        )


# The indexes that go and come run on the database as written; the fields' keys and indexes
# change in the state only (``_drop_old`` and ``_restore_old`` do it on the database).
_REMOVED = [
    migrations.RemoveIndex(
        model_name="conversation",
        name="inbox_conv_assignee",
    ),
    migrations.RemoveIndex(
        model_name="conversation",
        name="inbox_conv_mine",
    ),
]
_ADDED = [
    migrations.AddIndex(
        model_name="conversation",
        index=models.Index(
            condition=models.Q(("assignee__isnull", False)),
            fields=["assignee", "status"],
            name="inbox_conv_assignee2",
        ),
    ),
    migrations.AddIndex(
        model_name="conversation",
        index=models.Index(
            condition=models.Q(("escalated_to__isnull", False)),
            fields=["escalated_to"],
            name="inbox_conv_escalated_to",
        ),
    ),
    migrations.AddIndex(
        model_name="conversation",
        index=models.Index(
            condition=models.Q(("assignee__isnull", False)),
            fields=["assignee", "entity", "hidden", "status", "last_inbound_at"],
            name="inbox_conv_mine2",
        ),
    ),
    migrations.AddIndex(
        model_name="message",
        index=models.Index(
            condition=models.Q(("reply_to__isnull", False)),
            fields=["reply_to"],
            name="inbox_msg_reply_to",
        ),
    ),
    migrations.AddIndex(
        model_name="message",
        index=models.Index(
            condition=models.Q(("author_user__isnull", False)),
            fields=["author_user"],
            name="inbox_msg_author_user",
        ),
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0003_fake_account_reports"),
        ("inbox", "0025_reply_approval_statuses"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                *_REMOVED,
                migrations.AlterField(
                    model_name="conversation",
                    name="entity",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="conversations",
                        to="directory.entity",
                        verbose_name="entidad",
                    ),
                ),
                migrations.AlterField(
                    model_name="conversation",
                    name="escalated_to",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="escalated_conversations",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="escalada a",
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="author_user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="escrita por",
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="entity",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="directory.entity",
                        verbose_name="entidad",
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="reply_to",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="inbox.message",
                        verbose_name="en respuesta a",
                    ),
                ),
                *_ADDED,
            ],
            database_operations=[
                migrations.RunPython(_drop_old, _restore_old),
                *_REMOVED,
                *_ADDED,
            ],
        ),
    ]
