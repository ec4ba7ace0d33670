"""Screenshots of Ágora for the documentation, taken in Debian's headless Chromium.

    .venv/bin/python scripts/screenshots.py --base-url http://127.0.0.1:8000 --out docs/img

writes directorio.png (the directory, desktop, 1280 px wide) and verificar.png (the
"is it official?" look-up warning of a likely impostor, phone, 375 px wide).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    parser.add_argument("--query", default=IMPOSTOR_QUERY, help="handle to look up")
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
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
