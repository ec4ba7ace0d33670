"""Facebook pages without a username are pasted as /people/<Name>/<id>/ or /p/<Name>-<id>/:
the id is not registered, but the name in the address is what imitates an entity, so the
look-up warns about it and names the entity (issue 17, point 1: every URL form people paste)."""

from __future__ import annotations

import pytest

from agora.core.models import User
from agora.directory import selectors
from agora.directory.handles import parse_reference
from agora.directory.models import Entity, SocialAccount
from tests.directory.test_lookalike import official  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    [
        "https://www.facebook.com/people/Minsa-Peru-Oficial/100099912345678/",
        "https://m.facebook.com/people/Minsa-Per%C3%BA/100099912345678/?mibextid=abc",
        "https://www.facebook.com/p/Minsa-Peru-Oficial-100099912345678/",
        "https://www.facebook.com/pages/Minsa-Peru/100099912345678",
    ],
)
def test_a_page_known_by_id_is_checked_by_the_name_in_its_address(
    query: str,
    official: dict[str, SocialAccount],  # noqa: F811 - the fixture
    entities: dict[str, Entity],
) -> None:
    result = selectors.account_lookup(query=query)
    assert result.outcome == "no_registrada"
    assert result.impersonated == entities["minsa"]
    assert result.similar and official["minsa_fb"] in result.similar


def test_the_id_still_names_the_account() -> None:
    ref = parse_reference("https://www.facebook.com/people/Minsa-Peru/100099912345678/")
    assert (ref.handle, ref.key) == ("100099912345678", "100099912345678")
    assert ref.name == "Minsa Peru"


def test_a_page_whose_name_imitates_nobody_gets_no_warning(
    official: dict[str, SocialAccount],  # noqa: F811 - the fixture
    rector: User,
) -> None:
    result = selectors.account_lookup(
        query="https://www.facebook.com/people/Panaderia-San-Jose/100099912345678/"
    )
    assert result.outcome == "no_registrada"
    assert result.impersonated is None and not result.similar
