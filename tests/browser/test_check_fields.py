"""A checkbox sits beside its label (issue 17, point 7: no control that looks lost): the
scoreboard's «Solo entidades con datos suficientes» box was centred on a line of its own above
its label (``.field`` stacks its children; ``.field-check`` must put them in a row), at
desktop size and at 375 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]


def _beside(page: Page) -> None:
    page.get_by_role("navigation", name="Navegación principal").get_by_role(
        "link", name="Indicadores"
    ).click()
    page.wait_for_load_state("load")  # measured once the page is laid out, not mid-navigation
    box = page.get_by_role("checkbox", name="Solo entidades con datos suficientes")
    box.wait_for(state="visible")
    label = page.locator("label[for='id_con_datos']")
    b, lab = box.bounding_box(), label.bounding_box()
    assert b is not None and lab is not None
    middle = b["y"] + b["height"] / 2
    assert lab["y"] <= middle <= lab["y"] + lab["height"], (b, lab)  # same line
    assert b["x"] + b["width"] <= lab["x"], (b, lab)  # the box first, then its label


def test_the_scoreboard_checkbox_is_beside_its_label(site: str, page: Page) -> None:
    page.goto(site + "/")
    _beside(page)


def test_the_scoreboard_checkbox_is_beside_its_label_on_a_phone(
    site: str, mobile_page: Page
) -> None:
    mobile_page.goto(site + "/")
    _beside(mobile_page)
