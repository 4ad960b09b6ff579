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
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20,
}  # fmt: skip

# Street vocabulary, shared with the address finder (`nlu.entities`).
STREET_SUFFIXES = frozenset(
    """street st road rd avenue ave drive dr crescent cres court ct boulevard blvd lane ln way
    place pl trail trl circle parkway pkwy line sideroad terrace square gate grove heights
    path""".split()
)
# Words that are street suffixes but also everyday words ("the right way", "in line"):
# they make an address only after a house number (known streets come from the gazetteer).
AMBIGUOUS_SUFFIXES = frozenset("way line gate path square place court circle heights grove".split())
DIRECTIONS = frozenset("""north south east west n s e w""".split())
# Roads named by a number after them: "highway 2", "regional road 57", "line 4".
NUMBERED_ROADS = frozenset(
    {("highway",), ("hwy",), ("regional", "road"), ("durham", "regional", "road"),
     ("durham", "road"), ("county", "road"), ("concession", "road"), ("concession",),
     ("sideroad",), ("side", "road"), ("line",)}
)  # fmt: skip
# Roads named by an ordinal before them: "4th line", "7th concession".
ORDINAL_ROADS = frozenset({"line", "concession", "sideroad"})
# Words that are never part of a street's name.
_FUNCTION_WORDS = frozenset(
    """a an the my our your their his her its this that these those on at in of to for near by
    from with and or is are was were be been there here it i we you they he she me us him
    them what when where which who how why do does did can could would should will about
    outside front behind across beside past into onto off up down over under meant mean
    said sorry actually um uh oh""".split()
)
# Words that end a street name when walking back from its suffix.
NOT_STREET_NAME = _FUNCTION_WORDS | frozenset(
    """pothole hole potholes bin bins garbage recycling light streetlight signal sign tree water
    sewer snow graffiti sidewalk report reporting problem issue broken big huge deep dumped
    dumping leak leaking blocked missed pickup collection live lives living house home address
    corner intersection main right wrong best easiest easy fastest other same any every one
    no proper correct only""".split()
)
_ORDINAL_ENDINGS = {1: "st", 2: "nd", 3: "rd"}
_ORDINAL_DIGITS = re.compile(r"\d+(?:st|nd|rd|th)")

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
    """Replace each number said in words by its digits.

    A run of two or more number words is a number ("one twenty three"). A lone number
    word stays a word ("the blue one", "one more thing") unless it is a house number
    before a street ("twelve king street", "nine bayly east") or the number of a
    numbered road ("highway two", "line four"). An ordinal before a road numbered that
    way is written short: "fourth line" is "4th line".
    """
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and _is_number_word(tokens, j, i):
            j += 1
        while j > i and tokens[j - 1].text in _WEAK_ZERO | {"and"}:
            j -= 1  # a run never ends on "oh" or "and"
        if j - i >= 2 or (j - i == 1 and _lone_number(tokens, i)):
            digits = words_to_digits([t.text for t in tokens[i:j]])
            out.append(Token(digits, tokens[i].start, tokens[j - 1].end))
            i = j
            continue
        ordinal = _ORDINALS.get(tokens[i].text)
        if ordinal is not None and i + 1 < len(tokens) and tokens[i + 1].text in ORDINAL_ROADS:
            out.append(Token(_ordinal(ordinal), tokens[i].start, tokens[i].end))
        else:
            out.append(tokens[i])
        i += 1
    return out


def _ordinal(number: int) -> str:
    """4 -> "4th", 22 -> "22nd"."""
    ending = "th" if 10 <= number % 100 <= 20 else _ORDINAL_ENDINGS.get(number % 10, "th")
    return f"{number}{ending}"


def _lone_number(tokens: list[Token], i: int) -> bool:
    """Whether a number word said alone is a house number or a road's number."""
    words = [t.text for t in tokens]
    if words[i] not in _UNITS.keys() | _TEENS.keys() | _TENS.keys():
        return False  # a digit is already written as one; "hundred" alone is no address
    after_road = any(tuple(words[max(i - len(r), 0) : i]) == r for r in NUMBERED_ROADS)
    return after_road or _starts_street(words, i + 1)


