"""Content in and out: the whole document as YAML, waste items and the street index as CSV,
and another city's waste guide (the Toronto Waste Wizard's JSON).

Staff keep content in other tools too (a spreadsheet, a neighbouring city's guide), so the
store must take it in and give it back without a developer. Every import here returns a
whole new document that `Content.from_dict` has already accepted; a caller that saves only
what an import returns can never write half an import. Errors name what staff can find in
their own file: a YAML line and field, a CSV row and column, a Toronto entry and its field.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from types import MappingProxyType
from typing import Any

import yaml

from knowledge_base.errors import ContentError
from knowledge_base.model import MAX_SPOKEN_WORDS, Content

ITEM_COLUMNS = ("id", "name", "synonyms", "disposal", "tip")
STREET_COLUMNS = ("zone_id", "street", "from", "to", "side")
_SYNONYM_SEPARATORS = re.compile(r"[;|]")
# libyaml's C loader and dumper when PyYAML has them: the same documents, ten times faster.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# --------------------------------------------------------------------------------- YAML


def export_yaml(document: Mapping[str, Any]) -> str:
    """The whole document as YAML that `import_yaml` reads back to an equal document.

    Dates stay dates and text that looks like a date or a number stays quoted text, so a
    round trip changes nothing; only comments of a hand-written file are not kept.
    """
    return yaml.dump(
        dict(document),
        Dumper=_DUMPER,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )


def import_yaml(text: str) -> dict[str, Any]:
    """A whole content document from YAML, validated; errors give the line and field path."""
    try:
        document = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cannot be read"
        raise ContentError(f"{where}not valid YAML: {problem}") from None
    if not isinstance(document, dict):
        raise ContentError("line 1: expected a content document (a YAML mapping)")
    try:
        Content.from_dict(document)
    except ContentError as exc:
        line = _yaml_line(text, str(exc).split(":", 1)[0])
        raise ContentError(f"line {line}: {exc}" if line else str(exc)) from None
    return document


def _yaml_line(text: str, path: str) -> int | None:
    """The line of the YAML file where `path` ("content.waste_items[3].disposal") is, or the
    nearest enclosing field that is there, so staff can go straight to it."""
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError:
        return None
    line = None if node is None else node.start_mark.line + 1
    for step in re.findall(r"\.([^.\[\]]+)|\[(\d+)\]", path.removeprefix("content")):
        key, index = step
        if isinstance(node, yaml.MappingNode) and key:
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and index and int(index) < len(node.value):
            node = node.value[int(index)]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


# ---------------------------------------------------------------------------------- CSV


@dataclass(frozen=True, slots=True)
class _Row:
    number: int  # as a spreadsheet numbers it: the header is row 1
    cells: dict[str, str]


def export_items_csv(document: Mapping[str, Any]) -> str:
    """Waste items as CSV: id, name, synonyms (joined by "; "), disposal, tip."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ITEM_COLUMNS)
    for i, item in enumerate(document["waste_items"]):
        synonyms = [str(s) for s in item.get("synonyms") or ()]
        for synonym in synonyms:
            if _SYNONYM_SEPARATORS.search(synonym):
                raise ContentError(
                    f"content.waste_items[{i}].synonyms: {synonym!r} holds ; or |, which "
                    "separate synonyms in CSV; rename it before exporting"
                )
        writer.writerow(
            [item["id"], item["name"], "; ".join(synonyms), item["disposal"], item.get("tip") or ""]
        )
    return out.getvalue()


def import_items_csv(document: Mapping[str, Any], text: str) -> dict[str, Any]:
    """`document` with its waste items replaced by the CSV's, the whole validated.

    Synonyms are separated by ";" or "|"; an empty tip means none. Blank rows are skipped.
    """
    rows = _read_csv(text, required=ITEM_COLUMNS[:4], optional=ITEM_COLUMNS[4:])
    _refuse_repeats(rows, "id")
    items = []
    for row in rows:
        item: dict[str, Any] = {
            "id": row.cells["id"],
            "name": row.cells["name"],
            "synonyms": [s.strip() for s in _SYNONYM_SEPARATORS.split(row.cells["synonyms"])
                         if s.strip()],
            "disposal": row.cells["disposal"],
        }  # fmt: skip
        if row.cells.get("tip"):
            item["tip"] = row.cells["tip"]
        items.append(item)
    imported = {**document, "waste_items": items}
    _validate(imported, _item_location(rows))
    return imported


