"""Normalisation of Peruvian social-media Spanish."""

from __future__ import annotations

import pytest

from agora.language.normalize import normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Atención RÁPIDA", "atencion rapida"),
        ("graciaaaas", "gracias"),
        ("nooooo", "no"),
        ("llegooo el carrrro", "llego el carro"),
        ("calle y carro y acceso", "calle y carro y acceso"),
        ("c0rrupt0s", "corruptos"),
        ("pr3st4mos", "prestamos"),
        ("s@lud", "salud"),
        ("xq nadie contesta", "porque nadie contesta"),
        ("q tal", "que tal"),
        ("tb tmb", "tambien tambien"),
        ("dnd queda", "donde queda"),
        ("x fa", "por favor"),
        ("xfa porfa", "por favor por favor"),
        ("ya pe", "ya pues"),
        ("jajajaja", "jaja"),
    ],
)
def test_words_are_normalised(text: str, expected: str) -> None:
    """Compared without the lexicon markers appended at the end."""
    words = [token for token in normalize(text).split() if not token.startswith("lex_")]
    assert " ".join(words) == expected


def test_a_letter_said_over_and_over_is_a_sound_not_a_word() -> None:
    assert normalize("aaaa") == "emo_grito"
    assert normalize("MMMMM") == "emo_grito"
    assert normalize("a la salida") == "a la salida"  # the preposition stays
    assert normalize("holaaaa") == "hola"
    assert "emo_grito" not in normalize("entra a www ganadinero com")
    assert "emo_grito" not in normalize("xxx videos")


def test_digits_are_not_leetspeak_outside_words() -> None:
    """Ordinals and numbers stay numbers; leetspeak is undone only inside words."""
    assert normalize("el 2do piso") == "el 2do piso"
    assert "cifra" in normalize("son 350 personas")
    assert normalize("covid19") == "covid19"


def test_emojis_become_tokens() -> None:
    assert normalize("🙄") == "emo_ironia"
    assert normalize("👏👏") == "emo_aplauso emo_aplauso"
    assert normalize("😡🤬").split() == ["emo_ira", "emo_ira"]
    assert normalize("🔪💣").split() == ["emo_violencia", "emo_violencia", "lex_amenaza"]
    # Fire is mostly praise or hype: its own code, not a threat marker.
    assert normalize("buena chamba 🔥").split() == ["buena", "chamba", "emo_fuego"]
    assert normalize("🙏") == "emo_gracias"
    assert normalize("😂🤣") == "emo_risa emo_risa"


def test_links_mentions_and_personal_data_become_placeholders() -> None:
    tokens = normalize(
        "@Minsa_Peru mira https://example.com/x y bit.ly/abc, mi DNI 12345678, "
        "cel 987 654 321, correo a@example.com"
    ).split()
    for token in ("mencion", "url", "url_corto", "dni_dato", "telefono_dato", "correo_dato"):
        assert token in tokens
    assert "12345678" not in tokens


def test_shouting_and_lexicon_markers() -> None:
    tokens = normalize("SON UNOS CORRUPTOS TODOS LOS DEL MUNICIPIO").split()
    assert "mayusculas" in tokens
    assert "lex_insulto" in tokens


def test_odd_input_never_fails() -> None:
    assert normalize("") == ""
    assert normalize("   ") == ""
    assert normalize("你好") != "" or normalize("你好") == ""
    assert len(normalize("a" * 100_000)) < 10


def test_batch_tokens_are_the_tokens_of_each_text() -> None:
    """The classifier's flat token list: texts in order, separated, without markers."""
    from agora.language.normalize import normalize_many, tokenize_many

    texts = ["xq nadie contesta 😡", "", "50% dscto, por fa", "你好", "HOLA"]
    flat, shouting = tokenize_many(texts)
    assert flat.count("\x00") == len(texts) - 1
    docs = " ".join(flat).split("\x00")
    assert docs[0].split() == ["porque", "nadie", "contesta", "emo_ira"]
    assert docs[1].split() == []
    assert docs[2].split() == ["porcentaje_cifra", "dscto", "por", "favor"]
    assert docs[3].split() == []
    assert shouting == []  # fewer than 12 letters
    words = [t.split() for t in docs]
    assert [d[: len(w)] for d, w in zip(normalize_many(texts), words, strict=True)] == words


def test_a_long_shouted_text_is_marked() -> None:
    assert normalize("YA NO SE QUE HACER CON USTEDES").endswith("mayusculas")
    assert "mayusculas" not in normalize("el DNI y la SUNAT no responden a nadie")


def test_plural_in_es_and_phrases_mark_the_lexicons() -> None:
    insult = normalize("los inutiles de la muni").split()
    assert "lex_insulto" in insult
    spam = normalize("interesados al privado, llama ya").split()
    assert spam.count("lex_spam") >= 2
    assert "lex_spam" not in normalize("¿dónde queda la oficina del programa?").split()
    assert "lex_insulto" not in normalize("qué calor hace hoy en Piura").split()


def test_fictional_example_domains_are_links() -> None:
    assert "url" in normalize("mira este video ➡️ videoviral.example").split()
