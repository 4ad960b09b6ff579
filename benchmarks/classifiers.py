"""Which intent classifier should the spaCy engine use? Measured, not guessed.

Every candidate sees the same features the engine uses (normalised text plus
entity-label tokens) and is scored by stratified k-fold cross-validation on the
training file only, so the held-out file stays a fair final test. Printed side
by side: accuracy, macro F1, how often a correct answer clears the confidence
threshold (calibration where it matters to us), training time and time per parse.

    .venv/bin/python -m benchmarks.classifiers [--data nlu/data/nlu.yml] [--folds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from nlu import training_data
from nlu.catalogue import FALLBACK_INTENT
from nlu.normalize import normalize
from nlu.spacy_engine import entity_pipeline, feature_text

DEFAULT_DATA = Path(__file__).resolve().parent.parent / "nlu" / "data" / "nlu.yml"
THRESHOLD = 0.35


def features(word_ngrams: tuple[int, int] = (1, 2), char_ngrams: tuple[int, int] = (2, 5)) -> Any:
    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(ngram_range=word_ngrams, sublinear_tf=True, token_pattern=r"[^ ]+"),
            ),
            (
                "chars",
                TfidfVectorizer(analyzer="char_wb", ngram_range=char_ngrams, sublinear_tf=True),
            ),
        ]
    )


CANDIDATES: dict[str, Callable[[], Any]] = {
    "logreg C=20 (words+chars)": lambda: Pipeline(
        [("f", features()), ("c", LogisticRegression(C=20.0, max_iter=5000))]
    ),
    "logreg C=5 (words+chars)": lambda: Pipeline(
        [("f", features()), ("c", LogisticRegression(C=5.0, max_iter=5000))]
    ),
    "logreg C=50 (words+chars)": lambda: Pipeline(
        [("f", features()), ("c", LogisticRegression(C=50.0, max_iter=5000))]
    ),
    "logreg C=100 (words+chars)": lambda: Pipeline(
        [("f", features()), ("c", LogisticRegression(C=100.0, max_iter=5000))]
    ),
    "logreg C=20 (words 1-3 + chars 1-6)": lambda: Pipeline(
        [("f", features((1, 3), (1, 6))), ("c", LogisticRegression(C=20.0, max_iter=5000))]
    ),
    "linear SVM + sigmoid calibration": lambda: Pipeline(
        [("f", features()), ("c", CalibratedClassifierCV(LinearSVC(C=1.0), cv=3))]
    ),
    "SGD log-loss": lambda: Pipeline(
        [
            ("f", features()),
            ("c", SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=50, random_state=0)),
        ]
    ),
    "complement naive Bayes": lambda: Pipeline([("f", features()), ("c", ComplementNB(alpha=0.3))]),
}


def cross_validate(
    make: Callable[[], Any], texts: list[str], labels: list[str], folds: int
) -> dict[str, float]:
    x, y = np.array(texts, dtype=object), np.array(labels)
    accs, f1s, confident, oos, fit_s, parse_ms = [], [], [], [], [], []
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=0).split(x, y):
        model = make()
        started = time.perf_counter()
        model.fit(list(x[train_idx]), list(y[train_idx]))
        fit_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        probs = np.vstack([model.predict_proba([t]) for t in x[test_idx]])
        parse_ms.append((time.perf_counter() - started) * 1000 / len(test_idx))
        best = model.classes_[probs.argmax(axis=1)]
        right = best == y[test_idx]
        confident.append(float(np.mean(probs.max(axis=1)[right] >= THRESHOLD)))
        # as the engine decides: a weak best guess is out of scope
        predicted = np.where(probs.max(axis=1) < THRESHOLD, FALLBACK_INTENT, best)
        accs.append(accuracy_score(y[test_idx], predicted))
        f1s.append(f1_score(y[test_idx], predicted, average="macro"))
        oos.append(float(np.mean(predicted[y[test_idx] == FALLBACK_INTENT] == FALLBACK_INTENT)))
    return {
        "accuracy": statistics.mean(accs),
        "macro_f1": statistics.mean(f1s),
        "right_and_confident": statistics.mean(confident),
        "oos_recall": statistics.mean(oos),
        "fit_s": statistics.mean(fit_s),
        "parse_ms": statistics.mean(parse_ms),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    data = training_data.load(args.data)
    docs = entity_pipeline(data).pipe(normalize(ex.text).text for ex in data.examples)
    texts = [feature_text(doc.text, (ent.label_ for ent in doc.ents)) for doc in docs]
    labels = [ex.intent for ex in data.examples]
    print(f"{len(texts)} examples, {len(set(labels))} intents, {args.folds}-fold cross-validation")
    header = ("classifier", "accuracy", "macroF1", "conf>=thr", "OOS rec", "fit s", "parse ms")
    print(f"{header[0]:<38} " + " ".join(f"{h:>9}" for h in header[1:]))
    for name, make in CANDIDATES.items():
        r = cross_validate(make, texts, labels, args.folds)
        keys = ("accuracy", "macro_f1", "right_and_confident", "oos_recall", "fit_s", "parse_ms")
        print(f"{name:<38} " + " ".join(f"{r[k]:>9.3f}" for k in keys))


if __name__ == "__main__":
    main()
