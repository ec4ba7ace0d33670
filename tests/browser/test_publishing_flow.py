"""Publishing and the crisis mode in a real Chromium, by clicks after the sign-in (issue 18):
an approved post whose time has come is published on the sandbox platform over real HTTP (the
job run here as the worker would), the staff user sees it "Publicado" with its id on the
network, and a citizen's comment on it (the sandbox's) appears in the inbox under that post.
The manager declares a crisis, sees the scheduled post paused and marks a step done. Pages pass
axe-core and fit 375 px."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from agora.connectors import sandbox
from agora.connectors.models import SandboxKind, SandboxPublication
from agora.core.models import User
from agora.directory import services as directory
from agora.directory.models import Entity, Platform, SocialAccount
from agora.publishing import crisis, publishing
from agora.publishing.models import PostStatus, PostVariant
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, MOBILE, PageLog
from tests.browser.journeys import axe_clean, fits_phone, open_inbox, sign_in
from tests.publishing.factories import planned_post

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

POST_TEXT = "Hoy empezamos la campaña de vacunación en todas nuestras sedes."


@pytest.fixture
def page_account(
    site: str, settings: Any, rector: User, entities: dict[str, Entity]
) -> SocialAccount:
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_URL = f"{site}/sandbox/graph"
    settings.SANDBOX_WEBHOOK_URL = f"{site}/webhooks/meta/"
    settings.META_APP_SECRET = "secreto-de-prueba-del-navegador"
    account = directory.account_verify(
        actor=rector,
        account=directory.account_propose(
            actor=rector,
            entity=entities["minsa"],
            platform=Platform.FACEBOOK,
            handle="minsa.demo",
            platform_id="100200300400",
            evidence="Cuenta de demostración",
        ),
    )
    SocialAccount.objects.filter(pk=account.pk).update(is_demo=True)
    account.refresh_from_db()
    sandbox.credentials_install(accounts=[account])
    return account


def _deliver() -> None:
    """What the worker does with the sandbox's outbox: its signed webhooks."""
    for pk in SandboxPublication.objects.filter(delivered_at__isnull=True).values_list(
        "pk", flat=True
    ):
        assert sandbox.publication_deliver(pk) == "entregado"


def _citizen_comment_on(post_id: str) -> str:
    """The sandbox's citizens until one comments on the post (they mostly do)."""
    rng = random.Random(18)
    for _attempt in range(40):
        sandbox.citizens_send(count=1, rng=rng)
        comment = SandboxPublication.objects.filter(
            kind=SandboxKind.CIUDADANO, post_id=post_id
        ).first()
        if comment is not None:
            _deliver()
            return comment.text
    raise AssertionError("ningún comentario sobre la publicación")


def _my_entity_page(page: Page) -> None:
    page.get_by_role("navigation", name="Navegación principal").get_by_role(
        "link", name="Mi trabajo"
    ).click()
    page.get_by_role("link", name="Publicaciones y manual de crisis de MINSA").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Manual de crisis")


def _check(page: Page, where: str, phone: bool) -> None:
    axe_clean(page, where)
    if phone:
        fits_phone(page, where)


@pytest.mark.parametrize("phone", [False, True], ids=["escritorio", "375px"])
def test_a_due_post_is_published_on_the_sandbox_and_its_comment_reaches_the_inbox(
    site: str,
    page_account: SocialAccount,
    communicator: User,
    manager: User,
    page: Page,
    page_log: PageLog,
    phone: bool,
) -> None:
    if phone:
        page.set_viewport_size(MOBILE)
    post = planned_post(account=page_account, author=communicator, text=POST_TEXT)
    assert publishing.posts_publish_due()["publicadas"] == 1
    _deliver()
    variant = PostVariant.objects.get(post=post)
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLICADO
    sign_in(page, site, manager)
    _my_entity_page(page)
    published = page.locator(f"#publicacion-{post.pk}")
    expect(published).to_contain_text("Publicado")
    expect(published).to_contain_text(variant.platform_post_id)
    _check(page, "página de publicaciones", phone)
    comment = _citizen_comment_on(variant.platform_post_id)
    open_inbox(page)
    page.get_by_role("link", name=comment).first.click()
    conversation = page.locator("#conversacion")
    expect(conversation).to_contain_text("Publicación de la entidad")
    expect(conversation).to_contain_text(POST_TEXT)
    expect(conversation).to_contain_text(comment)
    _check(page, "conversación del comentario", phone)
    assert page_log.problems() == []


@pytest.mark.parametrize("phone", [False, True], ids=["escritorio", "375px"])
def test_the_manager_declares_a_crisis_sees_the_post_paused_and_marks_a_step(
    site: str,
    page_account: SocialAccount,
    manager: User,
    entities: dict[str, Entity],
    page: Page,
    page_log: PageLog,
    phone: bool,
) -> None:
    if phone:
        page.set_viewport_size(MOBILE)
    minsa = entities["minsa"]
    step = crisis.crisis_step_add(
        entity=minsa, actor=manager, text="Avisar a la jefatura de prensa", responsible="Prensa"
    )
    crisis.holding_statement_add(
        entity=minsa, actor=manager, title="Caída del sistema", text="Estamos revisando."
    )
    post = planned_post(
        account=page_account,
        status=PostStatus.PROGRAMADO,
        scheduled_at=timezone.now() + timedelta(hours=2),
        title="Feria de salud del domingo",
    )
    sign_in(page, site, manager)
    _my_entity_page(page)
    _check(page, "manual de crisis sin crisis", phone)
    page.get_by_label("Qué pasa").fill("Reclamos masivos por la caída del sistema de citas.")
    page.get_by_role("button", name="Declarar crisis").click()
    expect(page.get_by_role("heading", name="Crisis abierta")).to_be_visible()
    expect(page.locator(f"#publicacion-{post.pk}")).to_contain_text("En pausa por una crisis")
    expect(page.get_by_text("Estamos revisando.")).to_be_visible()
    page.locator(f"#paso-{step.pk}").get_by_role("button", name="Marcar como hecho").click()
    expect(page.locator(f"#paso-{step.pk}")).to_contain_text("Hecho")
    _check(page, "crisis abierta", phone)
    post.refresh_from_db()
    assert post.paused_at is not None
    assert publishing.posts_publish_due(post.scheduled_at + timedelta(minutes=1))["publicadas"] == 0
    assert page_log.problems() == []
