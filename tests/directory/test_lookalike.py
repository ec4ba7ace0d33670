"""¿Es oficial? with what people really paste (issue 17, point 1): decorated look-alikes name
the entity they imitate, every URL form reads the same account, share links are answered
honestly, and the page's own examples verify."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client

from agora.core.models import User
from agora.directory import lookalike, selectors, services
from agora.directory.handles import (
    AccountReferenceError,
    LinkKind,
    UnresolvableLinkError,
    parse_reference,
)
from agora.directory.models import Entity, Platform, SocialAccount
from tests.helpers import make_verified_account


@pytest.fixture
def official(rector: User, entities: dict[str, Entity]) -> dict[str, SocialAccount]:
    """Official accounts of several ministries and bodies whose handles look alike."""
    return {
        "minsa_x": make_verified_account(rector, entities["minsa"], Platform.X, "@Minsa_Peru"),
        "minsa_fb": make_verified_account(
            rector, entities["minsa"], Platform.FACEBOOK, "minsaperu"
        ),
        "minedu_x": make_verified_account(rector, entities["minedu"], Platform.X, "@MineduPeru"),
        "minedu_fb": make_verified_account(
            rector, entities["minedu"], Platform.FACEBOOK, "mineduperu"
        ),
        "mef_x": make_verified_account(rector, entities["mef"], Platform.X, "@MEF_Peru"),
        "onpe_x": make_verified_account(rector, entities["onpe"], Platform.X, "@ONPE_oficial"),
        "jne_x": make_verified_account(rector, entities["jne"], Platform.X, "@JNE_Peru"),
        "sunat_fb": make_verified_account(
            rector, entities["sunat"], Platform.FACEBOOK, "sunat.peru"
        ),
    }


# --- cores ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "handle",
    [
        "minsa.peru-oficial",
        "Minsa_Peru",
        "minsaperu",
        "minsa_pe",
        "gob_minsa",
        "MinsaPeruOficial",
        "minsa.gob.pe",
        "Minsa_Peru_2024",
        "m1nsa_peru",
        "rninsa.peru",
        "MINSA-OFICIAL-PERU",
        "oficial.minsa",
        "minsа_peru",  # Cyrillic «а»
    ],
)
def test_decorated_and_disguised_handles_reduce_to_the_same_core(handle: str) -> None:
    assert lookalike.core(handle) == lookalike.core("minsa")


def test_a_core_never_becomes_shorter_than_three_letters() -> None:
    """'onpe' ends in 'pe' but is ONPE, not 'on'."""
    assert lookalike.core("onpe") == "onpe"
    assert lookalike.core("ONPE_oficial") == "onpe"
    assert lookalike.core("onpe.pe") == "onpe"


# --- the issue's cases ---------------------------------------------------------------------------


def test_issue_case_decorated_facebook_fake_names_minsa_and_its_real_account(
    official: dict[str, SocialAccount],
) -> None:
    """facebook.com/minsa.peru-oficial got only "No registrada": now it names MINSA and its
    real Facebook page first."""
    result = selectors.account_lookup(query="facebook.com/minsa.peru-oficial")
    assert result.outcome == "no_registrada"
    assert result.impersonated is not None and result.impersonated.code == "minsa"
    assert result.ambiguous is False
    assert result.similar is not None
    assert result.similar[0] == official["minsa_fb"]
    assert set(result.similar) == {official["minsa_fb"], official["minsa_x"]}
    message = selectors.lookup_message(result)
    assert "No la trate como oficial." in message
    assert "se parece a la cuenta oficial Facebook @minsaperu de Ministerio de Salud" in message


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("@minsa_pe", "minsa"),
        ("https://x.com/gob_minsa", "minsa"),
        ("instagram.com/minsa.gob.pe", "minsa"),
        ("https://x.com/Minsa_Peru_2024", "minsa"),
        ("@m1nsa_peru", "minsa"),
        ("https://www.facebook.com/rninsaperu", "minsa"),
        ("https://www.facebook.com/minedu.peru.oficial", "minedu"),
        ("@Minedu_Pe", "minedu"),
        ("@mef_peru_oficial", "mef"),
        ("https://x.com/MEF_PE", "mef"),
        ("x.com/onpe.pe", "onpe"),
        ("@onpe_gob", "onpe"),
        ("@jne_oficial", "jne"),
        ("https://www.facebook.com/sunat.peru.oficial", "sunat"),
        ("https://www.facebook.com/SUNAT-Oficial-Peru", "sunat"),
    ],
)
def test_decorated_look_alikes_name_the_right_entity(
    official: dict[str, SocialAccount], query: str, code: str
) -> None:
    """Each decorated fake is attributed to the entity it imitates, never a neighbour."""
    result = selectors.account_lookup(query=query)
    assert result.outcome == "no_registrada", query
    assert result.impersonated is not None, query
    assert result.impersonated.code == code, query
    assert result.similar and all(a.entity.code == code for a in result.similar)


def test_a_look_alike_is_not_attributed_to_a_neighbouring_ministry(
    official: dict[str, SocialAccount],
) -> None:
    """MINEDU's fake is MINEDU's, though MINSA's handles are one or two letters away."""
    for query in ["@mineduperu_", "facebook.com/minedu.pe", "@MineduPeruOficial"]:
        result = selectors.account_lookup(query=query)
        assert result.impersonated is not None and result.impersonated.code == "minedu", query
        assert "Ministerio de Salud" not in selectors.lookup_message(result), query


