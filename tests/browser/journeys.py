"""What every journey test shares: signing in through the real sign-in page (password, then
the second factor when the person has one), the axe check, and the 375 px fit check.

Journeys start at a page a person would type (the sign-in page or the public home) and then
move only by clicking what is on the screen.
"""

from __future__ import annotations

import re
import time

from axe_playwright_python.sync_playwright import Axe
from django_otp.oath import TOTP, totp
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
        page.get_by_label("Código").fill(current_code(device))
        page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_role("button", name="Salir")).to_be_visible()


def current_code(device: TOTPDevice) -> str:
    """The code the person's authenticator shows, or the next one when this one was already
    used (a code is good once: a second sign-in in the same 30 s, e.g. on the phone right after
    the desktop, needs the next one, which the device accepts within its tolerance)."""
    clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    clock.time = time.time()
    ahead = max(0, device.last_t + 1 - clock.t())
    code = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift + ahead,
    )
    return str(code).zfill(device.digits)


def open_inbox(page: Page) -> None:
    """The header's "Bandeja" link (its name carries the unread count), as a person clicks it."""
    page.get_by_role("navigation", name="Navegación principal").get_by_role(
        "link", name=re.compile(r"^Bandeja")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bandeja de mensajes")


def axe_clean(page: Page, where: str) -> None:
    """No WCAG 2.1 AA violation on the page as it is now (folded sections opened first), and
    every control readable against what is behind it (``controls_readable``)."""
    page.wait_for_load_state("load")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    results = Axe().run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, (
        f"{where}\n{results.generate_snapshot()}\n{results.generate_report()}"
    )
    controls_readable(page, where)


# The contrast of every visible control's text with the colour actually behind it (its own
# background or the nearest ancestor's, composited): axe-core leaves a control "to review"
# rather than failing it when it cannot decide the background, and so passed white buttons on
# a white page (issue #17). WCAG 1.4.3: 4.5:1, or 3:1 for large text.
_CONTRAST_JS = """
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(',').map((s) => parseFloat(s));
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a),
    g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1});
  const lum = (c) => {
    const f = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const behind = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.backgroundImage && style.backgroundImage !== 'none') return null;
      const c = parse(style.backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let colour = {r: 255, g: 255, b: 255, a: 1};
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const problems = [];
  const selector =
    'button, a[href], summary, [role=button], input[type=submit], input[type=button]';
  for (const el of document.querySelectorAll(selector)) {
    const text = (el.innerText || el.value || '').trim();
    if (!text) continue;
    const box = el.getBoundingClientRect();
    if (box.width < 2 || box.height < 2) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || parseFloat(style.opacity) === 0) continue;
    const background = behind(el);
    if (!background) continue;
    const fg = parse(style.color);
    if (!fg) continue;
    const ink = over(fg, background);
    const [hi, lo] = [lum(ink), lum(background)].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && parseInt(style.fontWeight, 10) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      problems.push(`${el.tagName.toLowerCase()} «${text.slice(0, 40)}»: ${ratio.toFixed(2)}:1`);
    }
  }
  return problems;
}
"""


def controls_readable(page: Page, where: str) -> None:
    """Every visible button, link and summary with text has WCAG AA contrast against the
    colour behind it (see ``_CONTRAST_JS``)."""
    problems = page.evaluate(_CONTRAST_JS)
    assert problems == [], f"{where}: controls hard to read: {problems}"


def fits_phone(page: Page, where: str) -> None:
    """Nothing wider than a 375 px phone: no sideways scrolling (measured once the page and its
    stylesheets have loaded: a click returns when the new page starts, not when it is styled)."""
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .filter(e => !e.closest('.table-scroll, .chart, .nav'))
            .slice(0, 5)
            .map(e => `${e.tagName.toLowerCase()}.${e.className}`)"""
    )
    assert width <= MOBILE["width"], f"{where} is {width}px wide: {wide}"
