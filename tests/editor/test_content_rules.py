"""What a speaker reads badly, how a form becomes an entry, and how a change is described."""

from __future__ import annotations

from typing import Any

import pytest

from editor.diff import diff_documents
from editor.forms import SECTION_BY_SLUG, read_entry
from editor.speakable import problems
from knowledge_base.model import WEEKDAYS
from knowledge_base.store import SAMPLE_CONTENT, load_document


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    document: dict[str, Any] = load_document(SAMPLE_CONTENT)
    return document


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Take it to the HHW depot.",
            '"HHW" is an abbreviation; write "household hazardous waste".',
        ),
        ("It is on Ritson Rd. in Oshawa.", '"Rd." is an abbreviation; write "Road".'),
        ("Call the WMF, e.g. on Mon.", '"e.g." is an abbreviation; write "for example".'),
        ("See https://www.durham.ca/waste for more.", "web or email address"),
        ("Email waste@durham.ca today.", "web or email address"),
        ("It is <b>free</b>.", "Has markup"),
        ("It is **free** today.", "Has markup"),
        ("Paper & cardboard go here.", "Has symbols a speaker reads badly (&)"),
        ("Bring cans and/or bottles.", "Has symbols a speaker reads badly (/)"),
        ("Call the ODSP office.", '"ODSP" would be spelled out letter by letter'),
        (" ".join(["word"] * 61), "61 words: a spoken answer must be 60 words or fewer (cut 1)."),
    ],
)
def test_text_a_speaker_reads_badly_is_named(text: str, expected: str) -> None:
    assert any(expected in p for p in problems(text)), problems(text)


@pytest.mark.parametrize(
    "text",
    [
        "Yes. Call 311, Monday to Friday, 8:30 a.m. to 4:30 p.m.",
        "No. You can check durham.ca or the Waste Whiz app.",
        "An adult fare is $3.75 with PRESTO, and the line is open 24/7.",
        "Take it to 1640 Ritson Road North, Oshawa. DVD players are electronics.",
    ],
)
def test_plain_speech_passes(text: str) -> None:
    assert problems(text) == []


def test_the_sample_content_reads_well(sample: dict[str, Any]) -> None:
    """Every answer, tip and message already in the sample passes the editor's checks, so
    staff are never blocked by text they did not write."""
    spoken = [a["answer"] for a in sample["faq"]]
    spoken += [i["tip"] for i in sample["waste_items"] if i.get("tip")]
    spoken += [a["message"] for a in sample["alerts"]]
    assert [(t, problems(t)) for t in spoken if problems(t)] == []


def test_form_becomes_an_entry_keeping_fields_not_on_the_form(sample: dict[str, Any]) -> None:
    section = SECTION_BY_SLUG["facilities"]
    index = next(i for i, f in enumerate(sample["facilities"]) if f["id"] == "oshawa-wmf")
    form = {"name": "Oshawa Waste Management Facility", "address": "1640 Ritson Road North",
            "phone": "", "holiday_hours": "Closed", "fees": "",
            **{f"hours.{day}": "08:00 - 16:00" for day in WEEKDAYS}}  # fmt: skip
    result = read_entry(section, form, sample, index)
    assert result.errors == {}
    assert result.entry is not None
    assert result.entry["hours"]["monday"] == "08:00-16:00"
    assert result.entry["holiday_hours"] == "closed"
    assert "phone" not in result.entry and "fees" not in result.entry
    assert result.entry["aliases"] == sample["facilities"][index]["aliases"]  # not on the form
    assert result.entry["kind"] == "waste_management_facility"


def test_new_entries_get_an_id_from_their_name(sample: dict[str, Any]) -> None:
    section = SECTION_BY_SLUG["waste-items"]
    result = read_entry(
        section,
        {
            "name": "Pizza Box Liners",
            "synonyms": "Liner, liner,  pizza liner ",
            "disposal": "garbage",
        },
        sample,
        None,
    )
    assert result.entry == {
        "id": "pizza-box-liners",
        "name": "Pizza Box Liners",
        "synonyms": ["liner", "pizza liner"],
        "disposal": "garbage",
    }


def test_a_synonym_another_item_uses_is_refused(sample: dict[str, Any]) -> None:
    section = SECTION_BY_SLUG["waste-items"]
    result = read_entry(
        section,
        {"name": "greasy boxes", "synonyms": "pizza box, takeout box", "disposal": "garbage"},
        sample,
        None,
    )
    assert result.entry is None
    assert result.errors == {"synonyms": ['"pizza box" is already used by the item "pizza boxes".']}
    assert result.values["synonyms"] == "pizza box, takeout box"


def test_diff_names_what_changed_in_words(sample: dict[str, Any]) -> None:
    changed = {**sample, "waste_items": [dict(i) for i in sample["waste_items"]]}
    pizza = next(i for i in changed["waste_items"] if i["id"] == "pizza-box")
    pizza["disposal"] = "blue_box"
    changed["waste_items"] = [i for i in changed["waste_items"] if i["id"] != "cardboard"]
    changed["organisation"] = {**sample["organisation"], "phone_main": "905-668-0000"}
    changes = diff_documents(sample, changed)
    described = [(c.section, c.entry, c.kind, [(f.field, f.old, f.new) for f in c.fields])
                 for c in changes]  # fmt: skip
    assert described == [
        ("Organisation", "", "changed", [("phone_main", "905-668-7711", "905-668-0000")]),
        ("Waste item", "pizza boxes", "changed", [("Where it goes", "Green bin", "Blue box")]),
        ("Waste item", "cardboard boxes", "removed", []),
    ]
    moved = {**sample, "faq": list(reversed(sample["faq"]))}
    assert diff_documents(sample, moved) == []
