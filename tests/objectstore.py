"""An S3-compatible object store for the tests marked ``storage``: the server that
AGORA_S3_ENDPOINT_URL names (.ci/run starts ``moto_server`` on loopback), else moto's server
started here on 127.0.0.1; skipped, saying why, when neither can be had. Each test gets its
own bucket and Django's default storage pointed at it (as AGORA_S3_BUCKET does)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

REGION = "us-east-1"


@dataclass
class Endpoint:
    url: str
    access_key: str
    secret_key: str

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )


@dataclass
class Bucket:
    endpoint: Endpoint
    name: str
    client: Any

    def keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return bytes(self.client.get_object(Bucket=self.name, Key=key)["Body"].read())


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[Endpoint]:
    url = os.environ.get("AGORA_S3_ENDPOINT_URL", "")
    server = None
    if not url:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            pytest.skip("Sin AGORA_S3_ENDPOINT_URL ni moto[server] instalado: no hay almacén S3.")
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
    endpoint = Endpoint(
        url=url,
        access_key=os.environ.get("AGORA_S3_ACCESS_KEY", "prueba"),
        secret_key=os.environ.get("AGORA_S3_SECRET_KEY", "prueba-secreta"),
    )
    try:
        endpoint.client().list_buckets()
    except Exception as error:  # any failure to reach it means: no store for these tests
        if server is not None:
            server.stop()
        pytest.skip("El almacén S3 de %s no responde: %s" % (url, error))
    yield endpoint
    if server is not None:
        server.stop()


def storage_options(endpoint: Endpoint, bucket: str) -> dict[str, Any]:
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint.url,
        "region_name": REGION,
        "access_key": endpoint.access_key,
        "secret_key": endpoint.secret_key,
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
        "addressing_style": "path",
    }


@pytest.fixture
def s3_bucket(settings: Any, s3_endpoint: Endpoint) -> Iterator[Bucket]:
    """A fresh bucket, and uploads going to it through Django's default storage."""
    client = s3_endpoint.client()
    name = "agora-prueba-%s" % uuid.uuid4().hex[:12]
    client.create_bucket(Bucket=name)
    settings.S3_BUCKET = name
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": storage_options(s3_endpoint, name),
        },
    }
    yield Bucket(endpoint=s3_endpoint, name=name, client=client)
