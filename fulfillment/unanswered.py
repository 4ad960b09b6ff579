"""Unanswered questions: what residents asked that we could not answer, for content staff.

When a question ends in the honest fallback, or in an intent with no content behind it,
the utterance is kept so staff can see what residents want that the knowledge base does
not say, grouped by similar wording and counted, and start an FAQ article from a group.

A resident's words often carry who they are and where they live ("this is Mary, I'm at
123 King Street East, call me at 905-555-1234"). None of that may be kept: `scrub`
replaces street addresses, numbers (phone numbers, house numbers, postal codes), email
addresses and names with placeholders before anything is stored, and nothing else of
the utterance is written (no session, user or device id). Rows are kept only
`keep_days` days; older ones are deleted on every `record` and by `purge`.

Scrubbing errs on the side of removing too much: a staff member reading "garbage day on
<address>" loses nothing they need, while a resident's phone number in a database
staff can browse is a privacy breach.

Storage: `SqliteUnansweredStore` (one file, the default) and `PostgresUnansweredStore`
(when the service shares a PostgreSQL database), with the same contract.
"""

from __future__ import annotations

import asyncio
import functools
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from rapidfuzz import fuzz, process

from fulfillment.errors import FulfillmentError
from knowledge_base.streets import DIRECTIONS, SUFFIXES

_T = TypeVar("_T")
Reason = Literal["fallback", "no_content"]
REASONS: tuple[Reason, ...] = ("fallback", "no_content")
ADDRESS, NUMBER, EMAIL, NAME, POSTCODE = "<address>", "<number>", "<email>", "<name>", "<postcode>"
MAX_INPUT = 1000  # characters of an utterance scrubbed; a longer one is cut first
MAX_STORED = 500  # characters of scrubbed text kept
# Topics at least this close (rapidfuzz 0-100, see `topic` and `similar`) are one group:
# "dog licence" and "dog license" (91), "garbage day <address>" and "day garbage
# <address>" (100); but not "dog licence" and "fishing licence" (78), "library open" and
# "pool open" (62), "parking ticket" and "water bill" (33).
GROUP_CUTOFF = 80.0
MAX_WORDINGS = 2000  # distinct wordings grouped per page; the rest are the rarest
_INTENT = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class UnansweredError(FulfillmentError):
    """The unanswered-questions store was misused or could not read or write."""


