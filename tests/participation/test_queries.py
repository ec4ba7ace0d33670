"""The consultation's public page and report cost the same number of queries whatever the
number of comments (and of paragraphs)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, reset_queries
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
    client.get(_pages(small.slug)[0])  # warm per-process caches (content types...)
    for small_url, large_url in zip(_pages(small.slug), _pages(large.slug), strict=True):
        # Cold: the document counts and the report summary are computed.
        cache.clear()
        reset_queries()  # the query log is a bounded deque: keep it short
        with CaptureQueriesContext(connection) as cold:
            assert client.get(small_url).status_code == 200
        cold_count = len(cold.captured_queries)  # read now: the next request resets the log
        cache.clear()
        with django_assert_num_queries(cold_count):
            assert client.get(large_url).status_code == 200
        # Warm: they come from the cache, keyed on the comments revision.
        client.get(small_url)
        reset_queries()
        with CaptureQueriesContext(connection) as warm:
            assert client.get(small_url).status_code == 200
        warm_count = len(warm.captured_queries)
        client.get(large_url)
        with django_assert_num_queries(warm_count):
            assert client.get(large_url).status_code == 200
        assert 0 < warm_count <= cold_count <= 10
    page = client.get(_pages(large.slug)[0]).content.decode()
    assert page.count('class="doc-paragraph"') == 200
    assert "demo" in page
