"""Issue 14, point 3 for Instagram comments: Instagram's ``comments`` webhook never tells of a
deletion, so the hourly job asks for the open conversations' top-level comments by id
(``GET /{ig-comment-id}?fields=id``, Instagram Graph API, IG Comment reference). A deleted
comment answers error 100 / subcode 33 (the Graph API's "object does not exist" shape:
``{"error": {"message": …, "type": "GraphMethodException", "code": 100,
"error_subcode": 33, "fbtrace_id": …}}``) and is marked deleted, its text kept; a run where
most come back that way (a missing permission answers the same) marks nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses
from django.test import Client

from agora.connectors import meta_deletions
from agora.connectors.tasks import deletions_check_all
from agora.directory.models import SocialAccount
from agora.inbox.models import Conversation, Message, Status
from tests.connectors.test_meta import GRAPH, IG_ID, T0, _meta_settings, _post, ig_account

__all__ = ["_meta_settings", "ig_account"]

NOW = datetime.fromtimestamp(T0, UTC) + timedelta(hours=2)
GONE = {
    "error": {
        "message": "Unsupported get request. Object with ID '17900000002' does not exist, "
        "cannot be loaded due to missing permissions, or does not support this operation.",
        "type": "GraphMethodException",
        "code": 100,
        "error_subcode": 33,
        "fbtrace_id": "AbCdEf123",
    }
}


def _comments(client: Client, *ids: str) -> None:
    changes = [
        {
            "field": "comments",
            "value": {
                "from": {"id": f"1784000{n}", "username": f"vecina_{n}"},
                "media": {"id": "18000000001", "media_product_type": "FEED"},
                "id": comment_id,
                "text": f"Consulta número {n}",
            },
        }
        for n, comment_id in enumerate(ids)
    ]
    payload = {"object": "instagram", "entry": [{"id": IG_ID, "time": T0, "changes": changes}]}
    assert _post(client, payload).status_code == 200


def _answer(api: responses.RequestsMock, comment_id: str, gone: bool) -> None:
    if gone:
        api.get(f"{GRAPH}/{comment_id}", status=400, json=GONE)
    else:
        api.get(f"{GRAPH}/{comment_id}", json={"id": comment_id})


@pytest.mark.django_db
def test_a_deleted_instagram_comment_is_marked_deleted_by_the_hourly_check(
    client: Client, ig_account: SocialAccount
) -> None:
    _comments(client, "17900000001", "17900000002", "17900000003")
    Conversation.objects.filter(thread_id="17900000003").update(status=Status.CERRADO)
    with responses.RequestsMock() as api:  # every registered call must be made
        _answer(api, "17900000001", gone=False)
        _answer(api, "17900000002", gone=True)
        assert meta_deletions.comments_check(ig_account, now=NOW) == 1
        # The closed conversation is not asked for; the token travels in a header.
        assert all("17900000003" not in str(c.request.url) for c in api.calls)
        assert all(c.request.headers["Authorization"].startswith("Bearer ") for c in api.calls)
    gone = Message.objects.get(platform_message_id="17900000002")
    assert gone.deleted_at is not None and gone.text == "Consulta número 1"
    assert Message.objects.get(platform_message_id="17900000001").deleted_at is None


@pytest.mark.django_db
def test_many_gone_at_once_reads_as_a_missing_permission_and_marks_nothing(
    client: Client, ig_account: SocialAccount
) -> None:
    ids = [f"1790000001{n}" for n in range(6)]
    _comments(client, *ids)
    with responses.RequestsMock() as api:
        for comment_id in ids:
            _answer(api, comment_id, gone=True)
        assert meta_deletions.comments_check(ig_account, now=NOW) == 0
    assert not Message.objects.filter(deleted_at__isnull=False).exists()


@pytest.mark.django_db
def test_other_errors_stop_the_check_and_the_job_goes_on(
    client: Client, ig_account: SocialAccount, caplog: Any
) -> None:
    _comments(client, "17900000001")
    with responses.RequestsMock() as api:
        # A rate limit (code 4): cannot tell, nothing marked, the job logs and continues.
        api.get(f"{GRAPH}/17900000001", status=400, json={"error": {"code": 4}})
        from unittest import mock

        with mock.patch("django.utils.timezone.now", return_value=NOW):
            assert deletions_check_all() == 0
    assert "falló" in caplog.text
    assert not Message.objects.filter(deleted_at__isnull=False).exists()


@pytest.mark.django_db
def test_new_comments_are_left_alone(client: Client, ig_account: SocialAccount) -> None:
    _comments(client, "17900000001")
    moments_after = datetime.fromtimestamp(T0, UTC) + timedelta(minutes=5)
    with responses.RequestsMock() as api:  # no call may be made
        assert meta_deletions.comments_check(ig_account, now=moments_after) == 0
        assert len(api.calls) == 0


@pytest.mark.django_db
def test_the_sandbox_answers_whether_a_comment_still_exists(ig_account: SocialAccount) -> None:
    """The demo's platform answers the same two shapes, so the hourly job works in the demo."""
    from agora.connectors import sandbox
    from agora.connectors.models import SandboxKind, SandboxPublication

    SandboxPublication.objects.create(
        account=ig_account, kind=SandboxKind.CIUDADANO, platform_id="17900000009", text="[demo]"
    )
    assert sandbox.graph_read(account=ig_account, path="17900000009", params={}) == {
        "id": "17900000009"
    }
    with pytest.raises(sandbox.SandboxRefused) as refused:
        sandbox.graph_read(account=ig_account, path="17900000008", params={})
    assert (refused.value.code, refused.value.subcode) == (100, 33)
