"""The spam signals: link shapes, calls to action next to a way of contact, money next to an
offer; the same values on the training path and on the classify path."""

from __future__ import annotations

import hashlib

import numpy as np
from sklearn.linear_model import LogisticRegression

from agora.language import model as classifier
from agora.language.normalize import normalize


def _signal_names(text: str) -> set[str]:
    prepared = classifier._prepare([text])
    row = classifier._signals(prepared.docs(), prepared.shouting)[0]
    return {name for name, value in zip(classifier._SIGNALS, row, strict=True) if value}


def test_state_sites_are_not_plain_links() -> None:
    assert normalize("en gob.pe donde encuentro el formulario?").split()[1] == "url_oficial"
    tokens = normalize("lo vi en https://www.gob.pe/minsa y en www.midis.gob.pe.").split()
    assert tokens.count("url_oficial") == 2
    assert "url" not in tokens


def test_a_dash_in_the_host_is_a_look_alike_link() -> None:
    tokens = normalize("actualiza tus datos en bn-actualiza.example/login").split()
    assert "url" in tokens and "url_guion" in tokens
    plain = normalize("mira este video videoviral.example").split()
    assert "url" in plain and "url_guion" not in plain


def test_contact_next_to_a_call_to_action() -> None:
    assert "contacto_accion" in _signal_names("Préstamos sin aval, llámanos al 987 654 321")
    assert "contacto_accion" in _signal_names("cursos de cocina, escríbeme por whatsapp")
    # A phone, WhatsApp or a link alone is not an advertisement.
    assert "contacto_accion" not in _signal_names("les escribo por WhatsApp y nadie contesta")
    assert "contacto_accion" not in _signal_names("mi número es 987 654 321, nadie me llama")
    assert "contacto_accion" not in _signal_names("el formulario está en gob.pe, escríbanos")


def test_money_next_to_an_offer_word() -> None:
    assert "dinero_ganancia" in _signal_names("Invierte 100 soles y recibe ganancias diarias")
    assert "dinero_ganancia" not in _signal_names("me cobraron 80 soles por la ecografía")
    assert "dinero_ganancia" not in _signal_names("¿el bono es gratis o cuesta algo?")


def test_conjunctions_are_the_same_on_the_classify_path(
    mini_model: classifier.TrainedModel,
) -> None:
    texts = [
        "Préstamos sin aval, llámanos al 987 654 321",
        "Invierte 100 soles y recibe ganancias diarias",
        "les escribo por WhatsApp y nadie contesta",
        "entra a bono-familiar.example y reclama tu bono",
        "",
    ]
    prepared = classifier._prepare(texts)
    _decision, _has_word, signals = mini_model.scorer.decide(
        prepared.flat, prepared.shouting, prepared.size
    )
    expected = classifier._signals(prepared.docs(), prepared.shouting) > 0
    np.testing.assert_array_equal(signals, expected)
    column = classifier._SIGNALS.index("contacto_accion")
    assert signals[:, column].tolist() == [True, False, False, True, False]


def test_training_only_part_never_enters_the_held_out_split() -> None:
    """Parts f and g were written for training after the figures were published: none of their
    lines is held out, although the hash rule alone would pick some of them."""
    ids = [e.id for path in classifier.corpus_paths() for e in classifier.read_corpus(path)]
    for prefix in ("f-", "g-"):
        part = [i for i in ids if i.startswith(prefix)]
        assert part
        by_hash = [i for i in part if int(hashlib.sha256(i.encode()).hexdigest()[:8], 16) % 5 == 0]
        assert by_hash  # the rule matters
        assert not any(classifier.is_held_out(i) for i in part)
    assert sum(classifier.is_held_out(i) for i in ids) == 380  # the parts a–e split


def _spam_matrix() -> tuple[np.ndarray, np.ndarray]:
    """Twelve messages × four features: the first feature is telling of spam, the second of
    the rest, the last two are noise shared by both classes."""
    rows = [[1, 0, 1, 0]] * 4 + [[1, 0, 0, 1]] * 2 + [[0, 1, 1, 0]] * 3 + [[0, 1, 0, 1]] * 3
    y = [1] * 6 + [0] * 6
    return np.array(rows, dtype=np.float64), np.array(y)


def test_spam_model_is_one_linear_function_with_calibrated_probabilities() -> None:
    from scipy import sparse

    dense, y = _spam_matrix()
    matrix = sparse.csr_matrix(dense)
    model = classifier._NaiveBayesSVM().fit(matrix, y)
    decision = model.decision_function(matrix)
    # One weight vector and an intercept: what the scorer folds into its tables.
    np.testing.assert_allclose(decision, dense @ model.coef_.ravel() + model.intercept_[0])
    probability = model.predict_proba(matrix)
    np.testing.assert_allclose(probability.sum(axis=1), 1.0)
    assert (probability[y == 1, 1] > 0.5).all() and (probability[y == 0, 1] < 0.5).all()
    # The telling feature weighs for spam, its opposite against, the noise far less.
    weights = model.coef_.ravel()
    assert weights[0] > 0 > weights[1]
    assert abs(weights[2]) < weights[0] and abs(weights[3]) < weights[0]


def test_spam_model_with_a_single_spam_example_still_ranks_it_first() -> None:
    """Too few of a class for the inner cross-validation: no calibration, no error."""
    from scipy import sparse

    dense = np.array([[1, 0, 1], [0, 1, 1], [0, 1, 0], [0, 1, 1]], dtype=np.float64)
    y = np.array([1, 0, 0, 0])
    model = classifier._NaiveBayesSVM().fit(sparse.csr_matrix(dense), y)
    scores = model.predict_proba(sparse.csr_matrix(dense))[:, 1]
    assert scores.argmax() == 0
    assert scores[0] > 0.5 > scores[1:].max()


def test_training_uses_the_nbsvm_for_spam_only(mini_model: classifier.TrainedModel) -> None:
    assert isinstance(mini_model.flag_models["spam"], classifier._NaiveBayesSVM)
    assert isinstance(mini_model.flag_models["insulto"], LogisticRegression)


def test_spam_model_is_the_svm_on_ratio_scaled_features_then_platt() -> None:
    """The folded weights give exactly what the composition gives: features scaled by the
    naive Bayes ratio, a linear SVM's margin, then the Platt slope and offset fitted on the
    margins of the inner cross-validation."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.svm import LinearSVC

    rng = np.random.default_rng(7)
    dense = (rng.random((60, 12)) < 0.3).astype(np.float64)
    y = (dense[:, 0] + dense[:, 1] + rng.random(60) * 0.8 > 0.9).astype(int)
    matrix = sparse.csr_matrix(dense)
    model = classifier._NaiveBayesSVM().fit(matrix, y)

    alpha = classifier._NaiveBayesSVM.ALPHA
    positive = dense[y == 1].sum(axis=0) + alpha
    negative = dense[y == 0].sum(axis=0) + alpha
    ratio = np.log((positive / positive.sum()) / (negative / negative.sum()))
    scaled = dense * ratio

    def svm() -> LinearSVC:
        return LinearSVC(C=1.0, class_weight="balanced", max_iter=20_000, random_state=0)

    margin = svm().fit(scaled, y).decision_function(scaled)
    inner = cross_val_predict(
        svm(),
        scaled,
        y,
        cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0),
        method="decision_function",
    )
    platt = LogisticRegression(C=1e4).fit(inner.reshape(-1, 1), y)
    expected = 1 / (1 + np.exp(-(platt.coef_[0, 0] * margin + platt.intercept_[0])))
    np.testing.assert_allclose(model.predict_proba(matrix)[:, 1], expected, atol=1e-9)