# --------------------------------------------------------------------------- scrubbing

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# "john dot smith at gmail dot com", as a recogniser writes an email said aloud.
_SPOKEN_EMAIL = re.compile(
    r"\b[a-z0-9][\w.+-]*(?:\s+(?:dot|underscore|dash|hyphen)\s+[a-z0-9][\w+-]*)*"
    r"\s+at\s+[a-z0-9][\w-]*(?:\s+dot\s+[a-z0-9][\w-]*)*\s+dot\s+(?:com|ca|net|org|edu|gov|info|"
    r"biz|io|co|us|uk|me)\b",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?<![\w-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?![\w-])"
)
_POSTAL = re.compile(r"\b[abceghjklmnprstvxy]\d[a-z][\s-]?\d[a-z]\d\b", re.IGNORECASE)
# Words that end a name said after a cue ("my name is john smith and i ...").
_NOT_NAME = frozenset(
    """a an the and or but so i i'm im me my we our you your he she they it it's its is am
    are was be been from about calling call here speaking with at on in of to for please
    just really very not who what when where why how can could would will need want have
    has live living lives regarding concerning again there that this thanks thank hi hello
    hey yes yeah no okay ok um uh like well also still going trying looking wondering back
    later tomorrow today tonight now soon anytime after before whenever if""".split()
)
# "this is ..." is a name only at the start, in one or two words followed by a pause or a
# word that goes on from a name ("this is dave chen about my bin"), and not a word like
# these ("this is ridiculous").
_NOT_NAME_AFTER_THIS_IS = _NOT_NAME | frozenset(
    """ridiculous urgent important terrible crazy great weird strange annoying frustrating
    correct right wrong true false good bad fine serious second first last only about
    unacceptable impossible confusing""".split()
)
_NAME_WORD = r"[a-z][a-z'\-]*"
_NAME_CUES: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (re.compile(rf"\b(?:my|the) name(?:'s|\s+is)\s+((?:{_NAME_WORD}\s*){{1,3}})", re.I), _NOT_NAME),
    (re.compile(rf"\bcall me\s+((?:{_NAME_WORD}\s*){{1,3}})", re.I), _NOT_NAME),
    (
        re.compile(
            r"^\W*(?:(?:hi|hello|hey|yes|yeah|um|uh|ok|okay|good (?:morning|afternoon|evening))"
            rf"\W+)*this is\s+({_NAME_WORD}(?:\s+{_NAME_WORD})?)(?=\s*(?:[,.!?;:]|$)|\s+(?:"
            r"calling|from|and|i|i'm|im|here|speaking|with|my|about|again)\b)",
            re.I,
        ),
        _NOT_NAME_AFTER_THIS_IS,
    ),
    (
        re.compile(
            rf"\b(?:i'm|i am|im|it's|it is)\s+((?:{_NAME_WORD}\s+){{1,3}})(?=(?:calling|here|"
            r"speaking)\b)",
            re.I,
        ),
        _NOT_NAME,
    ),
    (re.compile(rf"\b(?:mr|mrs|ms|mister|missus)\.?\s+({_NAME_WORD})", re.I), _NOT_NAME),
)
_TOKEN = re.compile(r"<[a-z]+>|\d+[a-z]{0,2}(?:-\d+[a-z]?)*|[a-z]+(?:'[a-z]+)*", re.IGNORECASE)
_DIGIT_WORDS = frozenset("zero oh o one two three four five six seven eight nine".split())
_NUMBER_WORDS = _DIGIT_WORDS | frozenset(
    """ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty
    thirty forty fifty sixty seventy eighty ninety hundred thousand double triple""".split()
)
_ZEROS = frozenset({"zero", "oh", "o"})
# How residents and recognisers shorten street words; "st" before a name is "saint".
_STREET_WORDS = {
    "st": "street", "rd": "road", "ave": "avenue", "av": "avenue", "dr": "drive",
    "cres": "crescent", "ct": "court", "crt": "court", "blvd": "boulevard", "ln": "lane",
    "pl": "place", "trl": "trail", "cir": "circle", "pkwy": "parkway", "ter": "terrace",
    "sq": "square", "hwy": "highway", "sdrd": "sideroad", "n": "north", "s": "south",
    "e": "east", "w": "west",
}  # fmt: skip
_ROAD_ENDS = SUFFIXES | {"highway", "concession", "driveway"}
_NUMBERED_ROADS = frozenset({"highway", "line", "sideroad", "concession"})
_MAX_NAME_WORDS = 4  # words of a street's name before its suffix ("old harwood avenue")
# Fillers that say nothing about what was asked: dropped before wordings are compared.
# Words in every kind of question, left out when topics are compared (`topic`).
_GENERIC = frozenset(
    """a an the my your our their his her its it it's i i'm im me we you is are was were be
    been am do does did can could would should will how what what's when where where's who
    why which to of for in on at by with about from this that there there's any some much
    many get got buy pay find need want know tell give have has go going come please if
    and or not no yes whats wheres whens hows whos theres dont doesnt cant can't don't
    doesn't""".split()
)
_FILLERS = frozenset(
    """um uh erm hmm hi hello hey please thanks thank okay ok so yeah well like just alexa
    google""".split()
)


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    word: str  # lower case, street abbreviations written out

    @property
    def has_digit(self) -> bool:
        return any(c.isdigit() for c in self.word)

    @property
    def is_number(self) -> bool:
        return (self.has_digit and not self.word.startswith("<")) or self.word in _NUMBER_WORDS