def export_streets_csv(document: Mapping[str, Any]) -> str:
    """The street index as CSV: one row for each street entry of each zone, zones in order;
    from, to and side are empty for a whole street."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STREET_COLUMNS)
    for zone in document["collection_zones"]:
        for street in zone.get("streets") or ():
            if isinstance(street, Mapping):
                part = [street.get(c) for c in STREET_COLUMNS[1:]]
                writer.writerow([zone["id"], *("" if v is None else v for v in part)])
            else:
                writer.writerow([zone["id"], street, "", "", ""])
    return out.getvalue()


def import_streets_csv(document: Mapping[str, Any], text: str) -> dict[str, Any]:
    """`document` with every zone's streets replaced by the CSV's rows, the whole validated.

    The file is the whole index: a zone with no row is left with no streets. A row with
    from and to is that part of the street (side odd, even or, when empty, all); a row
    without them is the whole street.
    """
    zones = list(document["collection_zones"])
    known = {str(z["id"]): i for i, z in enumerate(zones)}
    rows = _read_csv(text, required=STREET_COLUMNS[:2], optional=STREET_COLUMNS[2:])
    streets: list[list[Any]] = [[] for _ in zones]
    where: dict[tuple[int, int], _Row] = {}
    for row in rows:
        zone = known.get(row.cells["zone_id"])
        if zone is None:
            raise ContentError(
                f"row {row.number}, column zone_id: no collection zone {row.cells['zone_id']!r}"
                f" (zones: {', '.join(known)})"
            )
        where[(zone, len(streets[zone]))] = row
        streets[zone].append(_street_entry(row))
    imported = {
        **document,
        "collection_zones": [{**z, "streets": s} for z, s in zip(zones, streets, strict=True)],
    }
    _validate(imported, _street_location(where))
    return imported


def _street_entry(row: _Row) -> Any:
    """A street as content writes it: its name, or a mapping for part of it."""
    part = {k: _number_or_text(row.cells.get(k, "")) for k in STREET_COLUMNS[2:]}
    part = {k: v for k, v in part.items() if v != ""}
    return {"street": row.cells["street"], **part} if part else row.cells["street"]


def _number_or_text(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def _read_csv(text: str, *, required: Sequence[str], optional: Sequence[str]) -> list[_Row]:
    """Rows of a CSV with a header row, cells stripped, blank rows skipped, numbered as in a
    spreadsheet; the header must name every required column and nothing unknown."""
    try:
        table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    except csv.Error as exc:
        raise ContentError(f"not valid CSV: {exc}") from None
    if not table or not any(c.strip() for c in table[0]):
        raise ContentError(f"row 1: expected a header row naming {', '.join(required)}")
    header = [c.strip().lower() for c in table[0]]
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in (*required, *optional)]
    if missing or unknown:
        problems = [f"missing column(s) {', '.join(missing)}"] if missing else []
        problems += [f"unknown column(s) {', '.join(unknown)}"] if unknown else []
        raise ContentError(f"row 1: {'; '.join(problems)}")
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            raise ContentError(f"row {number}: {len(cells)} cells, but the header has "
                               f"{len(header)} columns")  # fmt: skip
        values = {name: (cells[i].strip() if i < len(cells) else "")
                  for i, name in enumerate(header)}  # fmt: skip
        rows.append(_Row(number, values))
    return rows


def _refuse_repeats(rows: list[_Row], column: str) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        value = row.cells[column]
        if value and value in seen:
            raise ContentError(
                f"row {row.number}, column {column}: {value!r} is already used in row {seen[value]}"
            )
        seen[value] = row.number


_Locate = Callable[[str], str | None]


def _validate(document: dict[str, Any], locate: _Locate) -> None:
    """Validate the whole document; a problem is told where the import's source has it."""
    try:
        Content.from_dict(document)
    except ContentError as exc:
        path, _, problem = str(exc).partition(": ")
        where = locate(path)
        if where is None:
            raise
        problem = _CONTENT_PATH.sub(lambda m: locate(m[0]) or m[0], problem)
        raise ContentError(f"{where}: {problem}") from None