def test_a_handle_like_several_entities_says_so_and_lists_them(
    official: dict[str, SocialAccount],
) -> None:
    """«ONPE_JNE» imitates two bodies equally: no single entity is named."""
    result = selectors.account_lookup(query="@ONPE_JNE_oficial")
    assert result.outcome == "no_registrada"
    assert result.impersonated is None
    assert result.ambiguous is True
    assert result.similar is not None
    assert {a.entity.code for a in result.similar} == {"onpe", "jne"}
    message = selectors.lookup_message(result)
    assert "se parece a cuentas oficiales de varias entidades" in message
    assert "Jurado Nacional de Elecciones" in message
    assert "Oficina Nacional de Procesos Electorales" in message


@pytest.mark.parametrize(
    "query",
    ["@cuenta_cualquiera", "@sunarp_oficial", "@min", "@peru_oficial", "facebook.com/saludperu"],
)
def test_unrelated_handles_are_not_called_look_alikes(
    official: dict[str, SocialAccount], query: str
) -> None:
    result = selectors.account_lookup(query=query)
    assert result.outcome == "no_registrada"
    assert result.similar is None, query
    assert result.impersonated is None


def test_the_official_accounts_themselves_verify_in_every_form(
    official: dict[str, SocialAccount],
) -> None:
    for query in ["@Minsa_Peru", "https://m.facebook.com/minsaperu/?ref=bookmarks", "@MEF_Peru"]:
        assert selectors.account_lookup(query=query).outcome == "verificada", query


def test_facebook_numeric_id_matches_the_verified_page_by_its_platform_id(
    rector: User, entities: dict[str, Entity]
) -> None:
    account = services.account_propose(
        actor=rector,
        entity=entities["minsa"],
        platform=Platform.FACEBOOK,
        handle="minsaperu",
        platform_id="100064571234567",
        evidence="Oficio",
    )
    services.account_verify(actor=rector, account=account)
    for query in [
        "https://www.facebook.com/profile.php?id=100064571234567",
        "https://www.facebook.com/people/Ministerio-de-Salud/100064571234567/",
        "https://www.facebook.com/p/Ministerio-de-Salud-100064571234567/",
    ]:
        result = selectors.account_lookup(query=query)
        assert result.outcome == "verificada", query
        assert result.account == account