class Scrubber:
    """Removes personal details from an utterance; built once per published content, since
    it knows that content's streets ("king street east" is an address even without a
    number). Without streets it still finds addresses by their shape: a house number,
    then a name, then a street word ("123 Thornton Road North")."""

    def __init__(self, *, streets: Iterable[str] = ()) -> None:
        keys: set[str] = set()
        for street in streets:
            words = [_street_word(w) for w in _TOKEN.findall(street.lower())]
            if len(words) >= 2:
                keys.add(" ".join(words))
                if words[-1] in DIRECTIONS and len(words) >= 3:
                    keys.add(" ".join(words[:-1]))  # "king street" for "king street east"
        self._streets = frozenset(keys)
        self._longest = max((len(k.split()) for k in keys), default=0)

    def __call__(self, text: str) -> str:
        text = text[:MAX_INPUT]
        text = _SPOKEN_EMAIL.sub(EMAIL, _EMAIL.sub(EMAIL, text))
        text = _POSTAL.sub(POSTCODE, _PHONE.sub(NUMBER, text))
        text = _scrub_names(text)
        text = self._scrub_tokens(text)
        text = re.sub(rf"({NUMBER})(?:[\s().+-]*{NUMBER})+", NUMBER, text)
        text = re.sub(r"\s+", " ", text).strip()
        return text if len(text) <= MAX_STORED else text[:MAX_STORED].rsplit(" ", 1)[0]

    def _scrub_tokens(self, text: str) -> str:
        """Addresses, spoken postal codes and numbers, found word by word."""
        tokens = [
            _Token(m.start(), m.end(), _street_word(m[0].lower())) for m in _TOKEN.finditer(text)
        ]
        spans: list[tuple[int, int, str]] = []
        i = 0
        while i < len(tokens):
            postcode = _spoken_postcode(tokens, i)
            run = _number_run(tokens, i)
            if postcode > i:
                spans.append((tokens[i].start, tokens[postcode - 1].end, POSTCODE))
                i = postcode
            elif run > i:
                street = self._street_at(tokens, run)
                if street is not None:
                    spans.append((tokens[i].start, tokens[street - 1].end, ADDRESS))
                    i = street
                    continue
                if _is_said_number(tokens[i:run]):
                    spans.append((tokens[i].start, tokens[run - 1].end, NUMBER))
                i = run
            elif (street := self._known_street_at(tokens, i)) is not None:
                spans.append((tokens[i].start, tokens[street - 1].end, ADDRESS))
                i = street
            else:
                i += 1
        for start, end, placeholder in reversed(spans):
            text = f"{text[:start]}{placeholder}{text[end:]}"
        return text

    def _street_at(self, tokens: Sequence[_Token], i: int) -> int | None:
        """Where a street said at token `i` (after a house number) ends, if one is."""
        known = self._known_street_at(tokens, i)
        if known is not None:
            return known
        if i < len(tokens) - 1 and tokens[i].word in _NUMBERED_ROADS and tokens[i + 1].has_digit:
            return _with_direction(tokens, i + 2)  # "1234 highway 2"
        for names in range(1, _MAX_NAME_WORDS + 1):
            end = i + names
            if end >= len(tokens) or not _name_like(tokens[end - 1].word):
                return None
            if tokens[end].word in _ROAD_ENDS:
                end += 1
                if end < len(tokens) and tokens[end].has_digit:
                    end += 1  # "regional road 57"
                return _with_direction(tokens, end)
        return None

    def _known_street_at(self, tokens: Sequence[_Token], i: int) -> int | None:
        """Where a street of the content's, said at token `i`, ends (the longest one)."""
        for size in range(min(self._longest, len(tokens) - i), 1, -1):
            if " ".join(t.word for t in tokens[i : i + size]) in self._streets:
                return _with_direction(tokens, i + size)
        return None


def scrub(text: str, *, streets: Iterable[str] = ()) -> str:
    """`text` with street addresses, numbers, emails and names replaced by placeholders.

    For many utterances against the same streets, build one `Scrubber` instead.
    """
    return Scrubber(streets=streets)(text)


def _street_word(word: str) -> str:
    return _STREET_WORDS.get(word, word)


def _scrub_names(text: str) -> str:
    for pattern, not_names in _NAME_CUES:
        text = pattern.sub(functools.partial(_name_replaced, not_names=not_names), text)
    return text


def _name_replaced(match: re.Match[str], not_names: frozenset[str]) -> str:
    """The match with the name words after its cue (up to the first word that is not part
    of a name) replaced by NAME; unchanged when no word after the cue can be a name."""
    said = match[1]
    words = list(re.finditer(r"\S+", said))
    kept = 0
    for word in words:
        if word[0].lower().strip(",.!?;:") in not_names:
            break
        kept += 1
    if kept == 0:
        return match[0]
    cue_end = match.start(1) - match.start(0)
    name_end = words[kept - 1].end()
    trailing = said[name_end:]
    return f"{match[0][:cue_end]}{NAME}{_punctuation(said[:name_end])}{trailing}"


