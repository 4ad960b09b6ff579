"""Streets as residents say them, matched to the streets that collection zones list.

People name a street the short way ("bayly east", "simcoe north", "gibb"), without
the direction when there is only one, with abbreviations ("simcoe st n", "hwy 2"),
by number ("regional road 57", "4th line"), and a recogniser adds its own slips
("bailey street east", "thorton road"). A `StreetIndex` is built once per published
revision: most addresses are dictionary lookups, and a misspelt one costs a fuzzy search
over the names that begin with the same sound.

How an address is matched, best first (`StreetIndex.find`):

1. its street's name, exactly or with its words run together ("ross land"), or a
   numbered road without the township before it ("line 8" for "scugog line 8");
2. otherwise a name within `FUZZY_CUTOFF` by rapidfuzz's token sort ratio between the
   names as they sound (`sound`), starting with the same sound and with the same
   numbers ("bailey" for "bayly", never "highway 12" for "highway 2");

and then, of those names, the streets whose suffix and direction agree with what was
said: left out, they agree with any ("king" is "king street east"); said, they must be
the street's, except that a direction said for a street that has none is a weaker
match ("bayly street east" in Pickering is its "bayly street"). A different suffix or
direction is a different street: "king avenue east" is never "king street east".

The result keeps the contract the dialog relies on: zones in every municipality that
has the street, so it can ask "Is that in X or Y?", and only that municipality's when
one is named. Within one municipality a name that could be two streets in different
zones ("simcoe" in Oshawa: north or south) finds nothing rather than a guess.

A street split between zones by house numbers (`StreetRange`: "king street east" 1 to
499 in one zone, 501 and up on the odd side in another) is found by the house number
said before it ("123 king street east"): the zone whose part of the street has it. Said
without a number, it finds all those zones, so the dialog asks for the number; with a
number no zone has, it finds none (`StreetIndex.match` says which of these happened).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

if TYPE_CHECKING:  # knowledge_base.model reads street keys from here to validate zones
    from knowledge_base.model import CollectionZone, StreetRange

# Names at least this close (rapidfuzz's 0-100 token sort ratio, between the names as
# they sound: `sound`) are the same street misheard or misspelt: a letter added or
# dropped in a name of four letters or more ("kings" for "king" is 89, "thorton" for
# "thornton" 93, "stevensen" for "stevenson" 89), or one changed in a name of eight or
# more ("berkholder" 90); spellings of one sound are the same already ("bailey" and
# "bayly", "gib" and "gibb": 100). A letter changed in a shorter name usually makes
# another street, and stays below: "mill" for "main" is 33, "hill" for "hall" 67, "mara"
# for "mary" 75, "booker" for "baker" 80, "ritsen" for "ritson" 83, "pack" for "park" 86.
# tests/knowledge_base/test_streets.py holds these cases both ways.
FUZZY_CUTOFF = 87.0

DIRECTIONS = frozenset({"north", "south", "east", "west"})
SUFFIXES = frozenset(
    """street road avenue drive crescent court boulevard lane way place trail circle parkway
    line sideroad terrace square gate grove heights path""".split()
)
# Abbreviations and recogniser slips of suffixes and directions, as written or heard.
_WORDS = {
    "st": "street", "str": "street", "streat": "street", "rd": "road", "rode": "road",
    "ave": "avenue", "av": "avenue", "avenu": "avenue", "dr": "drive", "drv": "drive",
    "cres": "crescent", "crescant": "crescent", "cresent": "crescent",
    "ct": "court", "crt": "court", "blvd": "boulevard", "ln": "lane", "pl": "place",
    "trl": "trail", "cir": "circle", "pkwy": "parkway", "ter": "terrace", "terr": "terrace",
    "sq": "square", "hts": "heights", "sdrd": "sideroad", "hwy": "highway", "reg": "regional",
    "n": "north", "s": "south", "e": "east", "w": "west", "centre": "center",
    "first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th",
    "sixth": "6th", "seventh": "7th", "eighth": "8th", "ninth": "9th", "tenth": "10th",
    "eleventh": "11th", "twelfth": "12th", "thirteenth": "13th", "fourteenth": "14th",
    "fifteenth": "15th", "sixteenth": "16th", "seventeenth": "17th", "eighteenth": "18th",
    "nineteenth": "19th", "twentieth": "20th",
}  # fmt: skip
# Words before the street in a spoken or typed answer ("it's 12 ...", "i live on ...").
_LEADING = frozenset(
    """a an the my our its it is i im we were live living at on near corner of address number
    uh um so sorry okay ok yes yeah no not meant mean said actually""".split()
)
# Words after which the rest is not the street: a second street or the town.
_JOINERS = frozenset({"and", "at", "in"})
_HOUSE_NUMBER = re.compile(r"\d+[a-z]?")
# A house number as said before the street: "12", "12b", or a unit and the number, "4-123".
_CIVIC = re.compile(r"(\d+)[a-z]?(?:-(\d+)[a-z]?)?")
_ADDRESS_WORDS = re.compile(r"\d+[a-z]?-\d+[a-z]?|[a-z0-9]+")
# Numbered roads, each spelt one way: "durham road 57" and "reg rd 57" are "regional
# road 57", "concession road 7" and "7th concession" are "concession 7", "4th line" is
# "line 4".
_NUMBERED = (
    (re.compile(r"\bside road\b"), "sideroad"),
    (re.compile(r"\b(?:durham regional|durham|region|regional) road (\d+)\b"), r"regional road \1"),
    (re.compile(r"\brr (\d+)\b"), r"regional road \1"),
    (re.compile(r"\b(?:kings|provincial) highway (\d+)\b"), r"highway \1"),
    (re.compile(r"\b(?:concession road|conc|con) (\d+)\b"), r"concession \1"),
    (re.compile(r"\b(\d+)(?:st|nd|rd|th) (concession|line|sideroad)(?: road)?\b"), r"\2 \1"),
)
_NUMBERED_HINT = re.compile(r"\d|side road")
# A township's numbered road said without the township: "line 8" for "scugog line 8".
_TOWNSHIP_ROAD = re.compile(r"^.+ ((?:line|sideroad|concession|highway|regional road) \d+)$")
_DIGITS = re.compile(r"\d+")
# Spellings of one sound, made one: what a recogniser writes for a name it does not
# know ("bailey", "baily", "bailie" for "bayly"; "thixon" for "thickson"; "curtis" for
# "courtice"; "krosno" and "crosno"), in order.
_SOUNDS = (
    (re.compile(r"ck|c(?=[^eiy]|$)|q"), "k"),
    (re.compile(r"c"), "s"),  # before e, i or y
    (re.compile(r"x"), "ks"),
    (re.compile(r"([a-z])\1"), r"\1"),  # doubled letters
    (re.compile(r"ou"), "u"),
    (re.compile(r"(?:ey|ie|ee|y)\b"), "i"),  # at the end of a word
    (re.compile(r"ai|ay|ei|ey"), "a"),
)


def street_key(text: str) -> str:
    """'123 Simcoe St. N' -> 'simcoe street north': the street as one spelling.

    Lower case, words before the street and the house number off, abbreviations and
    ordinals spelt one way, numbered roads in one form; of an intersection ("king st and
    simcoe st") or a street and its town ("liverpool in pickering"), the first street.
    """
    words = re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("’", ""))
    while words and (words[0] in _LEADING or _HOUSE_NUMBER.fullmatch(words[0])):
        words.pop(0)
    cut = next((i for i, w in enumerate(words) if w in _JOINERS and i > 0), len(words))
    words = words[:cut]
    if words and words[0] == "st":
        words[0] = "saint"  # "st marys street"
    key = " ".join(_WORDS.get(w, w) for w in words)
    if _NUMBERED_HINT.search(key):
        for pattern, replacement in _NUMBERED:
            key = pattern.sub(replacement, key)
    return key


def house_number(text: str) -> int | None:
    """'it's 12b bayly street' -> 12: the house number before the street, if one is said.

    Read where `street_key` drops it, so a number in the name ("highway 2", "4th line")
    is never taken for one. Of "4-123 king street", a unit and then the civic number as
    Canadians write them, the number is 123.
    """
    words = _ADDRESS_WORDS.findall(text.lower().replace("'", "").replace("’", ""))
    for word in words:
        if word in _LEADING:
            continue
        number = _CIVIC.fullmatch(word)
        return int(number[2] or number[1]) if number else None
    return None


@dataclass(frozen=True, slots=True)
class StreetName:
    """A street key in its parts: "bayly street east" is bayly, street, east."""

    key: str
    name: str
    suffix: str | None
    direction: str | None

    @classmethod
    def parse(cls, key: str) -> StreetName:
        words = key.split()
        direction = words.pop() if len(words) > 1 and words[-1] in DIRECTIONS else None
        suffix = words.pop() if len(words) > 1 and words[-1] in SUFFIXES else None
        return cls(key, " ".join(words), suffix, direction)

    def names(self) -> Iterable[tuple[str, bool]]:
        """What the name may be said as, each with whether a misspelling of it is looked for:
        itself, a numbered road without its township, and (exactly only) run together."""
        yield self.name, True
        township = _TOWNSHIP_ROAD.fullmatch(self.name)
        if township:
            yield township.group(1), True
        if " " in self.name:
            yield self.name.replace(" ", ""), False


@dataclass(frozen=True, slots=True)
class _Street:
    street: StreetName
    zone: CollectionZone
    order: int  # the zone's place in content: results keep content's order
    parts: tuple[StreetRange, ...]  # the zone's house numbers on it; () for all of them

    def has(self, number: int) -> bool:
        return not self.parts or any(part.covers(number) for part in self.parts)


@dataclass(frozen=True, slots=True)
class StreetMatch:
    """What an address found, and what the dialog must ask to narrow it to one zone.

    `zones` in several municipalities: ask which. `needs_number`: the street is split
    between zones by house numbers (or only part of it is in any zone) and none was said,
    so ask for it; `zones` are all the zones on it. `unknown_number`: a number was said
    and no zone has it on that street, so `zones` is empty though the street is known.
    """

    zones: tuple[CollectionZone, ...]
    number: int | None  # the house number said, if any
    street: str | None  # the street found, as one spelling, when it is one street
    needs_number: bool = False
    unknown_number: bool = False


class StreetIndex:
    """Every street of every collection zone, keyed for the ways it is said."""

    def __init__(self, zones: Sequence[CollectionZone]) -> None:
        self._by_name: dict[str, list[_Street]] = defaultdict(list)
        # Names to search when one is misspelt, by their first sound. Token sort ratio is
        # the ratio of the names with their words sorted, so each is sounded and sorted
        # once here rather than on every search.
        fuzzy: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
        for order, zone in enumerate(zones):
            parts: dict[str, list[StreetRange]] = defaultdict(list)
            for part in zone.ranges:
                parts[part.street].append(part)
            for text in zone.streets:
                street = StreetName.parse(street_key(text))
                if not street.name:
                    continue
                entry = _Street(street, zone, order, tuple(parts.get(text, ())))
                for name, misspelt in street.names():
                    if name not in self._by_name and misspelt:
                        heard = sound(name)
                        fuzzy[heard[0]][0].append(name)
                        fuzzy[heard[0]][1].append(_sorted_words(heard))
                    self._by_name[name].append(entry)
        self._fuzzy = {initial: (tuple(n), tuple(c)) for initial, (n, c) in fuzzy.items()}

    def find(self, address: str, municipality: str | None = None) -> list[CollectionZone]:
        """Zones whose streets match; several municipalities mean we must ask which, and
        several in one that the street is split and we must ask for the house number."""
        return list(self.match(address, municipality).zones)

    def match(self, address: str, municipality: str | None = None) -> StreetMatch:
        """`find`, saying why it found several zones or none (see `StreetMatch`)."""
        said = StreetName.parse(street_key(address))
        number = house_number(address)
        if not said.name:
            return StreetMatch((), number, None)
        ranked: list[tuple[tuple[float, int], _Street]] = []
        for score, entry in self._candidates(said.name, municipality):
            penalty = _disagreement(said, entry.street)
            if penalty is not None:
                ranked.append(((-score, penalty), entry))
        if not ranked:
            return StreetMatch((), number, None)
        best = min(rank for rank, _ in ranked)
        by_town: dict[str, list[_Street]] = defaultdict(list)
        for rank, entry in ranked:
            if rank == best:
                by_town[entry.zone.municipality].append(entry)
        if len(by_town) > 1:  # the dialog asks which municipality, and then asks us again
            chosen = [e for entries in by_town.values() for e in _at(entries, number) or entries]
            return StreetMatch(_zones(chosen), number, _one_key(chosen))
        chosen = _one_street(next(iter(by_town.values())), said.key)
        if number is None:
            split = any(entry.parts for entry in chosen)
            return StreetMatch(_zones(chosen), None, _one_key(chosen), needs_number=split)
        there = _at(chosen, number)
        unknown = bool(chosen) and not there
        return StreetMatch(_zones(there), number, _one_key(chosen), unknown_number=unknown)

    def _candidates(self, name: str, municipality: str | None) -> list[tuple[float, _Street]]:
        exact = [
            entry
            for key in dict.fromkeys((name, name.replace(" ", "")))
            for entry in self._by_name.get(key, ())
            if municipality is None or entry.zone.municipality == municipality
        ]
        if exact:
            return [(100.0, entry) for entry in exact]
        heard = sound(name)
        names, choices = self._fuzzy.get(heard[0], ((), ()))
        close = process.extract(
            _sorted_words(heard), choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=None
        )
        digits = _DIGITS.findall(name)  # "highway 12" is never "highway 2"
        return [
            (score, entry)
            for _, score, i in close
            if _DIGITS.findall(names[i]) == digits
            for entry in self._by_name[names[i]]
            if municipality is None or entry.zone.municipality == municipality
        ]


def sound(name: str) -> str:
    """The name as it sounds, roughly: "bailey" and "bayly" are both "bali"."""
    for pattern, replacement in _SOUNDS:
        name = pattern.sub(replacement, name)
    return name


def _sorted_words(name: str) -> str:
    return " ".join(sorted(name.split()))


def _disagreement(said: StreetName, street: StreetName) -> int | None:
    """How far what was said strays from a street of that name; None for another street.

    Suffix and direction each count 0 when left out or the same, 1 when said for a
    street that has none, and make it another street when they differ.
    """
    penalty = 0
    for heard, has in ((said.suffix, street.suffix), (said.direction, street.direction)):
        if heard is None or heard == has:
            continue
        if has is not None:
            return None
        penalty += 1
    return penalty


def _at(entries: list[_Street], number: int | None) -> list[_Street]:
    """The entries whose zone has house `number` on its street (all of them without one)."""
    return entries if number is None else [entry for entry in entries if entry.has(number)]


def _zones(entries: list[_Street]) -> tuple[CollectionZone, ...]:
    """The entries' zones, each once, in content order."""
    unique = {entry.order: entry.zone for entry in entries}
    return tuple(unique[order] for order in sorted(unique))


def _one_key(entries: list[_Street]) -> str | None:
    keys = {entry.street.key for entry in entries}
    return keys.pop() if len(keys) == 1 else None


def _one_street(entries: list[_Street], key: str) -> list[_Street]:
    """The matches in one municipality if they are one street, or all in one zone.

    The street said in full wins over others it is short for ("simcoe street" when
    there is a "simcoe street north" too); otherwise "main street" is both "main street
    north" and "main street south", which is fine when both are in one zone.
    """
    exact = [e for e in entries if e.street.key == key]
    if exact:
        entries = exact
    if len({e.street.key for e in entries}) == 1 or len({e.order for e in entries}) == 1:
        return entries
    return []
