"""Import and export: YAML round trips, CSV waste items and streets, the Toronto Waste
Wizard format, HTML made speakable, and `durham311 content export|import` on a real store."""

from __future__ import annotations

import argparse
import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from knowledge_base import Content, ContentError
from knowledge_base.importers import (
    export_items_csv,
    export_streets_csv,
    export_yaml,
    import_items_csv,
    import_streets_csv,
    import_toronto_waste_wizard,
    import_yaml,
    speakable,
    toronto_keywords,
    toronto_name,
)
from knowledge_base.store import SAMPLE_CONTENT, RevisionStore, load_document, open_content_store
from skill import content_cli
from skill.settings import Settings
from tests.conftest import fresh_database


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    loaded = load_document(SAMPLE_CONTENT)
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture
def document(sample: dict[str, Any]) -> dict[str, Any]:
    """The sample content document, the test's own copy."""
    return copy.deepcopy(sample)


# -- YAML ------------------------------------------------------------------------------------


def test_yaml_round_trip_is_lossless(document: dict[str, Any]) -> None:
    again = import_yaml(export_yaml(document))
    assert again == document
    assert Content.from_dict(again) == Content.from_dict(document)


def test_yaml_round_trip_of_a_stored_document_keeps_dates_as_text(
    document: dict[str, Any], tmp_path: Path
) -> None:
    store = open_content_store(database_url=None, sqlite_path=tmp_path / "c.sqlite3")
    try:
        revision = store.save(document, author="t", note="n", publish=True)
        stored = store.document(revision)
    finally:
        store.close()
    assert isinstance(stored["collection_zones"][0]["garbage_anchor"], str)
    assert import_yaml(export_yaml(stored)) == stored


def test_yaml_errors_name_the_line_and_the_field(document: dict[str, Any]) -> None:
    text = export_yaml(document).replace("disposal: blue_box", "disposal: the moon", 1)
    with pytest.raises(ContentError) as caught:
        import_yaml(text)
    message = str(caught.value)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "disposal: the moon" in t)
    assert message.startswith(f"line {line}: content.waste_items[0].disposal:"), message
    with pytest.raises(ContentError, match=r"^line 2: not valid YAML"):
        import_yaml("schema_version: 1\n\torganisation: x\n")
    with pytest.raises(ContentError, match="expected a content document"):
        import_yaml("- just a list\n")


# -- CSV: waste items ------------------------------------------------------------------------


def test_items_csv_round_trip_is_lossless(document: dict[str, Any]) -> None:
    text = export_items_csv(document)
    assert text.splitlines()[0] == "id,name,synonyms,disposal,tip"
    again = import_items_csv(document, text)
    assert again == document
    assert Content.from_dict(again) == Content.from_dict(document)


def test_items_csv_takes_a_spreadsheets_file(document: dict[str, Any]) -> None:
    text = (
        "\ufeffID,Name,Synonyms,Disposal,Tip\n"
        "pizza-box,pizza boxes,pizza box | Pizza Boxes ;greasy pizza box,green_bin,\n"
        ",,,,\n"
        'cans,metal cans,"tin can; soup can",blue_box,"Rinse them, please."\n'
    )
    imported = import_items_csv(document, text)
    assert imported["waste_items"] == [
        {"id": "pizza-box", "name": "pizza boxes", "disposal": "green_bin",
         "synonyms": ["pizza box", "Pizza Boxes", "greasy pizza box"]},
        {"id": "cans", "name": "metal cans", "synonyms": ["tin can", "soup can"],
         "disposal": "blue_box", "tip": "Rinse them, please."},
    ]  # fmt: skip
    assert {k: v for k, v in imported.items() if k != "waste_items"} == {
        k: v for k, v in document.items() if k != "waste_items"
    }


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("a,A,a,blue_box,\nb,B,b,the moon,\n", "row 3, column disposal: 'the moon' is not one of"),
        ("a,A,a,blue_box,\nb,B,b,garbage,\na,C,c,garbage,\n",
         "row 4, column id: 'a' is already used in row 2"),
        ("a,,a,blue_box,\n", "row 2, column name: expected non-empty text"),
        ("a,A,a,blue_box,tip,extra\n", "row 2: 6 cells, but the header has 5 columns"),
    ],
)  # fmt: skip
def test_items_csv_errors_name_the_row_and_column(
    document: dict[str, Any], rows: str, message: str
) -> None:
    with pytest.raises(ContentError) as caught:
        import_items_csv(document, "id,name,synonyms,disposal,tip\n" + rows)
    assert str(caught.value).startswith(message), caught.value