_CONTENT_PATH = re.compile(r"content(?:\.\w+|\[\d+\])+")


def _item_location(rows: Sequence[_Row]) -> _Locate:
    pattern = re.compile(r"content\.waste_items\[(\d+)\](?:\.(\w+))?")

    def locate(path: str) -> str | None:
        match = pattern.match(path)
        if match is None or int(match[1]) >= len(rows):
            return None
        column = f", column {match[2]}" if match[2] else ""
        return f"row {rows[int(match[1])].number}{column}"

    return locate


def _street_location(where: Mapping[tuple[int, int], _Row]) -> _Locate:
    pattern = re.compile(r"content\.collection_zones\[(\d+)\]\.streets\[(\d+)\](?:\.(\w+))?")

    def locate(path: str) -> str | None:
        match = pattern.match(path)
        row = where.get((int(match[1]), int(match[2]))) if match else None
        if match is None or row is None:
            return None
        return f"row {row.number}, column {match[3] or 'street'}"

    return locate


# ------------------------------------------------------------------ Toronto Waste Wizard

# Toronto's categories, onto the disposal methods of the sample content. Metal items go out
# at the curb in Toronto, so they are a bulky item pickup here; a Christmas tree is yard waste.
TORONTO_CATEGORIES: Mapping[str, str] = MappingProxyType(
    {
        "Blue Bin": "blue_box",
        "Green Bin": "green_bin",
        "Garbage": "garbage",
        "Yard Waste": "yard_waste",
        "Christmas Tree": "yard_waste",
        "Oversize": "bulky_items",
        "Metal Items": "bulky_items",
        "HHW": "household_hazardous_waste",
        "Electronic Waste": "electronics",
        "Depot": "depot",
        "Not Accepted": "not_accepted",
    }
)
# Added when the document has no such method: Toronto's "Not Accepted" has no bin at all.
ADDED_METHODS: Mapping[str, str] = MappingProxyType(
    {"not_accepted": "{item} isn't collected at the curb or taken at a waste facility."}
)
_TORONTO_FIELDS = ("title", "keywords", "body", "category")
_ITEM_TO_TORONTO = {"id": "title", "name": "title", "synonyms": "keywords",
                    "disposal": "category", "tip": "body"}  # fmt: skip


def import_toronto_waste_wizard(
    document: Mapping[str, Any],
    text: str,
    *,
    categories: Mapping[str, str] = TORONTO_CATEGORIES,
) -> dict[str, Any]:
    """`document` with its waste items replaced by a Toronto Waste Wizard guide's entries.

    Each entry becomes one item: its name from the title, its synonyms from the keywords,
    its disposal from the category (through `categories`), its tip the body made into
    short speakable text (`speakable`) that fits one answer with the disposal sentence.
    A disposal method of `ADDED_METHODS` the document lacks ("not_accepted") is added.
    A name or keyword answers for one item only, as the editor requires (`_one_owner`).
    """
    entries = _toronto_entries(text)
    methods = dict(document["disposal_methods"])
    for method in {categories.get(_plain(e["category"]), "") for e in entries} - {""}:
        if method not in methods and method in ADDED_METHODS:
            methods[method] = ADDED_METHODS[method]
    items, sources = _toronto_items(entries, methods, categories)
    imported = {**document, "disposal_methods": methods, "waste_items": items}
    _validate(imported, _toronto_location(entries, sources))
    return imported


