"""The sign-in journey every other journey starts with: from the public home, by clicking."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from agora.core.models import User
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING
from tests.browser.journeys import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]


def test_a_communicator_signs_in_from_the_public_home(
    page: Page, site: str, communicator: User
) -> None:
    """Password only: the header then offers the way out."""
    sign_in(page, site, communicator)
    expect(page.get_by_role("button", name="Salir")).to_be_visible()


def test_a_manager_signs_in_with_the_second_factor(page: Page, site: str, manager: User) -> None:
    """A manager has an authenticator app: the second step asks for its code."""
    sign_in(page, site, manager)
    expect(page.get_by_role("button", name="Salir")).to_be_visible()
