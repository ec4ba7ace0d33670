"""The quorum rule is set per forum (``quorum_percent``: more than X % of the voting members,
floor(n·X/100) + 1); the default 50 keeps half plus one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agora.core.errors import DomainError
from agora.core.models import AuditEvent, User
from agora.participation import services
from agora.participation.models import Forum, ForumMembership, ForumSession
from tests.helpers import login

pytestmark = pytest.mark.django_db


def test_default_is_half_plus_one(forum: Forum) -> None:
    assert forum.quorum_percent == 50
    assert [services.quorum_for(n) for n in (0, 1, 2, 9, 10)] == [1, 1, 2, 5, 6]
    assert [services.quorum_for(n, 50) for n in (9, 10)] == [5, 6]


def test_other_percentages() -> None:
    assert services.quorum_for(10, 66) == 7  # floor(6.6) + 1
    assert services.quorum_for(9, 66) == 6  # floor(5.94) + 1
    assert services.quorum_for(10, 1) == 1
    assert services.quorum_for(10, 100) == 10  # all of them, never more than there are
    assert services.quorum_for(3, 99) == 3


def _held(forum: Forum) -> ForumSession:
    return services.session_schedule(
        actor=None,
        system=True,
        forum=forum,
        title="Sesión",
        starts_at=timezone.now() - timedelta(hours=2),
        agenda="1.",
    )


def test_session_close_uses_the_forums_rule(
    rector: User, forum: Forum, add_member: Callable[..., ForumMembership]
) -> None:
    members = [add_member(f"Org {i}") for i in range(3)] + [add_member("Estado", "estado")]
    services.forum_save(actor=rector, forum=forum, quorum_percent=75)
    session = _held(forum)
    # 4 voting members at 75 %: floor(3) + 1 = 4; three present is not enough (it would be
    # with the default rule).
    services.attendance_record(actor=rector, session=session, present=[m.pk for m in members[:3]])
    with pytest.raises(DomainError, match="se requieren 4"):
        services.session_close(actor=rector, session=session, valid=True)
    services.attendance_record(actor=rector, session=session, present=[m.pk for m in members])
    services.session_close(actor=rector, session=session, valid=True)
    session.refresh_from_db()
    assert session.is_valid is True and session.quorum_required == 4


@pytest.mark.parametrize("bad", [0, 101, -5, "50", True, None])
def test_out_of_range_refused_and_nothing_written(rector: User, forum: Forum, bad: object) -> None:
    audits = AuditEvent.objects.count()
    with pytest.raises(DomainError, match="porcentaje del quórum"):
        services.forum_save(actor=rector, forum=forum, quorum_percent=bad)
    forum.refresh_from_db()
    assert forum.quorum_percent == 50
    assert AuditEvent.objects.count() == audits


def _edit(forum: Forum, **extra: object) -> dict[str, object]:
    return {
        "accion": "foro",
        "name": forum.name,
        "status": forum.status,
        "purpose": forum.purpose,
        "requirements": "\n".join(forum.requirements),
        "term_months": forum.term_months,
        "convocation_days": forum.convocation_days,
        **extra,
    }


def test_secretariat_sets_the_rule_from_the_page(rector: User, forum: Forum) -> None:
    client = login(Client(), rector)
    url = reverse("participation:forum_manage", args=[forum.slug])
    assert 'name="quorum_percent"' in client.get(url).content.decode()
    client.post(url, _edit(forum, quorum_percent=60))
    forum.refresh_from_db()
    assert forum.quorum_percent == 60
    page = client.get(forum.get_absolute_url()).content.decode()
    assert "más del 60 % de los miembros con voto" in page
    # Left out of the form: the rule is kept.
    client.post(url, _edit(forum))
    forum.refresh_from_db()
    assert forum.quorum_percent == 60


def test_page_refuses_out_of_range_with_spanish_message(rector: User, forum: Forum) -> None:
    client = login(Client(), rector)
    url = reverse("participation:forum_manage", args=[forum.slug])
    page = client.post(url, _edit(forum, quorum_percent=150), follow=True).content.decode()
    assert "Revise los datos del foro" in page
    assert "Quórum" in page
    forum.refresh_from_db()
    assert forum.quorum_percent == 50


def test_forum_page_states_default_rule(forum: Forum) -> None:
    page = Client().get(forum.get_absolute_url()).content.decode()
    assert "la mitad más uno de los miembros con voto" in page