def _toronto_entries(text: str) -> list[dict[str, str]]:
    try:
        entries = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContentError(f"line {exc.lineno}: not valid JSON: {exc.msg}") from None
    if not isinstance(entries, list) or not entries:
        raise ContentError("expected a JSON list of Waste Wizard entries")
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ContentError(
                f"entry {number}: expected an object with {', '.join(_TORONTO_FIELDS)}"
            )
        for field in _TORONTO_FIELDS:
            if not isinstance(entry.get(field), str):
                raise ContentError(f"{_entry_name(number, entry)}, field {field}: expected text")
        if not _plain(entry["title"]):
            raise ContentError(f"entry {number}, field title: expected non-empty text")
    return entries


def _entry_name(number: int, entry: Mapping[str, Any]) -> str:
    title = entry.get("title")
    return f"entry {number} ({_plain(title)!r})" if isinstance(title, str) else f"entry {number}"


def _toronto_items(
    entries: list[dict[str, str]], methods: Mapping[str, str], categories: Mapping[str, str]
) -> tuple[list[dict[str, Any]], list[int]]:
    """Items, and for each the number of the entry it came from. Entries that share a name
    and a disposal ("HHW (paint) 1" and "HHW (paint) 2", one long list split in two) are
    one item with the keywords of both, so no two items answer to the same name."""
    items: list[dict[str, Any]] = []
    sources: list[int] = []
    by_name: dict[tuple[str, str], dict[str, Any]] = {}
    ids: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        disposal = _toronto_disposal(number, entry, methods, categories)
        keywords = toronto_keywords(entry["keywords"])
        name = toronto_name(entry["title"], keywords, entry["category"])
        same = by_name.get((name.lower(), disposal))
        if same is not None:
            same["synonyms"] += [k for k in keywords if k not in same["synonyms"]]
            continue
        item: dict[str, Any] = {
            "id": _unique(_slug(entry["title"]) or f"item-{number}", ids),
            "name": name,
            "synonyms": keywords,
            "disposal": disposal,
        }
        budget = MAX_SPOKEN_WORDS - len(methods[disposal].replace("{item}", name).split())
        tip = speakable(entry["body"], max_words=max(budget, MAX_SPOKEN_WORDS // 3), omit=_OMITTED)
        if tip:
            item["tip"] = tip
        by_name[(name.lower(), disposal)] = item
        items.append(item)
        sources.append(number)
    _one_owner(items)
    return items, sources


def _one_owner(items: list[dict[str, Any]]) -> None:
    """Each name or keyword left with one item, so a resident's words have one answer:
    an item keeps its own name, and a keyword two entries share stays with the first,
    the one a lookup finds anyway."""
    named = {item["name"].lower(): n for n, item in enumerate(items)}
    owner: dict[str, int] = {}
    for n, item in enumerate(items):
        item["synonyms"] = [
            k for k in item["synonyms"] if named.get(k, n) == n and owner.setdefault(k, n) == n
        ]


def _toronto_disposal(
    number: int, entry: Mapping[str, str], methods: Mapping[str, str], categories: Mapping[str, str]
) -> str:
    category = _plain(entry["category"])
    disposal = categories.get(category)
    if disposal is None:
        problem = f"unknown category {category!r} (known: {', '.join(categories)})"
    elif disposal not in methods:
        problem = (f"category {category!r} maps to disposal method {disposal!r}, which the "
                   "content does not have")  # fmt: skip
    else:
        return disposal
    raise ContentError(f"{_entry_name(number, entry)}, field category: {problem}")


def _toronto_location(entries: list[dict[str, str]], sources: list[int]) -> _Locate:
    pattern = re.compile(r"content\.waste_items\[(\d+)\](?:\.(\w+))?")

    def locate(path: str) -> str | None:
        match = pattern.match(path)
        if match is None or int(match[1]) >= len(sources):
            return None
        number = sources[int(match[1])]
        field = _ITEM_TO_TORONTO.get(match[2] or "", "title")
        return f"{_entry_name(number, entries[number - 1])}, field {field}"

    return locate


def toronto_keywords(keywords: str) -> list[str]:
    """Comma-separated keywords as synonyms: plain text, lower case, trimmed, each once."""
    seen: dict[str, None] = {}
    for keyword in _plain(keywords).split(","):
        keyword = " ".join(keyword.split()).lower()
        if keyword:
            seen.setdefault(keyword, None)
    return list(seen)


def toronto_name(title: str, keywords: Sequence[str] = (), category: str = "") -> str:
    """An item's spoken name from an entry's title: "Blue Bin (metal lid)" is "metal lid".

    Titles are the category, then what the entry covers in brackets, then sometimes a
    number that tells two halves of a long entry apart; what it covers is what a resident
    hears ("Put metal lid in your blue box."). Instructions and filler in the brackets
    ("can be donated", "miscellaneous", "pet-related") name nothing, so an entry with
    nothing else, or titled only by its category ("Yard Waste 2"), is named by its first
    keyword.
    """
    plain = _plain(title)
    inside = [p for p in re.findall(r"\(([^()]*)\)", plain) if p.strip()]
    parts = re.split(r"\s+-\s+|,", " ".join(inside) if inside else plain)
    things = [_spoken_symbols(_expand(re.sub(r"\s+\d+$", "", p.strip()))) for p in parts]
    things = [t for t in things if t and not _NAMES_NOTHING.match(t)]
    if not things or (not inside and _join_list(things).lower() == _plain(category).lower()):
        things = [_keyword_name(keywords[0])] if keywords else things or [plain]
    return _lower_common(_join_list(things))


_NAMES_NOTHING = re.compile(
    r"^(?:can be donated|donate\b.*|or\b.*|consider\b.*|contact\b.*|remove\b.*|take apart|"
    r"drain\b.*|not recyclable.*|private sector|miscellaneous|other|indoor|outdoor|"
    r"(?:not )?orange drop items|.*guidelines|[\w ]*-related|[\w ]* or [\w ]*-related|\d*)$",
    re.IGNORECASE,
)
_PROPER = frozenset({"Christmas", "Asian", "Halloween", "Canada", "Ontario", "Toronto"})


def _keyword_name(keyword: str) -> str:
    """A keyword as a name: "fireworks (unused)" is "unused fireworks"."""
    match = re.fullmatch(r"(.+?)\s*\((\w+)\)", keyword.strip())
    return f"{match[2]} {match[1]}" if match else _PARENTHESES.sub("", keyword).strip()


def _join_list(things: list[str]) -> str:
    return things[0] if len(things) == 1 else ", ".join(things[:-1]) + " and " + things[-1]


def _lower_common(name: str) -> str:
    """Title Case words lowered ("Small Dead Animal"), names and acronyms kept."""
    return re.sub(r"\b[A-Z][a-z]+\b", lambda m: m[0] if m[0] in _PROPER else m[0].lower(), name)


def _slug(title: str) -> str:
    folded = unicodedata.normalize("NFKD", _plain(title)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:60].strip("-")


def _unique(candidate: str, taken: set[str]) -> str:
    unique, n = candidate, 2
    while unique in taken:
        unique, n = f"{candidate}-{n}", n + 1
    taken.add(unique)
    return unique


def _plain(text: str) -> str:
    """Text with any markup removed and entities decoded (once more if escaped twice)."""
    return " ".join(_HtmlText.read(text).split())


# Sentences a spoken tip leaves out: the disposal sentence already says where the item
# goes, and a pointer to a page that is no longer linked helps no listener.
_OMITTED = re.compile(
    r"^(?:please )?(?:place|put) (?:this |these |the )?(?:empty )?items? in(?:to)? (?:the|your) "
    r"(?:garbage|blue|green) bin\.?$|^(?:for more information|please see|please visit|visit|"
    r"see|click)\b",
    re.IGNORECASE,
)


# --------------------------------------------------------------- HTML to speakable text

_SKIPPED = frozenset({"style", "script", "xml", "object", "head", "title", "template", "noscript"})
_VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "wbr", "col", "area", "source"})
_BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "br", "tr", "table", "h1", "h2", "h3", "h4",
                     "h5", "h6", "blockquote", "section", "article", "dd", "dt"})  # fmt: skip