def _punctuation(name: str) -> str:
    """The punctuation said name ended with ("mary," keeps its comma)."""
    return name[len(name.rstrip(",.!?;:")) :]


def _number_run(tokens: Sequence[_Token], i: int) -> int:
    """The end of the number said from token `i` ("one twenty three", "905 555 one two"),
    or `i` when none starts there. A leading "oh" is a word ("oh, one more thing")."""
    if not tokens[i].is_number or tokens[i].word in _ZEROS:
        return i
    end = i
    while end < len(tokens) and tokens[end].is_number:
        end += 1
    while end > i + 1 and tokens[end - 1].word in _ZEROS | {"double", "triple"}:
        end -= 1
    return end


def _is_said_number(run: Sequence[_Token]) -> bool:
    """Whether a number run not before a street is a number to remove: any digits, or words
    said like digits (three or more, or with an "oh"); "one or two" and "twenty" stay."""
    words = [t.word for t in run]
    return (
        any(t.has_digit for t in run)
        or len(words) >= 3
        or (len(words) >= 2 and bool(_ZEROS & set(words)))
    )


def _spoken_postcode(tokens: Sequence[_Token], i: int) -> int:
    """The end of a postal code spelt out from token `i` ("l one h seven k four"), or `i`."""
    end, letters, digits = i, 0, 0
    while end < len(tokens) and end - i < 6:
        word = tokens[end].word
        if len(word) == 1 and word.isalpha() and word not in ("i", "a", "o"):
            letters += 1
        elif word in _DIGIT_WORDS or (len(word) == 1 and word.isdigit()):
            digits += 1
        else:
            break
        end += 1
    return end if end - i >= 5 and letters >= 2 and digits >= 2 else i


def _name_like(word: str) -> bool:
    """A word that can be part of a street's name: not a function word, not a street word."""
    if word.startswith("<") or word in _NOT_NAME or word in _ROAD_ENDS or word in DIRECTIONS:
        return False
    return word.isalpha() or bool(re.fullmatch(r"\d+(?:st|nd|rd|th)", word))


def _with_direction(tokens: Sequence[_Token], end: int) -> int:
    return end + 1 if end < len(tokens) and tokens[end].word in DIRECTIONS else end


# --------------------------------------------------------------------------- grouping


def wording(text: str) -> str:
    """How a scrubbed utterance is kept for grouping: lower case words and placeholders,
    without fillers ("um", "please"); the same wording is the same question."""
    words = re.findall(r"<[a-z]+>|[a-z0-9]+(?:'[a-z]+)*", text.lower().replace("’", "'"))
    return " ".join(w for w in words if w not in _FILLERS)


def topic(key: str) -> str:
    """The words of a wording that say what it is about: "where do i get a dog licence" is
    "dog licence". Question words, pronouns and everyday verbs are in every question, and
    compared with them "dog licence" and "fishing licence" look alike; a wording of nothing
    else is its own topic."""
    words = [w for w in key.split() if w not in _GENERIC]
    return " ".join(words) if words else key


def similar(a: str, b: str) -> float:
    """0-100: how alike two topics are. Token set ratio ignores order and repeated words,
    but calls any topic 100 against one that contains it ("bus" and "bus toronto
    schedule"), so when one has under half the other's words, token sort ratio (which
    counts them) decides."""
    short, long = sorted((len(a.split()), len(b.split())))
    if short * 2 < long:
        return float(fuzz.token_sort_ratio(a, b))
    return float(fuzz.token_set_ratio(a, b))


@dataclass(frozen=True, slots=True)
class Group:
    """Questions asked in similar words: what staff see, and start an FAQ article from."""

    example: str  # the most recent scrubbed utterance of the most frequent wording
    count: int
    last_seen: datetime
    wordings: tuple[str, ...]  # distinct wordings, most frequent first (keyword ideas)
    reasons: tuple[str, ...]
    intents: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Wording:
    key: str
    count: int
    last_seen: datetime
    example: str
    reasons: frozenset[str]
    intents: frozenset[str]