# --- share links, posts, short links ------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "https://www.facebook.com/share/1AbCdEfGhI/",
        "https://www.facebook.com/share/p/1AbCdEfGhI/",
        "https://m.facebook.com/share/v/1AbCdEfGhI/?mibextid=abc",
        "https://www.facebook.com/share/r/1AbCdEfGhI/",
        "facebook.com/share/g/1AbCdEfGhI",
    ],
)
def test_facebook_share_links_are_answered_honestly(
    official: dict[str, SocialAccount], query: str
) -> None:
    """A share link can't be resolved offline: say so and say how to get the page address."""
    result = selectors.account_lookup(query=query)
    assert result.outcome == "enlace"
    assert result.link_kind == LinkKind.SHARE
    message = selectors.lookup_message(result)
    assert message.startswith("Es un enlace para compartir")
    assert "copie la dirección" in message


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("https://www.instagram.com/p/C1a2B3c4D5e/", LinkKind.POST),
        ("https://www.instagram.com/reel/C1a2B3c4D5e/?igsh=abc", LinkKind.POST),
        ("https://x.com/i/web/status/1790000000000000000", LinkKind.POST),
        ("https://youtu.be/dQw4w9WgXcQ?si=abc", LinkKind.POST),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", LinkKind.POST),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ", LinkKind.POST),
        ("https://fb.watch/abcDEF123/", LinkKind.POST),
        ("https://www.facebook.com/watch/?v=123456", LinkKind.POST),
        ("https://www.facebook.com/reel/123456", LinkKind.POST),
        ("https://vm.tiktok.com/ZMabc123/", LinkKind.SHORT),
        ("https://t.co/AbC123", LinkKind.SHORT),
    ],
)
def test_post_video_and_short_links_say_what_they_are(query: str, kind: str) -> None:
    with pytest.raises(UnresolvableLinkError) as info:
        parse_reference(query)
    assert info.value.kind == kind


def test_the_look_up_page_explains_a_share_link_and_offers_to_report_it(
    client: Client, official: dict[str, SocialAccount]
) -> None:
    html = unescape(
        client.get(
            "/directorio/verificar/", {"q": "https://www.facebook.com/share/p/1AbCdEf/"}
        ).content.decode()
    )
    assert "El enlace no dice de qué cuenta es" in html
    assert "toque el nombre de la página" in html
    assert "Reportar cuenta falsa" in html


# --- every URL form people paste -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "https://www.facebook.com/minsaperu",
        "facebook.com/minsaperu",
        "https://m.facebook.com/minsaperu/",
        "https://mobile.facebook.com/minsaperu",
        "https://web.facebook.com/minsaperu?_rdc=1&_rdr",
        "https://es-la.facebook.com/minsaperu/",
        "https://business.facebook.com/minsaperu/",
        "https://mbasic.facebook.com/minsaperu",
        "https://fb.com/minsaperu",
        "https://fb.me/minsaperu",
        "https://www.facebook.com/minsaperu/posts/pfbid0abc?utm_source=whatsapp",
        "https://www.facebook.com/minsaperu/videos/123456/",
        "https://www.facebook.com/minsaperu?utm_source=ig&utm_medium=social&utm_content=link",
        "https://www.facebook.com/p/minsaperu/",
        "https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.facebook.com%2Fminsaperu&h=AT0",
        "<https://www.facebook.com/minsaperu>",
        "«https://www.facebook.com/minsaperu».",
    ],
)
def test_facebook_forms(text: str) -> None:
    ref = parse_reference(text)
    assert (ref.platform, ref.key) == (Platform.FACEBOOK, "minsaperu"), text


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("https://www.facebook.com/profile.php?id=100064571234567", "100064571234567"),
        (
            "https://m.facebook.com/profile.php?id=100064571234567&mibextid=ZbWKwL",
            "100064571234567",
        ),
        ("https://www.facebook.com/people/Minsa-Peru/100064571234567/", "100064571234567"),
        ("https://www.facebook.com/p/Minsa-Peru-100064571234567/", "100064571234567"),
        ("https://www.facebook.com/100064571234567", "100064571234567"),
    ],
)
def test_facebook_id_forms(text: str, key: str) -> None:
    ref = parse_reference(text)
    assert (ref.platform, ref.key) == (Platform.FACEBOOK, key)


@pytest.mark.parametrize(
    "text",
    [
        "https://www.instagram.com/minsaperu/",
        "https://www.instagram.com/minsaperu/reels/",
        "https://www.instagram.com/minsaperu/?igsh=MWx0b2c5ZzR1",
        "https://www.instagram.com/minsaperu?hl=es",
        "instagram.com/minsaperu",
        "https://m.instagram.com/minsaperu",
        "https://www.instagram.com/stories/minsaperu/3300000000000000000/",
    ],
)
def test_instagram_forms(text: str) -> None:
    ref = parse_reference(text)
    assert (ref.platform, ref.key) == (Platform.INSTAGRAM, "minsaperu"), text