@dataclass(slots=True)
class _Node:
    tag: str
    children: list[_Node | str]


class _HtmlText(HTMLParser):
    """A page as a small tree, without comments, styles, scripts or Office's XML islands."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root", [])
        self.stack = [self.root]

    @classmethod
    def tree(cls, markup: str) -> _Node:
        if "&lt;" in markup and "<" not in markup:  # markup escaped once more than usual
            markup = html.unescape(markup)
        parser = cls()
        parser.feed(markup)
        parser.close()
        return parser.root

    @classmethod
    def read(cls, markup: str) -> str:
        return _inline(cls.tree(markup))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, [])
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(_Node(tag, []))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _skipped(node: _Node) -> bool:
    return node.tag in _SKIPPED or ":" in node.tag  # o:p, w:WordDocument: Office's islands


def _inline(node: _Node) -> str:
    """The node's text, block children included, as one run of words."""
    parts = []
    for child in node.children:
        if isinstance(child, str):
            parts.append(child.replace("\xa0", " "))
        elif not _skipped(child):
            parts.append(f" {_inline(child)} " if child.tag in _BLOCKS else _inline(child))
    return "".join(parts)


def _sentences(node: _Node) -> list[str]:
    """The node's text as sentences: each paragraph and list item one, a list introduced by
    a colon ("and:") joined into the sentence that introduces it."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        text = " ".join("".join(run).split())
        if text:
            out.append(text)
        run.clear()

    for child in node.children:
        if isinstance(child, str):
            run.append(child.replace("\xa0", " "))
        elif _skipped(child):
            continue
        elif child.tag in ("ul", "ol") and "".join(run).rstrip().endswith(":"):
            choices = [s.rstrip(".;, ") for s in _sentences(child)]
            run[:] = ["".join(run).rstrip().rstrip(":") + " " + _join_choices(choices)]
        elif child.tag in _BLOCKS:
            flush()
            out.extend(_sentences(child))
        else:
            run.append(_inline(child))
    flush()
    return out


def _join_choices(choices: list[str]) -> str:
    choices = [c[:1].lower() + c[1:] for c in choices if c]
    if len(choices) <= 1:
        return "".join(choices)
    return ", ".join(choices[:-1]) + ", or " + choices[-1]


_URL = re.compile(r"\b(?:https?://|www\.)\S+|\b\S+@\S+\.\w+|\b[\w.-]+\.(?:ca|com|org|net)/\S*",
                  re.IGNORECASE)  # fmt: skip
_PARENTHESES = re.compile(r"\s*\([^()]*\)")
_UNITS = {
    "kgs": "kilograms", "kg": "kilograms", "lbs": "pounds", "lb": "pounds", "cm": "centimetres",
    "mm": "millimetres", "km": "kilometres", "m": "metres", "ft": "feet", "l": "litres",
    "ml": "millilitres",
}  # fmt: skip
_ABBREVIATIONS = (
    (r"\bE-?Days\b", "Community Environment Days"),
    (r"\bHHW\b", "household hazardous waste"),
    (r"\bBBQs?\b", "barbecue"),
    (r"\bAV\b", "audio and video equipment"),
    (r"\bCD\b", "compact disc"),
    (r"\bCDs\b", "compact discs"),
    (r"\bVCRs?\b", "video cassette recorder"),
    (r"\bPCs?\b", "computer"),
    (r"\bCFIA\b", "Canadian Food Inspection Agency"),
    (r"\bALHB\b", "Asian longhorned beetle"),
    (r"\bCFLs?\b", "compact fluorescent bulbs"),
    (r"\bHwy\.?", "Highway"),
    (r"\bRd\.", "Road"),
    (r"\bSt\.(?= [A-Z0-9])", "Street"),
    (r"\bAve\.", "Avenue"),
    (r"\bBlvd\.", "Boulevard"),
    (r"\bapprox\.", "approximately"),
    (r"\be\.g\.?,?", "for example,"),
    (r"\bi\.e\.?,?", "that is,"),
    (r",? etc\.?", " and so on"),
    (r"\bNo\.(?= ?\d)", "number"),
    (r"\band/or\b", "or"),
)
_KEPT_CAPITALS = frozenset({"TV", "TVs", "DVD", "DVDs", "LED", "LEDs", "USB"})


def speakable(
    markup: str, *, max_words: int = MAX_SPOKEN_WORDS, omit: re.Pattern[str] | None = None
) -> str:
    """Short text a speaker reads well, from a web page's HTML.

    Markup, comments and styles go; entities are decoded; each paragraph and list item is
    a sentence; links keep their words but lose their addresses; asides in brackets,
    URLs and symbols go; abbreviations and units are spelled out; shouted words are
    lowered. Sentences `omit` matches are left out. The result is cut after the last
    whole sentence within `max_words` words.
    """
    sentences = []
    for sentence in _sentences(_HtmlText.tree(markup)):
        sentence = _spoken_symbols(_expand(_URL.sub("", sentence)))
        sentence = " ".join(sentence.replace('"', "").split()).strip(" ,;:-")
        if re.search(r"[A-Za-z]", sentence):
            sentence = sentence[0].upper() + sentence[1:]
            sentences.append(sentence if sentence[-1] in ".!?" else sentence + ".")
    kept = [s for s in _split_sentences(" ".join(sentences)) if not (omit and omit.search(s))]
    return _cut(kept, max_words)


def _expand(text: str) -> str:
    text = _PARENTHESES.sub("", _PARENTHESES.sub("", text))  # nested once at most
    text = re.sub(r"\.(?=[A-Z][a-z])", ". ", text)  # "futon.For": a lost space
    for pattern, words in _ABBREVIATIONS:
        text = re.sub(pattern, words, text)
    text = re.sub(r"(?<![\d.])\.(\d)", r"0.\1", text)  # ".6 m" is "0.6 metres"
    text = re.sub(
        r"(\d)\s*(kgs|kg|lbs|lb|cm|mm|km|m|ft|l|ml)\b",
        lambda m: f"{m[1]} {_UNITS[m[2].lower()]}",
        text,
        flags=re.IGNORECASE,
    )
    text = re.sub(r"\$(\d[\d,]*)", r"\1 dollars", text)
    text = re.sub(r"(\d)\s*%", r"\1 percent", text)
    return re.sub(
        r"\b[A-Z]{2,}s?\b", lambda m: m[0] if m[0] in _KEPT_CAPITALS else m[0].lower(), text
    )


_FRACTIONS = {"1/2": "a half", "1/3": "a third", "1/4": "a quarter", "3/4": "three quarters",
              "5/8": "five eighths"}  # fmt: skip


def _spoken_symbols(text: str) -> str:
    text = text.replace("&", " and ").replace("+", " plus ").replace("#", " number ")
    text = re.sub(r"\b(\d+)/(\d+)\b", lambda m: _FRACTIONS.get(m[0], f"{m[1]} over {m[2]}"), text)
    text = re.sub(r"\s*/\s*", " or ", text)
    text = re.sub(r"\s+-\s+", ", ", text)
    text = re.sub(r"[*_~^<>{}\[\]|\\=@]", " ", text)
    return " ".join(text.split())


def _split_sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9])", text) if s]


def _cut(sentences: list[str], max_words: int) -> str:
    """Whole sentences within `max_words`; a first sentence too long alone is cut at its
    last clause (comma) that fits, or at the word limit, and ended with a full stop."""
    kept: list[str] = []
    count = 0
    for sentence in sentences:
        count += len(sentence.split())
        if count > max_words:
            break
        kept.append(sentence)
    if kept or not sentences:
        return " ".join(kept)
    clause = " ".join(sentences[0].split()[:max_words])
    if "," in clause:
        clause = clause[: clause.rindex(",")]
    return clause.rstrip(" ,;:-") + "."
