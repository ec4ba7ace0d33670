"""Issue #13: one conversation per citizen thread. Splits the conversations that held a whole
post's comments (or every reply under one X post) into one per top-level comment, moves the
entity's post out of the messages into ``Post`` (the context), and recomputes timelines and
deadlines with the ingestion code (``agora.inbox.split``). The earliest citizen thread keeps
the conversation's id.

The report rollups of the entities touched are rebuilt by a background task queued in the
same transaction (``agora.reports.rollups.rollups_rebuild``): it runs on the current models
once the worker starts. ``agora rollups_rebuild`` does the same by hand.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.utils import timezone


def split(apps: Any, schema_editor: Any) -> None:
    from agora.inbox.split import SplitModels, conversations_split

    models = SplitModels(
        Conversation=apps.get_model("inbox", "Conversation"),
        Message=apps.get_model("inbox", "Message"),
        Post=apps.get_model("inbox", "Post"),
        ThreatAlert=apps.get_model("inbox", "ThreatAlert"),
        DeadlineBreach=apps.get_model("inbox", "DeadlineBreach"),
        ResponsePolicy=apps.get_model("inbox", "ResponsePolicy"),
        NonWorkingDay=apps.get_model("inbox", "NonWorkingDay"),
    )
    touched = conversations_split(models, now=timezone.now())
    if touched:
        from django_q.tasks import async_task

        async_task(
            "agora.reports.rollups.rollups_rebuild",
            entity_ids=sorted(touched),
            task_name="rollups-tras-division-de-conversaciones",
        )


class Migration(migrations.Migration):
    dependencies = [("inbox", "0012_conversation_post_reply_to")]

    operations = [migrations.RunPython(split, migrations.RunPython.noop, elidable=False)]
