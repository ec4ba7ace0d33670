"""AGORA_S3_* switch Django's default storage to an S3-compatible object store (the local
disk stays the default), and readiness asks the store when it is configured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from django.test import Client

from tests.objectstore import Bucket

READY = "/salud/lista/"


def _storages(env: dict[str, str]) -> dict[str, Any]:
    """The STORAGES a fresh process builds from this environment."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "d = settings.STORAGES['default']; o = dict(d.get('OPTIONS', {})); "
        "c = o.pop('client_config', None); "
        "o['addressing'] = c.s3['addressing_style'] if c else None; "
        "o['connect_timeout'] = c.connect_timeout if c else None; "
        "print(json.dumps({'backend': d['BACKEND'], 'options': o}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AGORA_S3_")}
    output = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "agora.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def test_without_a_bucket_uploads_stay_on_the_local_disk() -> None:
    assert _storages({})["backend"] == "django.core.files.storage.FileSystemStorage"


def test_the_s3_variables_switch_the_default_storage_to_a_private_bucket() -> None:
    config = _storages(
        {
            "AGORA_S3_BUCKET": "agora-archivos",
            "AGORA_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
            "AGORA_S3_REGION": "us-east-1",
            "AGORA_S3_ACCESS_KEY": "clave",
            "AGORA_S3_SECRET_KEY": "secreto",
            "AGORA_S3_ADDRESSING": "path",
        }
    )
    assert config["backend"] == "storages.backends.s3.S3Storage"
    options = config["options"]
    assert options["bucket_name"] == "agora-archivos"
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    assert options["region_name"] == "us-east-1"
    assert (options["access_key"], options["secret_key"]) == ("clave", "secreto")
    assert options["default_acl"] == "private" and options["querystring_auth"] is True
    assert options["file_overwrite"] is False
    assert options["addressing"] == "path" and options["connect_timeout"] == 5


def test_readiness_without_a_bucket_does_not_ask_for_one(client: Client, db: None) -> None:
    names = [c["nombre"] for c in client.get(READY).json()["comprobaciones"]]
    assert "almacenamiento" not in names


@pytest.mark.storage
def test_readiness_asks_the_object_store(client: Client, db: None, s3_bucket: Bucket) -> None:
    response = client.get(READY)
    assert response.status_code == 200
    check = {c["nombre"]: c for c in response.json()["comprobaciones"]}["almacenamiento"]
    assert check["estado"] == "ok" and s3_bucket.name in check["detalle"]


@pytest.mark.storage
def test_a_missing_bucket_makes_the_server_not_ready(
    client: Client, db: None, s3_bucket: Bucket
) -> None:
    s3_bucket.client.delete_bucket(Bucket=s3_bucket.name)
    response = client.get(READY)
    assert response.status_code == 503
    body = response.json()
    assert body["estado"] == "falla"
    check = {c["nombre"]: c for c in body["comprobaciones"]}["almacenamiento"]
    assert check["estado"] == "falla"
    assert "secreto" not in response.content.decode() and "prueba" not in check["detalle"]
