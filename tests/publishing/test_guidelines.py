"""Each guideline check: a text that breaks it and one that does not (seed 003's numbering)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agora.commitments.models import Commitment
from agora.core import registries
from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.publishing import guidelines, services
from agora.publishing.models import GuidelineFinding, PlannedPost, PublishingSettings

from .conftest import GOOD_TEXT

pytestmark = pytest.mark.django_db


def rules(post: PlannedPost) -> set[tuple[int, str]]:
    return set(GuidelineFinding.objects.filter(post=post).values_list("guideline", "rule"))


def test_a_good_text_has_no_findings(make_post: Callable[..., PlannedPost]) -> None:
    post = make_post(GOOD_TEXT)
    assert rules(post) == set()
    assert post.checked_at is not None


def test_first_person_plural_15() -> None:
    found = guidelines.check_first_person(
        "El Ministerio de Salud informa que la campaña de vacunación empieza el lunes."
    )
    assert found is not None and found.guideline == 15
    assert "«El Ministerio»" in found.evidence and "«informa»" in found.evidence
    assert guidelines.check_first_person("Informamos que la campaña empieza el lunes.") is None
    assert guidelines.check_first_person("Nuestra campaña de vacunación empieza el lunes.") is None


def test_jokes_memes_and_challenge_hashtags_26() -> None:
    found = guidelines.check_jokes("Vacúnate jajaja #VacunaChallenge")
    assert found is not None and found.guideline == 26
    assert "jajaja" in found.evidence and "#VacunaChallenge" in found.evidence
    assert guidelines.check_jokes("Te esperamos en la campaña #VacúnateYa") is None


def test_offensive_wording_14_read_by_the_language_checker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Publishing asks the text checker the language app registers in core (the classifier);
    here a stand-in that flags one word, so the test does not train a model."""
    seen: list[list[str]] = []

    def checker(texts: list[str]) -> list[list[str]]:
        seen.append(texts)
        return [["insulto"] if "idiotas" in t else [] for t in texts]

    monkeypatch.setattr(registries, "_TEXT_FLAGS", [checker])
    offensive = guidelines.check_offensive("Los que no se vacunan son unos idiotas.")
    assert [(f.guideline, f.rule) for f in offensive] == [(14, "ofensivo")]
    assert "insulto" in offensive[0].evidence
    assert guidelines.check_offensive("Te invitamos a vacunarte el sábado.") == []
    assert seen == [
        ["Los que no se vacunan son unos idiotas."],
        ["Te invitamos a vacunarte el sábado."],
    ]


def test_ambiguous_wording_14() -> None:
    ambiguous = guidelines.check_offensive("Al parecer la vacuna llega el lunes.")
    assert [(f.guideline, f.rule) for f in ambiguous] == [(14, "ambiguo")]
    assert "Al parecer" in ambiguous[0].evidence
    assert guidelines.check_offensive("La vacuna llega el lunes a nuestros centros.") == []


def test_personal_data_of_citizens() -> None:
    found = guidelines.check_personal_data(
        "Felicitamos a la vecina con DNI 45678912, llámala al 987 654 321.", ["gob.pe"]
    )
    assert found is not None and found.rule == "datos_personales"
    assert "DNI: 45678912" in found.evidence and "teléfono: 987 654 321" in found.evidence
    # A handle is not personal data; no data, no finding.
    assert guidelines.check_personal_data("Síguenos en @Minsa_Peru y vacúnate.", ["gob.pe"]) is None
    # The entity's own e-mail is not a citizen's data.
    assert guidelines.check_personal_data("Escríbenos a consultas@minsa.gob.pe", ["gob.pe"]) is None


def test_links_to_unverified_sources_19(verified_account: SocialAccount) -> None:
    allowed = ["gob.pe", "minsa.gob.pe", "127.0.0.1"]
    accounts = ["x.com/minsa_peru"]
    found = guidelines.check_links(
        "Lee más en https://noticiasvirales.com/vacuna", allowed, accounts
    )
    assert found is not None and found.guideline == 19
    assert "noticiasvirales.com" in found.evidence
    assert guidelines.check_links("Detalles en https://www.gob.pe/minsa", allowed, accounts) is None
    assert (
        guidelines.check_links("Síguenos en https://x.com/Minsa_Peru/status/1", allowed, accounts)
        is None
    )


