"""parse_reference reads what people paste (a profile URL or an @handle) for every platform."""

from __future__ import annotations

import pytest

from agora.directory.handles import (
    AccountReferenceError,
    canonical_url,
    handle_key,
    parse_reference,
    similarity_key,
)
from agora.directory.models import Platform

# --- Facebook --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "https://www.facebook.com/minsaperu",
        "https://facebook.com/minsaperu/",
        "http://www.facebook.com/minsaperu",
        "https://m.facebook.com/minsaperu/?ref=page_internal",
        "https://web.facebook.com/minsaperu?_rdc=1&_rdr",
        "www.facebook.com/minsaperu",
        "facebook.com/MinsaPeru",
        "https://fb.com/minsaperu",
        "HTTPS://WWW.FACEBOOK.COM/minsaperu",
    ],
)
def test_facebook_profile_urls_on_every_host_give_one_handle_and_canonical_url(text: str) -> None:
    """www., m., web. and bare hosts, query strings and trailing slashes all read the same."""
    ref = parse_reference(text)
    assert ref.platform == Platform.FACEBOOK
    assert ref.key == "minsaperu"
    assert ref.url.lower() == "https://www.facebook.com/minsaperu"


def test_facebook_profile_php_id_keeps_the_numeric_id() -> None:
    ref = parse_reference("https://www.facebook.com/profile.php?id=100064571234567&sk=about")
    assert ref.platform == Platform.FACEBOOK
    assert ref.handle == "100064571234567"
    assert ref.key == "100064571234567"
    assert ref.url == "https://www.facebook.com/profile.php?id=100064571234567"


def test_facebook_profile_php_without_numeric_id_is_rejected() -> None:
    with pytest.raises(AccountReferenceError):
        parse_reference("https://www.facebook.com/profile.php?id=minsa")
    with pytest.raises(AccountReferenceError):
        parse_reference("https://www.facebook.com/profile.php")


def test_facebook_pages_name_id_uses_the_page_id() -> None:
    """The old /pages/<Name>/<ID> form identifies the page by its numeric id."""
    ref = parse_reference("https://www.facebook.com/pages/Ministerio-de-Salud/123456789012")
    assert ref.platform == Platform.FACEBOOK
    assert ref.key == "123456789012"
    assert ref.url == "https://www.facebook.com/123456789012"


def test_facebook_pages_category_url_is_not_read_as_the_category_name() -> None:
    """/pages/category/<Category>/<Name-ID>/ must not give the category as the handle: two
    different pages of the same category would then collide on one key."""
    first = "https://www.facebook.com/pages/category/Government-Organization/Minsa-123456789012/"
    second = "https://www.facebook.com/pages/category/Government-Organization/Sunat-987654321098/"
    try:
        first_key = parse_reference(first).key
        second_key = parse_reference(second).key
    except AccountReferenceError:
        return  # refusing the URL is acceptable too
    assert first_key != "government-organization"
    assert first_key != second_key


def test_facebook_pages_id_and_profile_php_id_of_the_same_page_match() -> None:
    pages = parse_reference("https://m.facebook.com/pages/Minsa/123456789012/")
    profile = parse_reference("https://www.facebook.com/profile.php?id=123456789012")
    assert pages.key == profile.key


# --- Instagram, X, TikTok ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "https://www.instagram.com/minsaperu/",
        "https://instagram.com/minsaperu?igsh=abc",
        "instagram.com/MINSAPERU",
        "https://instagr.am/minsaperu",
    ],
)
def test_instagram_urls(text: str) -> None:
    ref = parse_reference(text)
    assert ref.platform == Platform.INSTAGRAM
    assert ref.key == "minsaperu"
    assert ref.url.lower() == "https://www.instagram.com/minsaperu"


@pytest.mark.parametrize(
    "text",
    [
        "https://x.com/Minsa_Peru",
        "https://twitter.com/Minsa_Peru",
        "https://mobile.twitter.com/Minsa_Peru",
        "https://www.twitter.com/minsa_peru/",
        "https://x.com/Minsa_Peru/status/1790000000000000000",
        "https://x.com/@Minsa_Peru",
        "x.com/Minsa_Peru?lang=es",
    ],
)
def test_x_and_twitter_urls_are_the_same_account(text: str) -> None:
    """twitter.com links are read as X, and the canonical URL is on x.com."""
    ref = parse_reference(text)
    assert ref.platform == Platform.X
    assert ref.key == "minsa_peru"
    assert ref.url.lower() == "https://x.com/minsa_peru"


