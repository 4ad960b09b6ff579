"""The intent classifier: fitted with scikit-learn, served with NumPy alone.

Training uses scikit-learn's TF-IDF (word and character n-grams) and logistic
regression, measured best among the alternatives (`python -m benchmarks.classifiers`).
Serving it through scikit-learn would cost about 35 MB of imports and over a
millisecond of per-call overhead, a large share of a 5 ms budget, so the fitted
model is exported to plain arrays and vocabularies and scored here with the same
arithmetic. The export is also safer to load than a pickle: data, not code.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from nlu.errors import ModelNotFoundError, TrainingDataError

WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
_TOKEN = re.compile(r"[^ ]+")
_SPACES = re.compile(r"\s\s+")
Floats = npt.NDArray[np.float32]


def word_ngrams(text: str, sizes: tuple[int, int] = WORD_NGRAMS) -> list[str]:
    """As scikit-learn's word analyzer with this token pattern: unigrams first, then longer."""
    tokens = _TOKEN.findall(text.lower())
    grams = list(tokens) if sizes[0] == 1 else []
    for n in range(max(sizes[0], 2), sizes[1] + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def char_ngrams(text: str, sizes: tuple[int, int] = CHAR_NGRAMS) -> list[str]:
    """As scikit-learn's `char_wb` analyzer: n-grams inside space-padded words."""
    grams = []
    for word in _SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        for n in range(sizes[0], sizes[1] + 1):
            offset = 0
            grams.append(padded[offset : offset + n])
            while offset + n < len(padded):
                offset += 1
                grams.append(padded[offset : offset + n])
            if offset == 0:  # a short word counts once
                break
    return grams


@dataclass(frozen=True, slots=True)
class _Block:
    """One TF-IDF vectorizer's vocabulary and weights, at its offset in the feature vector."""

    vocabulary: dict[str, int]
    idf: Floats
    offset: int

    def add(self, grams: Iterable[str], rows: list[int], values: list[float]) -> None:
        counts = Counter(self.vocabulary[g] for g in grams if g in self.vocabulary)
        if not counts:
            return
        idx = list(counts)
        weights = (
            np.array([1.0 + math.log(counts[i]) for i in idx], dtype=np.float32) * self.idf[idx]
        )
        weights /= float(np.linalg.norm(weights))  # each block is L2-normalised on its own
        rows.extend(self.offset + i for i in idx)
        values.extend(weights.tolist())


class IntentModel:
    """Softmax over linear scores of sublinear TF-IDF word and character n-grams."""

    def __init__(self, *, classes: Sequence[str], words: _Block, chars: _Block,
                 coef: Floats, intercept: Floats) -> None:  # fmt: skip
        self.classes = list(classes)
        self._words, self._chars = words, chars
        self._coef_t = np.ascontiguousarray(coef.T, dtype=np.float32)  # features x classes
        self._intercept = intercept.astype(np.float32)

    def predict_proba(self, text: str) -> Floats:
        rows: list[int] = []
        values: list[float] = []
        self._words.add(word_ngrams(text), rows, values)
        self._chars.add(char_ngrams(text), rows, values)
        scores = self._intercept.copy()
        if rows:
            scores += np.asarray(values, dtype=np.float32) @ self._coef_t[rows]
        if len(self.classes) == 2 and scores.shape[0] == 1:  # binary: one logit
            p = 1.0 / (1.0 + math.exp(-float(scores[0])))
            return np.array([1.0 - p, p], dtype=np.float32)
        scores -= scores.max()
        exp = np.exp(scores)
        probs: Floats = exp / exp.sum()
        return probs

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[str], *, c: float = 100.0) -> IntentModel:
        # scikit-learn is needed to train, never to serve
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion

        if len(set(labels)) < 2:
            raise TrainingDataError("training data needs at least two intents")
        words = TfidfVectorizer(ngram_range=WORD_NGRAMS, sublinear_tf=True, token_pattern=r"[^ ]+")
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True)
        features = FeatureUnion([("words", words), ("chars", chars)]).fit_transform(list(texts))
        clf = LogisticRegression(C=c, max_iter=5000).fit(features, list(labels))
        n_words = len(words.vocabulary_)
        return cls(
            classes=[str(x) for x in clf.classes_],
            words=_Block({str(k): int(v) for k, v in words.vocabulary_.items()},
                         words.idf_.astype(np.float32), 0),
            chars=_Block({str(k): int(v) for k, v in chars.vocabulary_.items()},
                         chars.idf_.astype(np.float32), n_words),
            coef=clf.coef_.astype(np.float32),
            intercept=clf.intercept_.astype(np.float32),
        )  # fmt: skip

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        meta = {
            "classes": self.classes,
            "words": self._words.vocabulary,
            "chars": self._chars.vocabulary,
            "char_offset": self._chars.offset,
        }
        (path / "intent_model.json").write_text(json.dumps(meta, ensure_ascii=False))
        np.savez(path / "intent_model.npz", word_idf=self._words.idf, char_idf=self._chars.idf,
                 coef=self._coef_t.T, intercept=self._intercept)  # fmt: skip

    @classmethod
    def load(cls, path: Path) -> IntentModel:
        try:
            meta: dict[str, Any] = json.loads((path / "intent_model.json").read_text())
            arrays = np.load(path / "intent_model.npz", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ModelNotFoundError(f"cannot load the intent model in {path}: {exc}") from exc
        return cls(
            classes=meta["classes"],
            words=_Block(meta["words"], arrays["word_idf"], 0),
            chars=_Block(meta["chars"], arrays["char_idf"], int(meta["char_offset"])),
            coef=arrays["coef"],
            intercept=arrays["intercept"],
        )