@pytest.mark.parametrize(
    "text",
    [
        "https://x.com/Minsa_Peru",
        "https://twitter.com/Minsa_Peru",
        "https://mobile.twitter.com/Minsa_Peru",
        "https://mobile.x.com/Minsa_Peru",
        "https://x.com/Minsa_Peru/status/1790000000000000000?s=20",
        "https://twitter.com/Minsa_Peru/status/1790000000000000000?s=46&t=abc",
        "https://x.com/Minsa_Peru?utm_source=share",
        "https://twitter.com/#!/Minsa_Peru",
        "x.com/Minsa_Peru/",
    ],
)
def test_x_forms(text: str) -> None:
    ref = parse_reference(text)
    assert (ref.platform, ref.key) == (Platform.X, "minsa_peru"), text


@pytest.mark.parametrize(
    ("text", "key", "url"),
    [
        ("https://www.youtube.com/@minsaperu", "minsaperu", "https://www.youtube.com/@minsaperu"),
        (
            "https://m.youtube.com/@minsaperu/videos",
            "minsaperu",
            "https://www.youtube.com/@minsaperu",
        ),
        ("youtube.com/@minsaperu?si=abc", "minsaperu", "https://www.youtube.com/@minsaperu"),
        ("https://www.youtube.com/c/minsaperu", "minsaperu", "https://www.youtube.com/c/minsaperu"),
        (
            "https://www.youtube.com/user/minsaperu",
            "minsaperu",
            "https://www.youtube.com/user/minsaperu",
        ),
        (
            "https://www.youtube.com/channel/UCmX0xOtdAfx3pzKhF5S4xYw/featured",
            "ucmx0xotdafx3pzkhf5s4xyw",
            "https://www.youtube.com/channel/UCmX0xOtdAfx3pzKhF5S4xYw",
        ),
    ],
)
def test_youtube_forms(text: str, key: str, url: str) -> None:
    ref = parse_reference(text)
    assert (ref.platform, ref.key, ref.url) == (Platform.YOUTUBE, key, url)


@pytest.mark.parametrize(
    "text",
    [
        "https://www.tiktok.com/@minsaperu",
        "https://www.tiktok.com/@minsaperu/video/7300000000000000000?is_from_webapp=1",
        "https://m.tiktok.com/@minsaperu?lang=es",
        "tiktok.com/@minsaperu",
    ],
)
def test_tiktok_forms(text: str) -> None:
    ref = parse_reference(text)
    assert (ref.platform, ref.key) == (Platform.TIKTOK, "minsaperu"), text


@pytest.mark.parametrize("text", ["@minsaperu", "minsaperu", " @minsaperu "])
def test_a_bare_handle(text: str) -> None:
    ref = parse_reference(text)
    assert (ref.platform, ref.key) == (None, "minsaperu")


@pytest.mark.parametrize(
    "text",
    [
        "https://www.facebook.com/groups/123456",
        "https://www.facebook.com/events/123456",
        "https://x.com/i",
        "https://www.facebook.com/sharer/sharer.php?u=https://gob.pe",
        "https://l.facebook.com/l.php",
    ],
)
def test_pages_that_are_no_account_are_refused(text: str) -> None:
    with pytest.raises(AccountReferenceError):
        parse_reference(text)


# --- the page's own examples ---------------------------------------------------------------------


def _examples(html: str) -> list[str]:
    help_text = re.search(r'<p id="lookup-help" class="help">(.*?)</p>', html, re.S)
    assert help_text is not None
    text = unescape(help_text.group(1)).removeprefix("Por ejemplo: ")
    return [part.strip() for part in text.split(" o ")]


def test_every_example_on_the_look_up_page_verifies(
    client: Client, official: dict[str, SocialAccount]
) -> None:
    """The examples are accounts verified now: each one answers "Cuenta oficial verificada"."""
    html = client.get("/directorio/verificar/").content.decode()
    examples = _examples(html)
    assert len(examples) == 2
    for example in examples:
        assert selectors.account_lookup(query=example).outcome == "verificada", example
        page = unescape(client.get("/directorio/verificar/", {"q": example}).content.decode())
        assert "Cuenta oficial verificada" in page, example
    assert examples == ["https://www.facebook.com/minsaperu", "@Minsa_Peru"]