def _merge(wordings: Sequence[_Wording], cutoff: float) -> list[Group]:
    """Groups of similar wordings, most asked first; each wording joins the most similar
    group already made from a more frequent one, or starts its own."""
    ordered = sorted(wordings, key=lambda w: (-w.count, -w.last_seen.timestamp(), w.key))
    members: list[list[_Wording]] = []
    heads: list[str] = []  # the topic of each group's first (most asked) wording
    for item in ordered:
        about = topic(item.key)
        best = process.extractOne(about, heads, scorer=similar_scorer, score_cutoff=cutoff)
        if best is None:
            heads.append(about)
            members.append([item])
        else:
            members[best[2]].append(item)
    groups = [
        Group(
            example=group[0].example,
            count=sum(w.count for w in group),
            last_seen=max(w.last_seen for w in group),
            wordings=tuple(w.key for w in group),
            reasons=tuple(sorted(set().union(*(w.reasons for w in group)))),
            intents=tuple(sorted(set().union(*(w.intents for w in group)))),
        )
        for group in members
    ]
    return sorted(groups, key=lambda g: (-g.count, -g.last_seen.timestamp()))


def similar_scorer(a: str, b: str, **_: Any) -> float:
    """`similar` in the shape rapidfuzz's `process` calls a scorer."""
    return similar(a, b)


# --------------------------------------------------------------------------- the store


class UnansweredStore(Protocol):
    """Where unanswered questions are kept, scrubbed, for `keep_days` days."""

    keep_days: int

    async def record(
        self,
        text: str,
        *,
        reason: Reason,
        intent: str | None,
        when: datetime,
        scrubber: Scrubber | None = None,
    ) -> str | None:
        """Keep `text`, scrubbed (by `scrubber`, else the store's), and return what was
        kept; None when nothing was left to keep. Also deletes rows past `keep_days`."""
        ...

    async def groups(self, since: datetime, *, cutoff: float = GROUP_CUTOFF) -> list[Group]:
        """Questions asked since `since`, grouped by similar wording, most asked first."""
        ...

    async def purge(self, now: datetime) -> int:
        """Delete questions older than `keep_days` before `now`; how many were deleted."""
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class _Row:
    """One question as it is written: nothing but these fields is ever stored."""

    at: datetime
    text: str
    key: str
    reason: str
    intent: str


def _checked_keep_days(keep_days: int) -> int:
    if isinstance(keep_days, bool) or not isinstance(keep_days, int) or keep_days < 1:
        raise UnansweredError(f"keep_days must be a whole number of days, 1 or more: {keep_days!r}")
    return keep_days


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None:
        raise UnansweredError(f"{name} must be timezone-aware")
    return moment.astimezone(UTC)


def _row(
    text: str, reason: str, intent: str | None, when: datetime, scrubber: Scrubber
) -> _Row | None:
    """What `record` writes: the scrubbed text and its wording; None if nothing is left."""
    if reason not in REASONS:
        raise UnansweredError(f"reason must be one of {', '.join(REASONS)}: {reason!r}")
    at = _aware(when, "when")
    kept = scrubber(text)
    key = wording(kept)
    if not key or not set(key.split()) - {ADDRESS, NUMBER, EMAIL, NAME, POSTCODE}:
        return None  # nothing but personal details: nothing a staff member could use
    clean_intent = intent if intent is not None and _INTENT.fullmatch(intent) else "unknown"
    return _Row(at, kept, key, reason, clean_intent)


