from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from nlu import ModelNotFoundError, TrainingDataError
from nlu.intent_model import CHAR_NGRAMS, WORD_NGRAMS, IntentModel

TEXTS = [
    "when is my garbage day", "is it blue box week", "garbage pickup day please",
    "where does a pizza box go", "how do i get rid of paint", "where do batteries go",
    "there's a fire", "someone is not breathing", "i smell gas",
]  # fmt: skip
LABELS = ["collection_day"] * 3 + ["waste_sorting"] * 3 + ["emergency"] * 3


def reference(texts: list[str], labels: list[str]) -> Pipeline:
    words = TfidfVectorizer(ngram_range=WORD_NGRAMS, sublinear_tf=True, token_pattern=r"[^ ]+")
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True)
    return Pipeline(
        [
            ("f", FeatureUnion([("w", words), ("c", chars)])),
            ("c", LogisticRegression(C=100.0, max_iter=5000)),
        ]
    ).fit(texts, labels)


@pytest.mark.parametrize(
    "text",
    [
        "when is garbage day",
        "pizza box",
        "fire fire",
        "",
        "unseen words only",
        "a  b   c",
        "日本語",
    ],
)
def test_scores_exactly_as_scikit_learn_does(text: str) -> None:
    ours = IntentModel.fit(TEXTS, LABELS)
    theirs = reference(TEXTS, LABELS)
    assert ours.classes == list(theirs.classes_)
    np.testing.assert_allclose(ours.predict_proba(text), theirs.predict_proba([text])[0], atol=1e-5)


def test_two_intents_work_too() -> None:
    texts, labels = TEXTS[:6], LABELS[:6]
    np.testing.assert_allclose(
        IntentModel.fit(texts, labels).predict_proba("paint"),
        reference(texts, labels).predict_proba(["paint"])[0],
        atol=1e-5,
    )


def test_saved_and_loaded_without_pickle(tmp_path: Path) -> None:
    model = IntentModel.fit(TEXTS, LABELS)
    model.save(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {"intent_model.json", "intent_model.npz"}
    loaded = IntentModel.load(tmp_path)
    np.testing.assert_array_equal(
        loaded.predict_proba("where do batteries go"), model.predict_proba("where do batteries go")
    )


def test_one_intent_cannot_be_trained() -> None:
    with pytest.raises(TrainingDataError, match="at least two intents"):
        IntentModel.fit(["a", "b"], ["x", "x"])


def test_a_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="cannot load the intent model"):
        IntentModel.load(tmp_path)
