"""Whether a text reads well aloud: what a smart speaker would stumble over, in staff's words.

Every answer, tip and message is spoken by Alexa or Google, so what looks fine on a
screen can sound wrong: a web address read character by character, "Rd." read as
"R D", "HHW" spelled out, markup and symbols read as noise, or an answer so long that
a resident forgets the start. Each problem comes back as one sentence saying what to
change, shown next to the field.

A bare domain such as "durham.ca" is allowed: speakers say it well, and residents can
type it. Capitals that residents say as letters or as a word (PRESTO, GO, DVD) are
allowed too; any other run of capitals is taken for an abbreviation to write out.
"""

from __future__ import annotations

import re
import unicodedata

from knowledge_base.model import MAX_SPOKEN_WORDS

# Said as letters or as a word, and understood that way by residents.
SPOKEN_AS_IS = frozenset(
    {"ATM", "CFL", "COVID", "CPR", "DRT", "DVD", "GO", "GST", "HST", "ID", "LED", "OK", "PIN",
     "PRESTO", "TTY", "TV", "USB"}
)  # fmt: skip
# Abbreviations with the words a speaker should say instead.
EXPANSIONS = {
    "HHW": "household hazardous waste",
    "WMF": "waste management facility",
    "MRF": "material recovery facility",
    "Rd.": "Road",
    "St.": "Street",
    "Ave.": "Avenue",
    "Blvd.": "Boulevard",
    "Cres.": "Crescent",
    "Ct.": "Court",
    "Dr.": "Drive (or Doctor)",
    "Hwy.": "Highway",
    "Ln.": "Lane",
    "Pkwy.": "Parkway",
    "Sq.": "Square",
    "Mt.": "Mount",
    "N.": "North",
    "S.": "South",
    "E.": "East",
    "W.": "West",
    "approx.": "about",
    "appt.": "appointment",
    "dept.": "department",
    "govt.": "government",
    "min.": "minutes",
    "mins": "minutes",
    "hr.": "hours",
    "hrs": "hours",
    "tel.": "phone",
    "ext.": "extension",
    "e.g.": "for example",
    "i.e.": "that is",
    "etc.": "and so on",
    "vs.": "or",
    "No.": "number",
    "Mon.": "Monday",
    "Tue.": "Tuesday",
    "Tues.": "Tuesday",
    "Wed.": "Wednesday",
    "Thu.": "Thursday",
    "Thurs.": "Thursday",
    "Fri.": "Friday",
    "Sat.": "Saturday",
    "Sun.": "Sunday",
    "Jan.": "January",
    "Feb.": "February",
    "Mar.": "March",
    "Apr.": "April",
    "Jun.": "June",
    "Jul.": "July",
    "Aug.": "August",
    "Sept.": "September",
    "Sep.": "September",
    "Oct.": "October",
    "Nov.": "November",
    "Dec.": "December",
}
_DOTTED = re.compile(
    r"(?<![\w.])("
    + "|".join(re.escape(a) for a in sorted(EXPANSIONS, key=len, reverse=True) if "." in a)
    + r")(?=\s|$|[,;:)])"
)
_BARE = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(a) for a in EXPANSIONS if "." not in a) + r")\b"
)
_CAPITALS = re.compile(r"\b[A-Z]{2,}\b")
_URL = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)+/\S*", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>|&(?:[a-zA-Z]+|#\d+);")
_MARKDOWN = re.compile(r"\*\*|__|\[[^\]]*\]\([^)]*\)|^\s*#+\s|^\s*[-*]\s|`", re.MULTILINE)
_SYMBOLS = set("&@#*_|~^{}[]<>\\=`•")
_SLASH = re.compile(r"(?<!\d)/|/(?!\d)")  # "24/7" and "3/4" read fine; "and/or" does not


def problems(text: str, *, max_words: int = MAX_SPOKEN_WORDS) -> list[str]:
    """What a speaker would read badly in `text`, one sentence each; empty when it is fine."""
    found: list[str] = []
    words = len(text.split())
    if words > max_words:
        found.append(
            f"{words} words: a spoken answer must be {max_words} words or fewer "
            f"(cut {words - max_words})."
        )
    if _URL.search(text) or _EMAIL.search(text):
        found.append(
            "Has a web or email address a speaker would read out character by character; "
            'name the site instead (for example "durham.ca") or give a phone number.'
        )
    if _TAG.search(text) or _MARKDOWN.search(text):
        found.append("Has markup (HTML tags or formatting marks); write plain sentences.")
    found.extend(_abbreviation_problems(text))
    rest = _MARKDOWN.sub(" ", _TAG.sub(" ", _EMAIL.sub(" ", _URL.sub(" ", text))))
    symbols = sorted({c for c in rest if c in _SYMBOLS or _odd_symbol(c)})
    if _SLASH.search(rest):
        symbols.append("/")
    if symbols:
        found.append(
            f"Has symbols a speaker reads badly ({' '.join(symbols)}); use words "
            '("and", "or", "number").'
        )
    return found


def _abbreviation_problems(text: str) -> list[str]:
    found: list[str] = []
    seen: set[str] = set()
    for match in [*_DOTTED.finditer(text), *_BARE.finditer(text)]:
        abbreviation = match.group(1)
        if abbreviation == "No." and not re.match(r"\s*\d", text[match.end() :]):
            continue  # "No." answering a question, not "No. 5"
        if abbreviation not in seen:
            seen.add(abbreviation)
            found.append(
                f'"{abbreviation}" is an abbreviation; write "{EXPANSIONS[abbreviation]}".'
            )
    for match in _CAPITALS.finditer(text):
        word = match.group(0)
        if word in seen or word in SPOKEN_AS_IS or word in EXPANSIONS:
            continue
        seen.add(word)
        found.append(
            f'"{word}" would be spelled out letter by letter; write it in full '
            "(or in lower case if it is a word)."
        )
    return found


def _odd_symbol(char: str) -> bool:
    """Pictographs, emoji and maths signs: a speaker names them or skips them."""
    return unicodedata.category(char) in ("So", "Sm") and char not in "+<>=|~^°"
