"""Instagram comments deleted on the platform. Instagram's ``comments`` webhook tells of new
comments only, never of a deletion, so the hourly job (``connectors.tasks.deletions_check_all``)
asks for the open conversations' top-level comments one by one (``GET /{ig-comment-id}
?fields=id``, Instagram Graph API, IG Comment reference): an existing comment answers its id;
a deleted one answers error 100 with subcode 33 ("object does not exist"), and is marked
deleted in the inbox (text kept, as for every deletion).

Subcode 33 also means "cannot be loaded due to missing permissions": when most of the comments
checked in a run come back that way, a permission problem is far likelier than a wave of
deletions, and nothing is marked (logged for the operator). Any other error stops the run for
that account (the next run tries again). At most ``CHECK_MAX`` comments per account and run
(Instagram allows about 200 calls per hour and account), newest first, of the last
``CHECK_DAYS`` days; comments newer than ``VANISH_MARGIN`` are left alone.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone

from agora.connectors import meta, vanished
from agora.directory.models import SocialAccount
from agora.inbox.senders import SendError

log = logging.getLogger(__name__)

CHECK_MAX = 100
CHECK_DAYS = 30
VANISH_MARGIN = timedelta(minutes=10)
GONE_CODE, GONE_SUBCODE = 100, 33
# Of the comments checked in a run, at least this many "gone" and more than this share: a
# permission problem, not deletions.
SUSPECT_MIN, SUSPECT_SHARE = 5, 0.5


class CheckUnavailable(Exception):
    """The account cannot be checked now (no token, Meta unreachable or refusing)."""


def _gone(response: requests.Response) -> bool | None:
    """True: the comment no longer exists; False: it exists; None: cannot tell."""
    if response.status_code < 400:
        return False
    try:
        body: Any = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    if error.get("code") == GONE_CODE and error.get("error_subcode") == GONE_SUBCODE:
        return True
    return None


def comments_check(account: SocialAccount, *, now: datetime | None = None) -> int:
    """Marks deleted the account's open top-level comments that Instagram no longer has.
    Returns how many; raises ``CheckUnavailable`` when nothing could be checked."""
    now = now or timezone.now()
    comments = vanished.open_top_comments(
        account, now=now, margin=VANISH_MARGIN, days=CHECK_DAYS, limit=CHECK_MAX
    )
    if not comments:
        return 0
    try:
        token = meta._token(account)
    except SendError as exc:
        raise CheckUnavailable(str(exc)) from exc
    base = meta.graph_base_url(account)
    gone: list[vanished.Comment] = []
    checked = 0
    for comment_id, thread_id, sent_at in comments:
        try:
            response = requests.get(
                f"{base}/{comment_id}",
                params={"fields": "id"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=settings.CONNECTOR_TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:
            if not checked:
                raise CheckUnavailable(type(exc).__name__) from exc
            break
        verdict = _gone(response)
        if verdict is None:
            if not checked:
                raise CheckUnavailable(f"HTTP {response.status_code}")
            break
        checked += 1
        if verdict:
            gone.append((comment_id, thread_id, sent_at))
    if len(gone) >= SUSPECT_MIN and len(gone) > SUSPECT_SHARE * checked:
        log.warning(
            "Instagram %s: %s de %s comentarios «no existen»: se sospecha un permiso faltante "
            "(instagram_manage_comments) y no se marca ninguno como borrado.",
            account,
            len(gone),
            checked,
        )
        return 0
    return vanished.mark_deleted(account, gone, now)
