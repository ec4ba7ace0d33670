"""Screenshots of Ágora for the documentation, taken in Debian's headless Chromium.

    .venv/bin/python scripts/screenshots.py --base-url http://127.0.0.1:8000 --out docs/img

writes directorio.png (the directory, desktop, 1280 px wide) and verificar.png (the
"is it official?" look-up warning of a likely impostor, phone, 375 px wide); then, signed in
through the sign-in page as the demo communicator (password from var/demo-credenciales.txt),
bandeja.png (the inbox, desktop) and conversacion.png (the first conversation, phone).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Close to the demo account "@minsa_demo": the look-up answers with an impostor warning.
IMPOSTOR_QUERY = "@minsa_dem0"


def _shoot(
    browser: Browser,
    url: str,
    path: Path,
    *,
    width: int,
    height: int,
    mobile: bool,
    wait_for: str,
    full_page: bool,
) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=2 if mobile else 1,
        is_mobile=mobile,
        has_touch=mobile,
        locale="es-PE",
    )
    try:
        page = context.new_page()
        response = page.goto(url, wait_until="networkidle")
        if response is None or response.status != 200:
            raise SystemExit(f"{url} answered {response.status if response else 'nothing'}")
        page.wait_for_selector(wait_for, state="visible")
        page.screenshot(path=str(path), full_page=full_page)
    finally:
        context.close()
    print(f"{path} ← {url}")


def _credentials(path: Path, username: str) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        name, password, *_rest = line.split("\t")
        if name == username:
            return password
    raise SystemExit(f"{username} is not in {path}")


def _signed_in(browser: Browser, base: str, username: str, password: str, *, mobile: bool) -> Any:
    """A browser context signed in through the sign-in page, as a person does."""
    context = browser.new_context(
        viewport={"width": 375, "height": 740} if mobile else {"width": 1366, "height": 900},
        device_scale_factor=2 if mobile else 1,
        is_mobile=mobile,
        has_touch=mobile,
        locale="es-PE",
    )
    page = context.new_page()
    page.goto(f"{base}/")
    page.get_by_role("link", name="Ingreso del personal").click()
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Continuar").click()
    if page.get_by_label("Código").count():
        code = subprocess.run(
            [".venv/bin/agora", "demo_otp", username], capture_output=True, text=True, check=True
        ).stdout.strip()
        page.get_by_label("Código").fill(code)
        page.get_by_role("button", name="Continuar").click()
    page.get_by_role("button", name="Salir").wait_for()
    return context


def _shoot_inbox(browser: Browser, base: str, out: Path, username: str, password: str) -> None:
    """The inbox at 1366 px and a conversation on a phone, reached by clicking only."""
    for mobile in (False, True):
        context = _signed_in(browser, base, username, password, mobile=mobile)
        try:
            page = context.pages[0]
            page.get_by_role("link", name="Bandeja").first.click()
            page.wait_for_load_state("networkidle")
            if not mobile:
                # The queues and the rows (countdowns, badges), below the filters.
                page.locator("#resultados").evaluate("e => e.scrollIntoView()")
                page.screenshot(path=str(out / "bandeja.png"))
                print(f"{out / 'bandeja.png'} ← {page.url}")
                continue
            page.locator("ol.conversation-list a").first.click()
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out / "conversacion.png"), full_page=False)
            print(f"{out / 'conversacion.png'} ← {page.url}")
        finally:
            context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    parser.add_argument("--query", default=IMPOSTOR_QUERY, help="handle to look up")
    parser.add_argument("--user", default="demo-comunicador", help="demo staff member")
    parser.add_argument("--credentials", type=Path, default=Path("var/demo-credenciales.txt"))
    args = parser.parse_args(argv)
    base = args.base_url.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            _shoot(
                browser,
                f"{base}/directorio/",
                args.out / "directorio.png",
                width=1280,
                height=900,
                mobile=False,
                wait_for="ol.results",
                full_page=False,
            )
            _shoot(
                browser,
                f"{base}/directorio/verificar/?{urlencode({'q': args.query})}",
                args.out / "verificar.png",
                width=375,
                height=740,
                mobile=True,
                wait_for="section.verdict .warning",
                full_page=True,
            )
            password = _credentials(args.credentials, args.user)
            _shoot_inbox(browser, base, args.out, args.user, password)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
