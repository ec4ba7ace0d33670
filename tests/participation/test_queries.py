"""The consultation's public page and report cost the same number of queries whatever the
number of comments (and of paragraphs)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agora.participation.demo import consultation_generate

pytestmark = pytest.mark.django_db


def _pages(slug: str) -> list[str]:
    detail = reverse("participation:consultation_detail", args=[slug])
    return [
        detail,
        detail + "?parrafo=2.3",
        reverse("participation:consultation_report", args=[slug]),
    ]


def test_query_count_independent_of_comments(django_assert_num_queries: Any) -> None:
    small = consultation_generate(slug="pequena", paragraphs=20, comments=150)
    large = consultation_generate(slug="grande", paragraphs=200, comments=3000)
    client = Client()
    for small_url, large_url in zip(_pages(small.slug), _pages(large.slug), strict=True):
        client.get(small_url)  # warm per-process caches (content types, sessions...)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(small_url).status_code == 200
        with django_assert_num_queries(len(captured.captured_queries)):
            response = client.get(large_url)
        assert response.status_code == 200
    page = client.get(_pages(large.slug)[0]).content.decode()
    assert page.count('class="doc-paragraph"') == 200
    assert "demo" in page