def test_items_csv_header_must_name_the_columns(document: dict[str, Any]) -> None:
    with pytest.raises(ContentError, match=r"^row 1: missing column\(s\) disposal; unknown"):
        import_items_csv(document, "id,name,synonyms,stream\na,A,a,blue_box\n")
    with pytest.raises(ContentError, match=r"^row 1: expected a header row"):
        import_items_csv(document, "")


def test_items_csv_export_refuses_a_synonym_it_cannot_write(document: dict[str, Any]) -> None:
    broken = copy.deepcopy(document)
    broken["waste_items"][2]["synonyms"].append("this; that")
    with pytest.raises(ContentError, match=r"content\.waste_items\[2\]\.synonyms"):
        export_items_csv(broken)


# -- CSV: street index -----------------------------------------------------------------------


def with_split_street(document: dict[str, Any]) -> dict[str, Any]:
    """The sample with king street east in two Oshawa zones, by house number and side."""
    split = copy.deepcopy(document)
    oshawa = [z for z in split["collection_zones"] if z["municipality"] == "oshawa"][:2]
    for zone in oshawa:
        zone["streets"] = [s for s in zone["streets"] if s != "king street east"]
    oshawa[0]["streets"].append({"street": "king street east", "from": 1, "to": 499})
    oshawa[1]["streets"].append(
        {"street": "king street east", "from": 501, "to": 2001, "side": "odd"}
    )
    Content.from_dict(split)
    return split


def test_streets_csv_round_trip_is_lossless(document: dict[str, Any]) -> None:
    split = with_split_street(document)
    text = export_streets_csv(split)
    assert text.splitlines()[0] == "zone_id,street,from,to,side"
    assert ",king street east,501,2001,odd" in text
    assert import_streets_csv(split, text) == split
    assert import_streets_csv(document, export_streets_csv(document)) == document


def test_streets_csv_replaces_the_whole_index(document: dict[str, Any]) -> None:
    first, second = document["collection_zones"][:2]
    text = (
        "zone_id,street\n"
        f"{second['id']},Elm Street\n"
        f"{first['id']},oak avenue\n"
        f"{second['id']},pine crescent\n"
    )
    zones = import_streets_csv(document, text)["collection_zones"]
    assert zones[0]["streets"] == ["oak avenue"]
    assert zones[1]["streets"] == ["Elm Street", "pine crescent"]
    assert all(z["streets"] == [] for z in zones[2:])


def test_streets_csv_errors_name_the_row_and_column(document: dict[str, Any]) -> None:
    zone = document["collection_zones"][0]["id"]
    other = document["collection_zones"][1]
    same_town = next(
        z["id"] for z in document["collection_zones"][1:]
        if z["municipality"] == document["collection_zones"][0]["municipality"]
    )  # fmt: skip
    header = "zone_id,street,from,to,side\n"
    cases = [
        (f"{zone},a street,,,\nnowhere,b street,,,\n", "row 3, column zone_id: no collection"),
        (f"{zone},a street,ten,20,\n", "row 2, column from: expected a house number"),
        (f"{zone},a street,1,20,sideways\n", "row 2, column side: 'sideways' is not one of"),
        (f"{zone},a street,,,\n{other['id']},b street,,,\n{same_town},a street,5,9,\n",
         "row 4, column street: zone"),
    ]  # fmt: skip
    for rows, message in cases:
        with pytest.raises(ContentError) as caught:
            import_streets_csv(document, header + rows)
        assert str(caught.value).startswith(message), caught.value
    with pytest.raises(ContentError) as caught:
        import_streets_csv(document, f"{header}{zone},a street,,,\n{same_town},a street,5,9,\n")
    assert "at row 2, column street" in str(caught.value)  # the other claim, by row too


# -- Toronto Waste Wizard --------------------------------------------------------------------


def entry(**fields: str) -> dict[str, str]:
    return {"title": "Blue Bin (metal lid)", "keywords": "metal lids, jar lids",
            "body": "&lt;p&gt;Rinse it.&lt;/p&gt;", "category": "Blue Bin", **fields}  # fmt: skip


