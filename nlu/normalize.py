"""Spoken-form normalisation: what a speech recogniser writes, made regular.

Speech arrives lower case and unpunctuated but not uniform: numbers come as digits
or words, local names are mis-heard, and typed console text has capitals and
punctuation. Training and parsing both go through `normalize`, so the model only
ever sees one form. Every normalised token remembers its span in the original
text, so entity offsets can point at what the resident actually said.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

_UNITS = {
    "zero": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_NUMBER_WORDS = set(_UNITS) | set(_TEENS) | set(_TENS) | {"hundred", "thousand"}
# "oh" and "o" are zero only between other number words ("two oh five").
_WEAK_ZERO = {"oh", "o"}

# Recogniser slips for local names, longest first; keys are token sequences.
_SLIPS: dict[tuple[str, ...], str] = {
    ("white", "bee"): "whitby",
    ("whit", "bee"): "whitby",
    ("whit", "by"): "whitby",
    ("white", "by"): "whitby",
    ("ux", "bridge"): "uxbridge",
    ("ducks", "bridge"): "uxbridge",
    ("scoo", "gog"): "scugog",
    ("sku", "gog"): "scugog",
    ("scu", "gog"): "scugog",
    ("sim", "coe"): "simcoe",
    ("sim", "co"): "simcoe",
    ("ross", "land"): "rossland",
    ("clare", "ington"): "clarington",
    ("picker", "ing"): "pickering",
    ("osh", "awa"): "oshawa",
}
_SLIP_WORDS = {
    "scugug": "scugog",
    "scugogg": "scugog",
    "whitbey": "whitby",
    "whitbee": "whitby",
    "uxbrige": "uxbridge",
    "simco": "simcoe",
    "rosland": "rossland",
    "oshwa": "oshawa",
    "ajacks": "ajax",
}


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalised text (tokens joined by single spaces) aligned to the original."""

    original: str
    tokens: tuple[Token, ...]

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)

    def offsets(self) -> list[int]:
        """Start offset of each token in `text`."""
        starts, pos = [], 0
        for tok in self.tokens:
            starts.append(pos)
            pos += len(tok.text) + 1
        return starts

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a character span of `text` to the span of the original it came from."""
        covered = [
            tok
            for tok, tok_start in zip(self.tokens, self.offsets(), strict=True)
            if tok_start < end and tok_start + len(tok.text) > start
        ]
        if not covered:
            return (0, 0)
        return (covered[0].start, covered[-1].end)


def normalize(text: str) -> Normalized:
    raw = list(_raw_tokens(text))
    return Normalized(original=text, tokens=tuple(_fix_slips(_merge_numbers(raw))))


def _raw_tokens(text: str) -> Iterator[Token]:
    for match in _WORD.finditer(text):
        word = unicodedata.normalize("NFKC", match.group()).casefold().replace("’", "'")
        yield Token(_SLIP_WORDS.get(word, word), match.start(), match.end())


def _fix_slips(tokens: list[Token]) -> Iterator[Token]:
    i = 0
    while i < len(tokens):
        for size in (2,):
            key = tuple(t.text for t in tokens[i : i + size])
            if len(key) == size and key in _SLIPS:
                yield Token(_SLIPS[key], tokens[i].start, tokens[i + size - 1].end)
                i += size
                break
        else:
            yield tokens[i]
            i += 1


def _merge_numbers(tokens: list[Token]) -> list[Token]:
    """Replace each run of two or more number words by the digits it spells.

    A lone number word stays a word: "the blue one" and "one more thing" are not numbers.
    """
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and _is_number_word(tokens, j, i):
            j += 1
        while j > i and tokens[j - 1].text in _WEAK_ZERO | {"and"}:
            j -= 1  # a run never ends on "oh" or "and"
        if j - i >= 2:
            digits = words_to_digits([t.text for t in tokens[i:j]])
            out.append(Token(digits, tokens[i].start, tokens[j - 1].end))
            i = j
        else:
            out.append(tokens[i])
            i += 1
    return out


def _is_number_word(tokens: list[Token], j: int, run_start: int) -> bool:
    word = tokens[j].text
    if word in _WEAK_ZERO:
        # zero only between number words
        return j > run_start and j + 1 < len(tokens) and _numberish(tokens[j + 1].text)
    if word == "and":
        # "one hundred and five"
        return (
            j > run_start
            and tokens[j - 1].text in {"hundred", "thousand"}
            and j + 1 < len(tokens)
            and _numberish(tokens[j + 1].text)
        )
    return _numberish(word)


def _numberish(word: str) -> bool:
    return word in _NUMBER_WORDS or _is_single_digit(word)


def _is_single_digit(word: str) -> bool:
    return len(word) == 1 and word.isdigit()


def words_to_digits(words: Sequence[str]) -> str:
    """Spell a run of number words as digits, the way people read numbers aloud.

    Groups are concatenated: "one twenty three" is 123 and "twenty twenty four"
    is 2024, as house and year numbers are said; inside a group the words add
    up: "one hundred and five" is 105; digit strings stay digit strings:
    "two zero two four one five" is 202415.
    """
    groups: list[str] = []
    value: int | None = None  # the group being built
    slot = 0  # what the group can still take: 2 tens, 1 units, 0 nothing

    def close() -> None:
        nonlocal value, slot
        if value is not None:
            groups.append(str(value))
        value, slot = None, 0

    for word in words:
        if word == "and":
            continue
        if word in ("hundred", "thousand"):
            scale = 100 if word == "hundred" else 1000
            value = (value or 1) * scale
            slot = 2
        elif word in _TENS:
            if value is not None and slot == 2 and value % 100 == 0:
                value += _TENS[word]
                slot = 1
            else:
                close()
                value, slot = _TENS[word], 1
        elif word in _TEENS:
            if value is not None and slot == 2 and value % 100 == 0:
                value += _TEENS[word]
                slot = 0
            else:
                close()
                value, slot = _TEENS[word], 0
        else:  # a unit, a spoken zero, or a digit written alone
            unit = int(word) if _is_single_digit(word) else _UNITS[word]
            if value is not None and slot >= 1 and unit != 0 and value % 10 == 0:
                value += unit
                slot = 0
            else:
                close()
                value, slot = unit, 0
    close()
    return "".join(groups)
