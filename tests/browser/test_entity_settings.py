"""The entity settings area in a real Chromium: the page (with a stored credential, people with
access, a pending password change and the entity's own policy), its refusals and the rector's
index pass axe-core (WCAG 2.1 AA), fit a 375 px screen and log no console error or CSP
violation; a token typed in the browser is saved and never shown again."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from agora.connectors import entity_settings, services
from agora.connectors.models import AccountCredential
from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import policies
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, MOBILE, PageLog
from tests.browser.journeys import axe_clean
from tests.browser.test_accessibility import _open
from tests.helpers import login as _login
from tests.helpers import make_verified_account as _account

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

SECRET = "EAAGm0PX4ZCpsBAOZBZCj9secreto-navegador-W8kd"
OAUTH = "ya29.a0-token-oauth-navegador"
REFRESH = "1//0gR-actualizacion-navegador-Q2pz"
PAGE = "/entidad/minsa/configuracion/"
INDEX = "/entidad/configuracion/?q=salud"


def _sign_in(page: Page, site: str, user: User) -> None:
    cookie = _login(Client(), user).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}])


def _axe_clean(page: Page, path: str) -> None:
    # Open every folded form so that axe checks the fields inside.
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    axe_clean(page, path)


def _fits_phone(page: Page, path: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"{path} is {width}px wide"
    expect(page.locator("h1").first).to_be_visible()


@pytest.fixture
def settings_data(site: str, manager: User, rector: User, entities: dict[str, Entity]) -> None:
    """MINSA's X account has a token and two people with access; one left, so a password
    change is pending on it; MINSA has its own, stricter policy."""
    account = SocialAccount.objects.get(entity=entities["minsa"], platform="x")
    services.credential_set(actor=rector, account=account, kind="bearer", secret=SECRET)
    services.access_grant(
        actor=manager, account=account, person_name="Luis Huamán", platform_role="editor"
    )
    access = services.access_grant(
        actor=manager, account=account, person_name="Rosa Quispe", platform_role="administradora"
    )
    services.access_revoke(actor=manager, access=access)
    policies.response_policy_set(
        actor=manager, entity=entities["minsa"], first_response_hours=Decimal("4")
    )
    # A YouTube channel with an OAuth token and its refresh token (the renewal section).
    youtube = _account(rector, entities["minsa"], "youtube", "@minsaperu", "UCk5GjR2bWnR2Vn")
    services.credential_set(actor=rector, account=youtube, kind="oauth", secret=OAUTH)
    entity_settings.credential_refresh_token_set(
        actor=manager, account=youtube, refresh_token=REFRESH
    )


@pytest.mark.parametrize("who", ["manager", "rector"])
def test_settings_page_passes_axe_and_fits_a_phone(
    site: str,
    settings_data: None,
    manager: User,
    rector: User,
    page: Page,
    mobile_page: Page,
    page_log: PageLog,
    who: str,
) -> None:
    user = manager if who == "manager" else rector
    for browser_page in (page, mobile_page):
        _sign_in(browser_page, site, user)
        _open(browser_page, site, PAGE)
        expect(browser_page.locator("h1")).to_contain_text("Configuración de Ministerio de Salud")
    expect(page.locator("body")).to_contain_text("Confirmar que la contraseña fue cambiada")
    expect(page.locator("body")).to_contain_text("Token de actualización registrado")
    for secret in (SECRET, OAUTH, REFRESH):
        assert secret not in page.content()
    _axe_clean(page, PAGE)
    _fits_phone(mobile_page, PAGE)
    assert page_log.problems() == []


def test_rector_index_passes_axe_and_fits_a_phone(
    site: str, rector: User, page: Page, mobile_page: Page, page_log: PageLog
) -> None:
    for browser_page in (page, mobile_page):
        _sign_in(browser_page, site, rector)
        _open(browser_page, site, INDEX)
        expect(browser_page.locator("h1")).to_contain_text("Configuración de las entidades")
    expect(page.get_by_role("link", name="Ministerio de Salud")).to_be_visible()
    _axe_clean(page, INDEX)
    _fits_phone(mobile_page, INDEX)
    assert page_log.problems() == []


def test_refused_policy_and_token_are_shown_accessibly(
    site: str, settings_data: None, manager: User, page: Page, page_log: PageLog
) -> None:
    """A looser policy and a short token are refused in Spanish next to the form; the page
    with the errors still passes axe and nothing typed is sent back."""
    _sign_in(page, site, manager)
    _open(page, site, PAGE)
    page.get_by_label("Resolución (horas hábiles)").fill("60")
    page.get_by_role("button", name="Guardar plazos").click()
    expect(page.locator("#plazos .errorbox")).to_contain_text("no puede ser mayor")
    _axe_clean(page, PAGE + " (plazos rechazados)")

    facebook = SocialAccount.objects.get(entity__code="minsa", platform="facebook")
    card = page.locator(f"#cuenta-{facebook.pk}")
    # _axe_clean opened every folded form, this one included.
    card.get_by_label("Nuevo token de acceso").fill("corto")
    card.get_by_role("button", name="Guardar credencial").click()
    card = page.locator(f"#cuenta-{facebook.pk}")
    expect(card.locator(".errorlist")).to_contain_text("al menos 8 caracteres")
    expect(card.get_by_label("Nuevo token de acceso")).to_have_value("")
    assert not AccountCredential.objects.filter(account=facebook).exists()
    _axe_clean(page, PAGE + " (token rechazado)")
    problems = [p for p in page_log.problems() if " 400 " not in p and "400 (Bad" not in p]
    assert problems == []


def test_token_typed_in_the_browser_is_saved_and_never_shown(
    site: str, settings_data: None, manager: User, page: Page, page_log: PageLog
) -> None:
    facebook = SocialAccount.objects.get(entity__code="minsa", platform="facebook")
    token = "EAAB-token-desde-el-navegador-Z7pQ"
    _sign_in(page, site, manager)
    _open(page, site, PAGE)
    card = page.locator(f"#cuenta-{facebook.pk}")
    card.get_by_text("Registrar un token de acceso").click()
    card.get_by_label("Nuevo token de acceso").fill(token)
    card.get_by_role("button", name="Guardar credencial").click()
    expect(page.locator(".messages")).to_contain_text("no se volverá a mostrar")
    expect(page.locator(f"#cuenta-{facebook.pk}")).to_contain_text("…Z7pQ")
    assert token not in page.content()
    assert AccountCredential.objects.get(account=facebook).secret == token
    assert page_log.problems() == []