def _starts_street(words: Sequence[str], k: int) -> bool:
    """Whether `words[k:]` begin a street: what makes the number before it a house number.

    A numbered road ("highway 2", "4th line"), up to three name words and a street
    suffix ("king street"; an everyday suffix such as "place" or "court" only where the
    address ends), or one name word and a direction that ends the address ("bayly
    east", not "two trucks going north").
    """
    n = len(words)
    for road in NUMBERED_ROADS:
        after = k + len(road)
        if tuple(words[k:after]) == road and after < n and _numberish_or_digits(words[after]):
            return True
    if k + 1 < n and _is_ordinal(words[k]) and words[k + 1] in ORDINAL_ROADS:
        return True
    for end in range(k, min(k + 3, n)):
        if not _house_name_word(words[end]):
            return False
        nxt = end + 1
        if nxt >= n:
            return False
        ends = nxt + 1 >= n or words[nxt + 1] in _ADDRESS_ENDS
        if words[nxt] in STREET_SUFFIXES:
            if words[nxt] not in AMBIGUOUS_SUFFIXES or ends:
                return True
            if nxt + 1 < n and _numberish_or_digits(words[nxt + 1]):  # "scugog line 8"
                return True
        elif words[nxt] in _DIRECTION_WORDS and ends and end == k:  # one name word
            return True
    return False


_DIRECTION_WORDS = frozenset({"north", "south", "east", "west"})
# What may follow an address: its direction, its town, or the end of the sentence.
_ADDRESS_ENDS = _DIRECTION_WORDS | {"in", "please"}


def _house_name_word(word: str) -> bool:
    if _is_ordinal(word):
        return True
    return (
        word.isalpha()
        and word not in _FUNCTION_WORDS
        and word not in _NUMBER_WORDS
        and word not in _WEAK_ZERO
        and word not in STREET_SUFFIXES
    )


def _is_ordinal(word: str) -> bool:
    return word in _ORDINALS or _ORDINAL_DIGITS.fullmatch(word) is not None


def _numberish_or_digits(word: str) -> bool:
    return word.isdigit() or word in _NUMBER_WORDS


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
    up: "one hundred and five" is 105, "two thousand one hundred" is 2100 and
    "twenty one hundred" is 2100; digit strings stay digit strings: "two zero
    two four one five" is 202415 and "fourteen oh five" is 1405.
    """
    groups: list[str] = []
    value: int | None = None  # the group being built
    low = 0  # the part of the group below its thousands: what "hundred" multiplies
    slot = 0  # what the group can still take: 3 hundreds, 2 tens, 1 units, 0 nothing

    def close() -> None:
        nonlocal value, low, slot
        if value is not None:
            groups.append(str(value))
        value, low, slot = None, 0, 0

    def start(number: int, next_slot: int) -> None:
        nonlocal value, low, slot
        close()
        value, low, slot = number, number, next_slot

    for word in words:
        if word == "and":
            continue
        if word == "hundred":
            if value is not None and 0 < low < 100:
                value += low * 99  # the part below the thousands, times a hundred
                low *= 100
                slot = 2
            else:
                start(100, 2)
        elif word == "thousand":
            if value is not None and 0 < value < 1000:
                value *= 1000
                low, slot = 0, 3
            else:
                start(1000, 3)
        elif word in _TENS:
            if value is not None and slot >= 2 and low % 100 == 0:
                value += _TENS[word]
                low += _TENS[word]
                slot = 1
            else:
                start(_TENS[word], 1)
        elif word in _TEENS:
            if value is not None and slot >= 2 and low % 100 == 0:
                value += _TEENS[word]
                low += _TEENS[word]
                slot = 0
            else:
                start(_TEENS[word], 0)
        else:  # a unit, a spoken zero, or a digit written alone
            unit = int(word) if _is_single_digit(word) else _UNITS[word]
            if value is not None and slot >= 1 and unit != 0 and low % 10 == 0:
                value += unit
                low += unit
                slot = 0
            else:
                start(unit, 0)
    close()
    return "".join(groups)
