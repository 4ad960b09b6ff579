"""`durham311 content`: check a content file, and export or import content from the store.

Staff who keep content in a spreadsheet, or bring in another city's waste guide, use
this; it opens the same store the service uses (the content_db file, or PostgreSQL when
database_url is set). An import becomes a new revision on top of the newest draft (or of
what is published), published only with --publish, so it can be reviewed in the editor
first. A bad file raises `KnowledgeBaseError` naming the row and field; `run` prints it as
one `error: ...` line and returns 2, and nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from knowledge_base.errors import ContentError, KnowledgeBaseError, StoreError
from knowledge_base.importers import (
    export_items_csv,
    export_streets_csv,
    export_yaml,
    import_items_csv,
    import_streets_csv,
    import_toronto_waste_wizard,
    import_yaml,
)
from knowledge_base.model import Content
from knowledge_base.store import SAMPLE_CONTENT, RevisionStore, load_document, open_content_store
from skill.errors import SkillError
from skill.settings import Settings

EXPORTS: Mapping[str, Callable[[Mapping[str, Any]], str]] = {
    "yaml": export_yaml,
    "csv-items": export_items_csv,
    "csv-streets": export_streets_csv,
}
IMPORTS: Mapping[str, Callable[[Mapping[str, Any], str], dict[str, Any]]] = {
    "yaml": lambda _base, text: import_yaml(text),
    "csv-items": import_items_csv,
    "csv-streets": import_streets_csv,
    "toronto-waste-wizard": import_toronto_waste_wizard,
}
DEFAULT_AUTHOR = "durham311 content import"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `content` command and its check / export / import subcommands."""
    content = commands.add_parser(
        "content",
        help="check, export and import content",
        description="Validate content files; export and import the content store's content "
        "(the content_db file, or PostgreSQL when database_url is set).",
    )
    actions = content.add_subparsers(dest="content_command", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="validate a content YAML file without importing it",
        description="Validate a content YAML file; prints the first problem.",
    )
    check.add_argument("file", type=Path)
    export = actions.add_parser(
        "export",
        help="write the published content (or the draft) as YAML or CSV",
        description="yaml: the whole content; csv-items: the waste guide; csv-streets: "
        "the street index (zone_id, street, from, to, side).",
    )
    export.add_argument("--format", choices=tuple(EXPORTS), default="yaml")
    export.add_argument("--out", type=Path, help="write to this file (default: print it)")
    export.add_argument("--draft", action="store_true", help="the newest draft instead")
    add = actions.add_parser(
        "import",
        help="save a file's content as a new revision (a draft unless --publish)",
        description="yaml replaces the whole content; csv-items and toronto-waste-wizard "
        "replace the waste guide; csv-streets replaces the street index. The file is "
        "checked first: a problem is named by row and field and nothing is saved.",
    )
    add.add_argument("file", type=Path)
    add.add_argument("--format", choices=tuple(IMPORTS), required=True)
    add.add_argument("--publish", action="store_true", help="publish it at once")
    add.add_argument("--author", default=DEFAULT_AUTHOR, help="who the history names")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one `content` subcommand; a bad file or store is one `error:` line and 2."""
    try:
        if args.content_command == "check":
            print(check(args.file))
        elif args.content_command == "export":
            text = export(args.format, settings, draft=args.draft)
            if args.out is None:
                sys.stdout.write(text)
            else:
                _write(args.out, text)
                print(f"wrote {args.format} to {args.out}")
        else:
            print(import_file(args.file, args.format, settings, author=args.author,
                              publish=args.publish))  # fmt: skip
    except (KnowledgeBaseError, SkillError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def check(path: Path) -> str:
    """What `content check` prints for a valid file; ContentError names the line and field."""
    content = Content.from_dict(_read_yaml(path))
    return (
        f"{path}: valid ({len(content.waste_items)} waste items, "
        f"{len(content.faq)} FAQ articles, {len(content.facilities)} facilities, "
        f"{len(content.collection_zones)} zones)"
    )


def export(kind: str, settings: Settings, *, draft: bool = False) -> str:
    """The published document (or the newest draft) in format `kind`."""
    store = _open(settings)
    try:
        if draft:
            newest = store.draft()
            if newest is None:
                raise StoreError("there is no draft newer than the published content")
            document = newest[1]
        else:
            live = store.published_id()
            if live is None:
                raise StoreError(
                    "the content store has nothing published yet: start the service once, "
                    "or import a YAML file with --publish"
                )
            document = store.document(live)
        return EXPORTS[kind](document)
    finally:
        store.close()


def import_file(path: Path, kind: str, settings: Settings, *, author: str, publish: bool) -> str:
    """Import `path` as a new revision; the line to print. The whole new document is
    validated before the store is written to."""
    text = _read(path)
    store = _open(settings)
    try:
        draft, base = _base_document(store)
        try:
            document = IMPORTS[kind](base, text)
        except ContentError as exc:
            raise ContentError(f"{path}: {exc}") from None
        if document == base:
            if publish and draft is not None:  # the draft already says it: publish that
                store.publish(draft, author=author)
                return f"{path}: the draft, revision {draft}, already says this; published it"
            return f"{path}: nothing to import; the content already says this"
        store.seed()  # a new store is given the sample first, as the service would
        revision = store.save(
            document, author=author, note=f"imported {path.name} ({kind})", publish=publish
        )
    finally:
        store.close()
    state = (
        "published" if publish else "a draft: publish it in the editor, or import with --publish"
    )
    return (
        f"{path}: saved as revision {revision}, {state} "
        f"({len(document['waste_items'])} waste items, {_street_count(document)} streets)"
    )


def _base_document(store: RevisionStore) -> tuple[int | None, dict[str, Any]]:
    """What an import changes: the newest draft (and its id), else what is published, else
    the sample (what the service publishes into a new store)."""
    draft = store.draft()
    if draft is not None:
        return draft
    live = store.published_id()
    if live is not None:
        return None, store.document(live)
    document = load_document(SAMPLE_CONTENT)
    if not isinstance(document, dict):
        raise ContentError(f"{SAMPLE_CONTENT}: not a content document")
    return None, document


def _street_count(document: Mapping[str, Any]) -> int:
    return sum(len(zone.get("streets") or ()) for zone in document["collection_zones"])


def _open(settings: Settings) -> RevisionStore:
    return open_content_store(database_url=settings.database_url, sqlite_path=settings.content_db)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{path}: cannot read: {exc}") from None


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        return import_yaml(_read(path))
    except ContentError as exc:
        if str(exc).startswith(f"{path}:"):
            raise
        raise ContentError(f"{path}: {exc}") from None


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise SkillError(f"cannot write {path}: {exc}") from None