def test_propaganda_without_verifiable_content() -> None:
    found = guidelines.check_propaganda("¡Logramos vacunar al 95 % de los niños!", cites=False)
    assert found is not None and found.rule == "propaganda"
    assert "Logramos" in found.evidence
    assert (
        guidelines.check_propaganda("¡Logramos vacunar al 95 % de los niños!", cites=True) is None
    )
    assert (
        guidelines.check_propaganda(
            "¡Logramos vacunar al 95 % de los niños! https://www.gob.pe/minsa", cites=False
        )
        is None
    )


def test_propaganda_cleared_by_citing_a_commitment(
    make_post: Callable[..., PlannedPost], cited_commitment: Commitment
) -> None:
    text = "Logramos vacunar a 20 mil niños en nuestra región."
    assert (13, "propaganda") in rules(make_post(text))
    assert (13, "propaganda") not in rules(make_post(text, commitment=cited_commitment))


def test_copyleft_on_own_infographic_18(make_post: Callable[..., PlannedPost]) -> None:
    assert (18, "copyleft") in rules(make_post(GOOD_TEXT, own_infographic=True))
    licensed = GOOD_TEXT + " Licencia CC BY 4.0: puede reproducirse citando la fuente."
    assert (18, "copyleft") not in rules(make_post(licensed, own_infographic=True))
    assert (18, "copyleft") not in rules(make_post(GOOD_TEXT, own_infographic=False))


def test_self_promotion_of_the_authority_6(
    make_post: Callable[..., PlannedPost], manager: User, entities: dict[str, Entity]
) -> None:
    services.settings_update(
        actor=manager,
        entity=entities["minsa"],
        approvers=[],
        authority_names="Ministra Ana Pérez\nla ministra",
        self_promotion_max_percent=50,
        reply_approval=False,
    )
    for _index in range(2):
        make_post(GOOD_TEXT)
    # With it, 1 of 3 posts names her (33 %): under the 50 % the entity set.
    first = make_post("Nuestra ministra Ana Pérez visitó hoy los centros de vacunación.")
    assert (6, "autopromocion") not in rules(first)
    # 2 of 4 (50 %): still not above.
    second = make_post("La ministra inauguró con nosotros el nuevo centro de salud.")
    assert (6, "autopromocion") not in rules(second)
    # 3 of 5 (60 %): above the limit.
    third = make_post("Acompañamos a la Ministra Ana Pérez en su visita a Arequipa.")
    assert (6, "autopromocion") in rules(third)
    finding = GuidelineFinding.objects.get(post=third, rule="autopromocion")
    assert "3 de 5" in finding.detail and "60 %" in finding.detail
    # A post that does not name her never gets the finding.
    assert (6, "autopromocion") not in rules(make_post(GOOD_TEXT))
    assert PublishingSettings.objects.get(entity=entities["minsa"]).self_promotion_max_percent == 50


def test_findings_are_replaced_on_each_check(
    make_post: Callable[..., PlannedPost], communicator: User
) -> None:
    post = make_post("El Ministerio informa el inicio de la campaña jajaja")
    assert rules(post) == {(15, "primera_persona"), (26, "bromas_memes")}
    variant = post.variants.get()
    variant.text = GOOD_TEXT
    variant.save()
    services.post_check_guidelines(actor=communicator, post=post)
    assert rules(post) == set()


def test_finding_per_account_when_texts_differ(
    make_post: Callable[..., PlannedPost], minsa_accounts: dict[str, SocialAccount]
) -> None:
    post = make_post(
        texts={minsa_accounts["x"]: GOOD_TEXT, minsa_accounts["facebook"]: GOOD_TEXT + " jajaja"}
    )
    finding = GuidelineFinding.objects.get(post=post)
    assert finding.rule == "bromas_memes" and finding.account == minsa_accounts["facebook"]