def test_toronto_entries_become_items(document: dict[str, Any]) -> None:
    entries = [
        entry(),
        entry(title="HHW (paint) 1", keywords="Paint, latex paint", category="HHW",
              body="<ul><li>Put it in a sealed can&nbsp;and:<ul><li>Take it to a depot</li>"
                   "<li>Return it to the store</li></ul></li></ul>"),
        entry(title="HHW (paint) 2", keywords="oil paint, PAINT", category="HHW", body="x"),
        entry(title="Not Accepted (Private Sector - miscellaneous)", keywords="Bricks, sod",
              category="Not Accepted", body="Call a private company."),
    ]  # fmt: skip
    imported = import_toronto_waste_wizard(document, json.dumps(entries))
    items = imported["waste_items"]
    assert [i["name"] for i in items] == ["metal lid", "paint", "bricks"]
    assert items[0] == {"id": "blue-bin-metal-lid", "name": "metal lid", "disposal": "blue_box",
                        "synonyms": ["metal lids", "jar lids"], "tip": "Rinse it."}  # fmt: skip
    # the two halves of one entry are one item, keywords of both
    assert items[1]["synonyms"] == ["paint", "latex paint", "oil paint"]
    assert items[1]["tip"] == (
        "Put it in a sealed can and take it to a depot, or return it to the store."
    )
    assert items[2]["disposal"] == "not_accepted"
    assert "{item}" in imported["disposal_methods"]["not_accepted"]
    Content.from_dict(imported)


def test_toronto_import_errors_name_the_entry_and_field(document: dict[str, Any]) -> None:
    cases = [
        ([entry(), entry(category="Compost Heap")],
         "entry 2 ('Blue Bin (metal lid)'), field category: unknown category 'Compost Heap'"),
        ([entry(), {"title": "x", "keywords": 3, "body": "", "category": "HHW"}],
         "entry 2 ('x'), field keywords: expected text"),
        ([entry(title="<b></b>")], "entry 1, field title: expected non-empty text"),
        ({"title": "x"}, "expected a JSON list"),
    ]  # fmt: skip
    for entries, message in cases:
        with pytest.raises(ContentError) as caught:
            import_toronto_waste_wizard(document, json.dumps(entries))
        assert str(caught.value).startswith(message), caught.value
    with pytest.raises(ContentError, match=r"^line 1: not valid JSON"):
        import_toronto_waste_wizard(document, "[{")
    without = {**document, "disposal_methods": {
        k: v for k, v in document["disposal_methods"].items() if k != "electronics"}}  # fmt: skip
    with pytest.raises(ContentError, match="maps to disposal method 'electronics'"):
        import_toronto_waste_wizard(without, json.dumps([entry(category="Electronic Waste")]))


def test_names_and_keywords_are_plain_text() -> None:
    assert toronto_name("Garbage Bin (can be donated - home d&eacute;cor, lighting)") == (
        "home décor and lighting"
    )
    assert toronto_name("Garbage (miscellaneous 1)", ["waxed box", "wax board"]) == "waxed box"
    assert toronto_name("Yard Waste 2", ["windfall"], "Yard Waste") == "windfall"
    assert toronto_name("Not Accepted (Contact Manufacturer)", ["fireworks (unused)"]) == (
        "unused fireworks"
    )
    assert toronto_name("Coffee Pod", ["coffee disc"], "Garbage") == "coffee pod"
    assert toronto_name("Metal Items (BBQ)") == "barbecue"
    assert toronto_keywords(" Mason jar lids, tea &amp; toast,, mason JAR lids ,d&eacute;cor") == [
        "mason jar lids", "tea & toast", "décor",
    ]  # fmt: skip


# -- HTML made speakable ---------------------------------------------------------------------


def test_html_becomes_short_speakable_text() -> None:
    html = (
        "&lt;p&gt;&lt;!-- [if gte mso 9]&gt;&lt;xml&gt;&lt;w:Zoom&gt;0&lt;/w:Zoom&gt;&lt;/xml&gt;"
        "&lt;![endif]--&gt;&lt;/p&gt;&lt;ul&gt;&lt;li&gt;This is &lt;a href=&quot;https://"
        "www.toronto.ca/hhw/&quot;&gt;HHW&lt;/a&gt;&amp;nbsp;and MUST NOT go in the Blue Bin."
        "&lt;/li&gt;&lt;li&gt;Bundles up to 1.2 m (4ft.) long &amp;amp; under 20 kgs/44lbs, "
        "e.g. branches&lt;/li&gt;&lt;li&gt;See www.toronto.ca/garbage for more&lt;/li&gt;"
        "&lt;/ul&gt;&lt;style&gt;p {color: red}&lt;/style&gt;"
    )
    assert speakable(html) == (
        "This is household hazardous waste and must not go in the Blue Bin. Bundles up to "
        "1.2 metres long and under 20 kilograms or 44 pounds, for example, branches. "
        "See for more."
    )


