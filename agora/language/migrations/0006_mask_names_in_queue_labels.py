"""The labelling queue's stored copies masked again with the names of people written in the text
(agora/language/masking.py): labels recorded before only had the author's name masked."""

from typing import Any

from django.db import migrations

CHUNK = 2_000


def remask(apps: Any, schema_editor: Any) -> None:
    from agora.language.masking import mask_for_training

    QueueLabel = apps.get_model("language", "QueueLabel")
    after = 0
    while True:
        labels = list(
            QueueLabel.objects.filter(pk__gt=after)
            .select_related("message")
            .order_by("pk")[:CHUNK]
        )
        if not labels:
            return
        changed = []
        for label in labels:
            message = label.message
            source = message.text if message is not None else label.masked_text
            author = [message.author_name] if message is not None else []
            masked = mask_for_training(source or "", author)
            if masked != label.masked_text:
                label.masked_text = masked
                changed.append(label)
        QueueLabel.objects.bulk_update(changed, ["masked_text"])
        after = labels[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("language", "0005_model_payload_import"),
    ]

    operations = [migrations.RunPython(remask, migrations.RunPython.noop)]
