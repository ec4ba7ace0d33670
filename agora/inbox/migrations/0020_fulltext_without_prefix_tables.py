"""The SQLite full-text index without its prefix tables (agora/inbox/search_index.py): they
tripled the cost of every inserted message. Rebuilt from the messages; PostgreSQL unchanged."""

from django.db import migrations


def forward(apps, schema_editor):
    from agora.inbox import search_index

    search_index.sqlite_recreate(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("inbox", "0019_platform_ids_whole_and_aliases"),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop, elidable=False),
    ]
