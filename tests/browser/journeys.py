"""What every journey test shares: signing in through the real sign-in page (password, then
the second factor when the person has one), the axe check, and the 375 px fit check.

Journeys start at a page a person would type (the sign-in page or the public home) and then
move only by clicking what is on the screen.
"""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from agora.core.models import User
from tests.browser.conftest import MOBILE

PASSWORD = "contraseña-de-prueba-123"  # tests/conftest.py make_user
WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def sign_in(page: Page, site: str, user: User, *, password: str = PASSWORD) -> None:
    """Signs in as a person does: the header's "Ingreso del personal" link from the public
    home, the username and password, and the current code of their authenticator app."""
    page.goto(site + "/")
    page.get_by_role("link", name="Ingreso del personal").click()
    page.get_by_label("Usuario").fill(user.get_username())
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Continuar").click()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        page.get_by_label("Código").fill(str(code).zfill(device.digits))
        page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_role("button", name="Salir")).to_be_visible()


def open_inbox(page: Page) -> None:
    """The header's "Bandeja" link (its name carries the unread count), as a person clicks it."""
    page.get_by_role("navigation", name="Navegación principal").get_by_role(
        "link", name=re.compile(r"^Bandeja")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bandeja de mensajes")


def axe_clean(page: Page, where: str) -> None:
    """No WCAG 2.1 AA violation on the page as it is now (folded sections opened first)."""
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    results = Axe().run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, (
        f"{where}\n{results.generate_snapshot()}\n{results.generate_report()}"
    )


def fits_phone(page: Page, where: str) -> None:
    """Nothing wider than a 375 px phone: no sideways scrolling."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"{where} is {width}px wide"