def test_every_example_on_the_home_page_verifies(
    client: Client, official: dict[str, SocialAccount]
) -> None:
    html = client.get("/").content.decode()
    help_text = re.search(r'<p id="home-lookup-help" class="help">(.*?)</p>', html, re.S)
    assert help_text is not None
    text = unescape(help_text.group(1)).removeprefix("Por ejemplo: ")
    for example in text.split(" o "):
        assert selectors.account_lookup(query=example.strip()).outcome == "verificada"
    placeholder = re.search(r'placeholder="([^"]+)"', html)
    assert placeholder is not None
    assert selectors.account_lookup(query=unescape(placeholder.group(1))).outcome == "verificada"


def test_without_verified_accounts_the_examples_claim_no_account(client: Client, db: Any) -> None:
    """With nothing verified, the examples are shapes («nombredelapagina»), not accounts."""
    html = unescape(client.get("/directorio/verificar/").content.decode())
    assert "https://www.facebook.com/nombredelapagina o @nombredeusuario" in html
    assert "@Minsa_Peru" not in html


def test_the_examples_follow_the_data_when_minsa_has_no_account(
    client: Client, rector: User, entities: dict[str, Entity]
) -> None:
    make_verified_account(rector, entities["sunat"], Platform.FACEBOOK, "sunat.peru")
    html = client.get("/directorio/verificar/").content.decode()
    for example in _examples(html):
        assert selectors.account_lookup(query=example).outcome == "verificada", example


def test_the_same_handle_on_another_platform_says_the_entity_has_no_account_there(
    official: dict[str, SocialAccount],
) -> None:
    """@Minsa_Peru is MINSA's on X; on TikTok it is nobody's official account."""
    result = selectors.account_lookup(query="https://www.tiktok.com/@Minsa_Peru")
    assert result.outcome == "no_registrada"
    assert result.impersonated is not None and result.impersonated.code == "minsa"
    message = selectors.lookup_message(result)
    assert "Ministerio de Salud no tiene una cuenta oficial registrada en TikTok." in message
    same_platform = selectors.lookup_message(selectors.account_lookup(query="x.com/minsa_pe"))
    assert "no tiene una cuenta oficial registrada" not in same_platform


# --- whatever is pasted ---------------------------------------------------------------------------

_PIECES = [
    "https://",
    "http://",
    "www.",
    "m.",
    "l.",
    "facebook.com",
    "fb.me",
    "fb.watch",
    "instagram.com",
    "x.com",
    "twitter.com",
    "youtube.com",
    "youtu.be",
    "tiktok.com",
    "vm.tiktok.com",
    "t.co",
    "/",
    "//",
    "@",
    "#!/",
    "?",
    "&",
    "=",
    "id=",
    "u=",
    "l.php",
    "profile.php",
    "share",
    "p",
    "people",
    "pages",
    "category",
    "channel",
    "status",
    "reel",
    "watch",
    "v=",
    "minsa",
    "peru",
    "oficial",
    "_",
    "-",
    ".",
    "0",
    "123456789012",
    "%2F",
    "%3A",
    "«",
    "»",
    " ",
    "ñ",
    "а",
    "\u200b",
    "\x00",
    "😀",
    "<",
    ">",
    '"',
    "'",
]


def _random_texts(count: int, seed: int) -> list[str]:
    import random

    rng = random.Random(seed)
    return ["".join(rng.choices(_PIECES, k=rng.randint(1, 14))) for _ in range(count)]


def test_whatever_is_pasted_is_read_or_refused_never_an_error() -> None:
    """Thousands of generated pastes: a reference, or AccountReferenceError, nothing else."""
    for text in _random_texts(4000, seed=17):
        try:
            ref = parse_reference(text)
        except AccountReferenceError:
            continue
        assert ref.key == ref.key.strip()
        lookalike.Candidate.read(ref.handle)


def test_whatever_is_pasted_gets_an_answer_from_the_look_up(
    official: dict[str, SocialAccount],
) -> None:
    for text in _random_texts(300, seed=18):
        result = selectors.account_lookup(query=text)
        assert selectors.lookup_message(result)
