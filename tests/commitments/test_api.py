"""API: /api/v1/commitments/ (filter by code, nested milestones with YYYY-MM months) and
/api/v1/plans/, both in the OpenAPI schema."""

from __future__ import annotations

import json

from django.test import Client

from agora.commitments.models import Commitment


def test_commitments_filter_by_code_with_nested_milestones(
    client: Client, commitment: Commitment, make_commitment: object
) -> None:
    make_commitment("PE9002")  # type: ignore[operator]
    data = client.get("/api/v1/commitments/?code=PE9001").json()
    assert data["count"] == 1
    item = data["results"][0]
    assert item["code"] == "PE9001"
    assert item["cycle"] == 2025
    assert item["lead_entity"] == "minsa"
    assert item["milestones"][0]["start"] == "2025-01"
    assert item["milestones"][0]["end"] == "2025-02"
    assert set(item["milestones"][0]) >= {"activity", "start", "end", "status", "weight"}
    assert client.get("/api/v1/commitments/?code=pe9002").json()["count"] == 1
    assert client.get("/api/v1/commitments/PE9001/").json()["code"] == "PE9001"
    assert client.get("/api/v1/commitments/?code=NADA").json()["count"] == 0


def test_plans_endpoint(client: Client, commitment: Commitment) -> None:
    data = client.get("/api/v1/plans/").json()
    plan = data["results"][0]
    assert plan["cycle"] == 2025 and plan["period"] == "2025–2026" and plan["commitment_count"] == 1


def test_schema_documents_both_endpoints(client: Client, db: None) -> None:
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    text = response.content.decode()
    schema = json.loads(text) if text.lstrip().startswith("{") else None
    assert "/api/v1/commitments/" in text and "/api/v1/plans/" in text
    if schema is not None:
        params = {p["name"] for p in schema["paths"]["/api/v1/commitments/"]["get"]["parameters"]}
        assert "code" in params
    assert "pattern" in text and "2015-08" in text
