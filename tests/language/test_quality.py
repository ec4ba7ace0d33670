"""The issue's quality targets, measured as `agora classify_eval` measures them: a model
trained on the shipped corpus outside the held-out split, evaluated on the held-out lines
(which training never reads). A change to features, training or corpus that loses a target
fails here."""

from __future__ import annotations

import pytest

from agora.language import model as classifier


@pytest.fixture(scope="module")
def shipped_evaluation(shipped_model: classifier.TrainedModel) -> classifier.Evaluation:
    model = shipped_model
    held_out = [
        example
        for path in classifier.corpus_paths()
        for example in classifier.read_corpus(path)
        if classifier.is_held_out(example.id)
    ]
    return classifier.evaluate(model, held_out)


def test_the_held_out_part_is_the_one_published(
    shipped_evaluation: classifier.Evaluation,
) -> None:
    assert shipped_evaluation.size == 380
    assert shipped_evaluation.flags["spam"]["n"] == 44


def test_every_quality_target_of_the_issue_is_met(
    shipped_evaluation: classifier.Evaluation,
) -> None:
    figures = {label: value for label, value, _bound, _met in shipped_evaluation.targets}
    missed = [
        f"{label}: {value:.3f} vs {bound:.2f}"
        for label, value, bound, met in shipped_evaluation.targets
        if not met
    ]
    assert not missed, missed
    # macro-F1, insult P and R, threat P and false alarms, spam F1 and false alarms, personal data
    assert len(figures) == 8
    assert shipped_evaluation.macro_f1 >= 0.85
    assert shipped_evaluation.flags["spam"]["f1"] >= 0.90
    assert shipped_evaluation.flags["insulto"]["precision"] >= 0.90
    # Insults are also calibrated for a realistic rate (8 %) since issue #15: on the held-out
    # split recall went 0.91 → 0.82 at the same precision (0.96), while on the separately
    # written corpus_reservado precision rose 0.72 → 0.77 and F1 0.72 → 0.74.
    assert shipped_evaluation.flags["insulto"]["recall"] >= 0.80
    # Issue #15 changed the threat policy on purpose: from recall ≥ 0.96 on the corpus (which
    # fired on 14–18 % of ordinary messages) to precision at a realistic rate of 1 %. The held-out
    # split has 11 % of threats, most of them explicit: recall stays high there, but no longer
    # at any cost; what is bounded now is the share of messages without a threat that get one.
    assert shipped_evaluation.flags["amenaza"]["precision"] >= 0.85
    assert shipped_evaluation.flags["amenaza"]["recall"] >= 0.65
    assert shipped_evaluation.flags["amenaza"]["false_share"] <= 0.02
    assert shipped_evaluation.flags["spam"]["false_share"] <= 0.02
    assert shipped_evaluation.flags["datos_personales"]["f1"] >= 0.95


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        # Praise with fire was hidden as spam and alerted as a threat (lang-code-13).
        ("🔥", []),
        ("buena chamba 🔥🔥🔥", []),
        ("gracias por todo 🔥🔥", []),
        ("aaaa", []),
        ("mañana marchamos pacíficamente a la plaza", []),
        # The demo's praise alerted as a threat 16 times (issue #15).
        ("Muy buena la campaña, llevé a mis hijos y no hicimos cola", []),
        ("Otra vez sin agua!!! https://t.co/Qx81LmZa3p", []),
        ("cuántos muertos por covid hubo este año en la región?", []),
        ("Mátenlo", ["amenaza"]),
        ("vamos a quemar la municipalidad", ["amenaza"]),
        ("compra seguidores 🔥 1000 x 10 soles, escríbeme al inbox", ["spam"]),
        ("Préstamos sin aval, llámanos al 987 654 321", ["datos_personales", "spam"]),
    ],
)
def test_the_shipped_model_on_everyday_messages(
    shipped_model: classifier.TrainedModel, text: str, flags: list[str]
) -> None:
    (result,) = shipped_model.classify_texts([text])
    assert sorted(result.flags) == flags
