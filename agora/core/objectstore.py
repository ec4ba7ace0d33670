"""The object store of uploaded files (AGORA_S3_BUCKET, django-storages): what readiness asks
of it. Files are read only through the views that check who asks (agora/core/files.py)."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import storages


def probe() -> str:
    """The bucket answers with these credentials (one HEAD request; reads no file)."""
    storage: Any = storages["default"]
    storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)
    return "S3: %s" % storage.bucket_name