_TABLE = "unanswered_questions"
_SQLITE_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {_TABLE} (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,  -- microseconds since 1970-01-01 UTC
    text TEXT NOT NULL,   -- scrubbed: never what the resident said word for word
    key TEXT NOT NULL,    -- `wording(text)`, what groups are made of
    reason TEXT NOT NULL,
    intent TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS {_TABLE}_at ON {_TABLE} (at);
CREATE INDEX IF NOT EXISTS {_TABLE}_key ON {_TABLE} (key, at);
"""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICRO


def _split(joined: str | None) -> frozenset[str]:
    return frozenset(filter(None, (joined or "").split(",")))


def _forget(db: sqlite3.Connection) -> None:
    """Deleted rows out of the write-ahead log too: with secure_delete, a checkpoint zeroes
    their bytes in the database file and TRUNCATE empties the log, so a purged question is
    gone from disk, not only from queries (best effort while another process reads)."""
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class SqliteUnansweredStore:
    """The store in one SQLite file (WAL, so workers sharing the file take turns).

    sqlite3 blocks, so all work runs on one private thread; the event loop never waits on
    disk. `scrubber` is used when `record` is given none (see `Scrubber`).
    """

    def __init__(
        self, path: str | Path, *, keep_days: int, scrubber: Scrubber | None = None
    ) -> None:
        self.keep_days = _checked_keep_days(keep_days)
        self._scrubber = scrubber or Scrubber()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="unanswered-sqlite")
        self._closed = False
        try:
            self._db = self._pool.submit(self._open, str(path)).result()
        except (sqlite3.Error, OSError) as exc:
            self._pool.shutdown(wait=False)
            raise UnansweredError(f"cannot open the unanswered questions database: {exc}") from exc

    @staticmethod
    def _open(path: str) -> sqlite3.Connection:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA busy_timeout = 10000")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")  # a question lost in a power cut is no harm
        db.execute("PRAGMA secure_delete = ON")  # purged questions are overwritten, not left
        db.executescript(f"BEGIN IMMEDIATE;\n{_SQLITE_SCHEMA}\nCOMMIT;")
        return db

    async def _run(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        if self._closed:
            raise UnansweredError("the unanswered questions store is closed")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, work, self._db)
        except sqlite3.Error as exc:
            raise UnansweredError(f"unanswered questions database error: {exc}") from exc

    async def _write(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """`work` in one IMMEDIATE transaction: all of it is committed, or none."""

        def transaction(db: sqlite3.Connection) -> _T:
            db.execute("BEGIN IMMEDIATE")
            try:
                result = work(db)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            return result

        return await self._run(transaction)

    async def record(
        self,
        text: str,
        *,
        reason: Reason,
        intent: str | None,
        when: datetime,
        scrubber: Scrubber | None = None,
    ) -> str | None:
        row = _row(text, reason, intent, when, scrubber or self._scrubber)
        oldest = _micros(_aware(when, "when") - timedelta(days=self.keep_days))

        def work(db: sqlite3.Connection) -> int:
            deleted = db.execute(f"DELETE FROM {_TABLE} WHERE at < ?", (oldest,)).rowcount
            if row is not None:
                db.execute(
                    f"INSERT INTO {_TABLE} (at, text, key, reason, intent) VALUES (?, ?, ?, ?, ?)",
                    (_micros(row.at), row.text, row.key, row.reason, row.intent),
                )
            return deleted

        if await self._write(work):
            await self._run(_forget)
        return row.text if row else None

    async def groups(self, since: datetime, *, cutoff: float = GROUP_CUTOFF) -> list[Group]:
        start = _micros(_aware(since, "since"))

        def work(db: sqlite3.Connection) -> list[_Wording]:
            rows = db.execute(
                f"SELECT key, COUNT(*), MAX(at), GROUP_CONCAT(DISTINCT reason),"
                f" GROUP_CONCAT(DISTINCT intent),"
                f" (SELECT text FROM {_TABLE} AS latest WHERE latest.key = q.key AND latest.at >= ?"
                f"  ORDER BY latest.at DESC, latest.id DESC LIMIT 1)"
                f" FROM {_TABLE} AS q WHERE at >= ? GROUP BY key"
                f" ORDER BY COUNT(*) DESC, MAX(at) DESC LIMIT ?",
                (start, start, MAX_WORDINGS),
            ).fetchall()
            return [
                _Wording(key, count, _EPOCH + timedelta(microseconds=at), example,
                         _split(reasons), _split(intents))
                for key, count, at, reasons, intents, example in rows
            ]  # fmt: skip

        return _merge(await self._run(work), cutoff)

    async def purge(self, now: datetime) -> int:
        oldest = _micros(_aware(now, "now") - timedelta(days=self.keep_days))
        deleted: int = await self._write(
            lambda db: db.execute(f"DELETE FROM {_TABLE} WHERE at < ?", (oldest,)).rowcount
        )
        if deleted:
            await self._run(_forget)
        return deleted

    async def close(self) -> None:
        if self._closed:
            return
        try:
            await self._run(lambda db: db.close())
        finally:
            self._closed = True
            self._pool.shutdown(wait=True)


# --------------------------------------------------------------------------- PostgreSQL

_POSTGRES_SCHEMA = (
    f"""CREATE TABLE IF NOT EXISTS {_TABLE} (
        id BIGSERIAL PRIMARY KEY,
        at TIMESTAMPTZ NOT NULL,
        text TEXT NOT NULL,
        key TEXT NOT NULL,
        reason TEXT NOT NULL,
        intent TEXT NOT NULL
    )""",
    f"CREATE INDEX IF NOT EXISTS {_TABLE}_at ON {_TABLE} (at)",
    f"CREATE INDEX IF NOT EXISTS {_TABLE}_key ON {_TABLE} (key, at)",
)
_SCHEMA_LOCK = 0x311_0A_51  # pg_advisory_xact_lock key: one worker makes the table


class PostgresUnansweredStore:
    """The store in PostgreSQL, shared by every machine, through a psycopg 3 async pool.

    The pool opens (and the table is made) on first use, since a pool belongs to the event
    loop that opens it.
    """

    def __init__(
        self,
        url: str,
        *,
        keep_days: int,
        scrubber: Scrubber | None = None,
        max_size: int = 4,
        timeout: float = 10.0,
    ) -> None:
        self.keep_days = _checked_keep_days(keep_days)
        self._scrubber = scrubber or Scrubber()
        self._pool: AsyncConnectionPool = AsyncConnectionPool(
            url, min_size=1, max_size=max_size, open=False, timeout=timeout
        )
        self._timeout = timeout
        self._ready = False
        self._closed = False
        self._lock = asyncio.Lock()

    async def _open(self) -> None:
        if self._closed:
            raise UnansweredError("the unanswered questions store is closed")
        async with self._lock:
            if self._ready:
                return
            try:
                await self._pool.open(wait=True, timeout=self._timeout)
                async with self._pool.connection() as conn:
                    await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                    for statement in _POSTGRES_SCHEMA:
                        await conn.execute(statement.encode())
            except (psycopg.Error, PoolTimeout) as exc:
                raise UnansweredError(
                    f"unanswered questions database error ({type(exc).__name__})"
                ) from exc
            self._ready = True

    async def _execute(
        self, statements: Sequence[tuple[str, Sequence[object]]]
    ) -> tuple[list[tuple[Any, ...]], int]:
        """Run `statements` in one transaction: the last one's rows and row count."""
        await self._open()
        rows: list[tuple[Any, ...]] = []
        count = 0
        try:
            async with self._pool.connection() as conn:
                for sql, params in statements:
                    cursor = await conn.execute(sql.encode(), params)
                    rows = await cursor.fetchall() if cursor.description else []
                    count = cursor.rowcount
        except (psycopg.Error, PoolTimeout) as exc:
            raise UnansweredError(
                f"unanswered questions database error ({type(exc).__name__})"
            ) from exc
        return rows, count

    async def record(
        self,
        text: str,
        *,
        reason: Reason,
        intent: str | None,
        when: datetime,
        scrubber: Scrubber | None = None,
    ) -> str | None:
        row = _row(text, reason, intent, when, scrubber or self._scrubber)
        oldest = _aware(when, "when") - timedelta(days=self.keep_days)
        statements: list[tuple[str, Sequence[object]]] = [
            (f"DELETE FROM {_TABLE} WHERE at < %s", (oldest,))
        ]
        if row is not None:
            statements.append(
                (
                    f"INSERT INTO {_TABLE} (at, text, key, reason, intent)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    (row.at, row.text, row.key, row.reason, row.intent),
                )
            )
        await self._execute(statements)
        return row.text if row else None

    async def groups(self, since: datetime, *, cutoff: float = GROUP_CUTOFF) -> list[Group]:
        rows, _ = await self._execute(
            [
                (
                    f"SELECT key, count(*), max(at), string_agg(DISTINCT reason, ','),"
                    f" string_agg(DISTINCT intent, ','),"
                    f" (array_agg(text ORDER BY at DESC, id DESC))[1]"
                    f" FROM {_TABLE} WHERE at >= %s GROUP BY key"
                    f" ORDER BY count(*) DESC, max(at) DESC LIMIT %s",
                    (_aware(since, "since"), MAX_WORDINGS),
                )
            ]
        )
        wordings = [
            _Wording(key, int(count), at.astimezone(UTC), example, _split(reasons), _split(intents))
            for key, count, at, reasons, intents, example in rows
        ]
        return _merge(wordings, cutoff)

    async def purge(self, now: datetime) -> int:
        oldest = _aware(now, "now") - timedelta(days=self.keep_days)
        _, deleted = await self._execute([(f"DELETE FROM {_TABLE} WHERE at < %s", (oldest,))])
        return deleted

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._pool.close()
