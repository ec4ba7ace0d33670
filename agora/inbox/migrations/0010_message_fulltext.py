"""Full-text index of messages (agora/inbox/search_index.py): an FTS5 table kept by triggers
on SQLite, a GIN expression index with an unaccent text search configuration on PostgreSQL.
Each vendor runs only its own part; the existing messages are indexed here."""

from django.db import migrations


def forward(apps, schema_editor):
    from agora.inbox import search_index

    search_index.install(schema_editor.connection)


def backward(apps, schema_editor):
    from agora.inbox import search_index

    search_index.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('inbox', '0009_conversation_presence'),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