def test_speakable_text_is_cut_at_a_sentence() -> None:
    body = "<p>" + " ".join(f"Sentence number {n} has six words." for n in range(20)) + "</p>"
    text = speakable(body, max_words=20)
    assert text == " ".join(f"Sentence number {n} has six words." for n in range(3))
    long_one = "<p>" + ", ".join(f"clause {n} of it" for n in range(30)) + ".</p>"
    cut = speakable(long_one, max_words=20)
    assert len(cut.split()) <= 20 and cut.endswith("of it.")


# -- durham311 content export | import -------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings whose content store is empty: a SQLite file, or a PostgreSQL database on
    the real server made for this test and dropped after it."""
    sqlite = tmp_path / "content.sqlite3"
    if request.param == "sqlite":
        yield Settings(content_db=sqlite)
        return
    with fresh_database("content_cli") as url:
        yield Settings(content_db=sqlite, database_url=url)


def cli(settings: Settings, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="durham311")
    content_cli.add_parser(parser.add_subparsers(dest="command", required=True))
    return content_cli.run(parser.parse_args(["content", *argv]), settings)


def store_of(settings: Settings) -> RevisionStore:
    return open_content_store(database_url=settings.database_url, sqlite_path=settings.content_db)


def test_cli_exports_and_imports_through_the_store(
    settings: Settings, tmp_path: Path, document: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    store = store_of(settings)
    store.seed()
    published = store.published_id()
    assert published is not None

    assert cli(settings, "export", "--format", "csv-items", "--out", str(tmp_path / "i.csv")) == 0
    items = (tmp_path / "i.csv").read_text(encoding="utf-8")
    assert items == export_items_csv(store.document(published))
    (tmp_path / "i.csv").write_text(items.replace(",green_bin,", ",blue_box,", 1), "utf-8")
    capsys.readouterr()

    assert cli(settings, "import", str(tmp_path / "i.csv"), "--format", "csv-items",
               "--author", "Sam") == 0  # fmt: skip
    assert "a draft" in capsys.readouterr().out
    assert store.published_id() == published  # a draft until published
    draft = store.draft()
    assert draft is not None and export_items_csv(draft[1]) != export_items_csv(document)
    assert store.revisions(1)[0].author == "Sam"

    assert cli(settings, "export", "--format", "yaml", "--draft") == 0
    assert import_yaml(capsys.readouterr().out) == draft[1]
    # the same file again, to publish: the draft already says it, so the draft goes live
    assert cli(settings, "import", str(tmp_path / "i.csv"), "--format", "csv-items",
               "--publish") == 0  # fmt: skip
    assert store.published_id() == draft[0] and store.draft() is None
    store.close()


def test_cli_import_of_a_bad_file_writes_nothing(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "items.csv"
    bad.write_text("id,name,synonyms,disposal\na,A,a,blue_box\nb,B,b,the moon\n", "utf-8")
    assert cli(settings, "import", str(bad), "--format", "csv-items", "--publish") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {bad}: row 3, column disposal:")
    store = store_of(settings)
    try:
        assert store.revisions() == []  # not even the sample was seeded
    finally:
        store.close()
    assert cli(settings, "import", str(tmp_path / "missing.yaml"), "--format", "yaml") == 2
    assert "cannot read" in capsys.readouterr().err


def test_cli_publishes_an_import_and_checks_files(
    tmp_path: Path, document: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(content_db=tmp_path / "content.sqlite3")
    (tmp_path / "all.yaml").write_text(export_yaml(document), "utf-8")
    assert cli(settings, "check", str(tmp_path / "all.yaml")) == 0
    assert "valid (" in capsys.readouterr().out
    wizard = tmp_path / "wizard.json"
    wizard.write_text(json.dumps([entry()]), "utf-8")
    assert cli(settings, "import", str(wizard), "--format", "toronto-waste-wizard",
               "--publish") == 0  # fmt: skip
    store = store_of(settings)
    try:
        _, content = store.published()
        assert [i.name for i in content.waste_items] == ["metal lid"]
        assert len(store.revisions()) == 2  # the sample seeded, then the import
    finally:
        store.close()
    (tmp_path / "bad.yaml").write_text("schema_version: 2\n", "utf-8")
    assert cli(settings, "check", str(tmp_path / "bad.yaml")) == 2
    assert capsys.readouterr().err.startswith(f"error: {tmp_path / 'bad.yaml'}: line 1:")