def test_x_keeps_the_handle_as_typed_but_matches_case_insensitively() -> None:
    ref = parse_reference("https://x.com/Minsa_Peru")
    assert ref.handle == "Minsa_Peru"
    assert ref.key == "minsa_peru"


@pytest.mark.parametrize(
    "text",
    [
        "https://www.tiktok.com/@minsaperu",
        "https://tiktok.com/@MinsaPeru?lang=es",
        "https://www.tiktok.com/@minsaperu/video/7300000000000000000",
    ],
)
def test_tiktok_urls(text: str) -> None:
    ref = parse_reference(text)
    assert ref.platform == Platform.TIKTOK
    assert ref.key == "minsaperu"
    assert ref.url.lower() == "https://www.tiktok.com/@minsaperu"


# --- YouTube -----------------------------------------------------------------------------------


def test_youtube_at_handle() -> None:
    ref = parse_reference("https://www.youtube.com/@minsaperu/videos")
    assert ref.platform == Platform.YOUTUBE
    assert ref.key == "minsaperu"
    assert ref.url == "https://www.youtube.com/@minsaperu"


def test_youtube_channel_id_url_is_kept_as_a_channel_url() -> None:
    ref = parse_reference("https://www.youtube.com/channel/UCmX0xOtdAfx3pzKhF5S4xYw")
    assert ref.platform == Platform.YOUTUBE
    assert ref.handle == "UCmX0xOtdAfx3pzKhF5S4xYw"
    assert ref.url == "https://www.youtube.com/channel/UCmX0xOtdAfx3pzKhF5S4xYw"


@pytest.mark.parametrize("kind", ["c", "user"])
def test_youtube_legacy_custom_and_user_urls(kind: str) -> None:
    ref = parse_reference(f"https://m.youtube.com/{kind}/MinsaPeru")
    assert ref.platform == Platform.YOUTUBE
    assert ref.key == "minsaperu"
    assert ref.url == f"https://www.youtube.com/{kind}/MinsaPeru"


def test_youtube_video_links_are_not_accounts() -> None:
    """A watch page is a video, not a channel."""
    with pytest.raises(AccountReferenceError):
        parse_reference("https://www.youtube.com/watch?v=dQw4w9WgXcQ")


def test_youtube_short_video_link_is_not_an_account() -> None:
    """youtu.be/<id> always points to a video: it must not become a channel '@<id>'."""
    with pytest.raises(AccountReferenceError):
        parse_reference("https://youtu.be/dQw4w9WgXcQ")


# --- LinkedIn, WhatsApp --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["company", "in", "school"])
def test_linkedin_company_person_and_school_urls(kind: str) -> None:
    ref = parse_reference(f"https://pe.linkedin.com/{kind}/minsa-peru/?originalSubdomain=pe")
    assert ref.platform == Platform.LINKEDIN
    assert ref.key == "minsa-peru"
    assert ref.url == f"https://www.linkedin.com/{kind}/minsa-peru"


def test_linkedin_without_a_profile_name_is_rejected() -> None:
    with pytest.raises(AccountReferenceError):
        parse_reference("https://www.linkedin.com/company/")


def test_whatsapp_wa_me_number() -> None:
    ref = parse_reference("https://wa.me/51987654321")
    assert ref.platform == Platform.WHATSAPP
    assert ref.key == "51987654321"
    assert ref.url == "https://wa.me/51987654321"


def test_whatsapp_channel() -> None:
    ref = parse_reference("https://whatsapp.com/channel/0029VaAbCdEf")
    assert ref.platform == Platform.WHATSAPP
    assert ref.handle == "0029VaAbCdEf"
    assert ref.url == "https://whatsapp.com/channel/0029VaAbCdEf"


# --- other sites, bare handles -------------------------------------------------------------------


def test_unknown_domain_is_platform_other_keyed_by_host_and_path() -> None:
    ref = parse_reference("https://www.gob.pe/minsa/")
    assert ref.platform == Platform.OTHER
    assert ref.key == "gob.pe/minsa"
    assert ref.url == "https://www.gob.pe/minsa"


