"""Topics are what people write about, not where they say they live: «vivo en Lima, ¿dónde hay
una posta?» gives «lima posta», never «vivo lima» (issue 17, point 6: useful topics)."""

from __future__ import annotations

from agora.reports.topics import STOP_WORDS, clean_texts, frequent_terms


def test_living_somewhere_is_no_topic() -> None:
    texts = [
        "Vivo en Lima, ¿dónde hay una posta abierta?",
        "Vivimos en Lima y la posta no atiende",
        "Mi mamá vive en Lima, ¿qué posta le toca?",
    ] * 3
    terms = [t.term for t in frequent_terms(clean_texts(texts))]
    assert "lima posta" in terms or "posta" in terms
    for term in terms:
        assert not {"vivo", "vive", "vivimos"} & set(term.split()), term
    for word in ["vivir", "vivo", "vive", "viven", "vivimos"]:
        assert word in STOP_WORDS, word