def test_unknown_domain_key_ignores_www_and_case() -> None:
    assert parse_reference("https://WWW.Gob.pe/minsa").key == parse_reference("gob.pe/minsa").key


@pytest.mark.parametrize("text", ["@Minsa_Peru", "Minsa_Peru", "  @Minsa_Peru  "])
def test_bare_handle_has_no_platform_and_no_url(text: str) -> None:
    ref = parse_reference(text)
    assert ref.platform is None
    assert ref.handle == "Minsa_Peru"
    assert ref.key == "minsa_peru"
    assert ref.url == ""


@pytest.mark.parametrize(
    ("platform", "url"),
    [
        (Platform.FACEBOOK, "https://www.facebook.com/Minsa_Peru"),
        (Platform.INSTAGRAM, "https://www.instagram.com/Minsa_Peru"),
        (Platform.X, "https://x.com/Minsa_Peru"),
        (Platform.YOUTUBE, "https://www.youtube.com/@Minsa_Peru"),
        (Platform.TIKTOK, "https://www.tiktok.com/@Minsa_Peru"),
        (Platform.LINKEDIN, "https://www.linkedin.com/company/Minsa_Peru"),
    ],
)
def test_bare_handle_with_a_platform_gets_the_canonical_url(platform: str, url: str) -> None:
    ref = parse_reference("@Minsa_Peru", platform=platform)
    assert ref.platform == platform
    assert ref.url == url


def test_url_of_another_platform_than_the_one_given_is_rejected() -> None:
    with pytest.raises(AccountReferenceError):
        parse_reference("https://x.com/Minsa_Peru", platform=Platform.FACEBOOK)
    with pytest.raises(AccountReferenceError):
        parse_reference("https://www.gob.pe/minsa", platform=Platform.X)


# --- junk ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "@",
        "a" * 10_000,
        "https://x.com/" + "a" * 10_000,
        "https://facebook.com/watch",
        "https://www.facebook.com/watch/?v=123",
        "https://www.facebook.com/sharer/sharer.php?u=https://gob.pe",
        "https://www.facebook.com/hashtag/salud",
        "https://www.facebook.com/",
        "https://x.com/home",
        "https://x.com/intent/tweet?text=hola",
        "https://x.com/search?q=minsa",
        "https://www.instagram.com/explore/tags/salud/",
        "https://www.youtube.com/",
        "<script>alert('x')</script>",
        "<a href='https://x.com/minsa'>minsa</a>",
        "'; DROP TABLE directory_socialaccount; --",
        "' OR '1'='1",
        "javascript:alert(1)",
        "Ministerio de Salud",
        "https://",
        "localhost/minsa",
    ],
)
def test_junk_is_rejected(text: str) -> None:
    """Empty, huge, non-profile pages and markup or SQL-looking text are not accounts."""
    with pytest.raises(AccountReferenceError):
        parse_reference(text)


def test_rejection_error_is_a_value_error_with_a_short_message() -> None:
    """A 10,000-character input does not come back whole inside the error."""
    with pytest.raises(ValueError) as info:
        parse_reference("b" * 10_000)
    assert len(str(info.value)) <= 100


# --- keys --------------------------------------------------------------------------------------


def test_handle_key_strips_at_and_spaces_and_lowers() -> None:
    assert handle_key("  @Minsa_Peru ") == "minsa_peru"


@pytest.mark.parametrize("variant", ["minsaperu", "minsa.peru", "minsa-peru", "minsa_peru"])
def test_similarity_key_ignores_separators(variant: str) -> None:
    """'@Minsa_Peru' and '@MinsaPeru' collide on purpose so that impostors are caught."""
    assert similarity_key(variant) == "minsaperu"


def test_similarity_key_keeps_letters_and_digits() -> None:
    assert similarity_key("minsa_peru2") == "minsaperu2"
    assert similarity_key("minsa_peru2") != similarity_key("minsa_peru")


def test_canonical_url_for_other_platform_is_empty() -> None:
    assert canonical_url(Platform.OTHER, "gob.pe/minsa") == ""
    assert canonical_url(Platform.X, "@Minsa_Peru") == "https://x.com/Minsa_Peru"
