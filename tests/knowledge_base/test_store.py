import copy
import re
from pathlib import Path
from typing import Any

import pytest

from knowledge_base import SAMPLE_CONTENT, Content, ContentError, ContentStore, StoreError
from knowledge_base.store import load_document


@pytest.fixture
def sample() -> Any:
    return load_document(SAMPLE_CONTENT)


def test_the_bundled_sample_is_valid(sample: Any) -> None:
    content = Content.from_dict(sample)
    assert {m.id for m in content.municipalities} == {
        "ajax", "brock", "clarington", "oshawa", "pickering", "scugog", "uxbridge", "whitby",
    }  # fmt: skip
    assert len(content.waste_items) >= 100
    assert all(len(a.answer.split()) < 60 for a in content.faq), "FAQ answers are spoken"


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (
            lambda d: d["waste_items"][0].update(disposal="the moon"),
            "content.waste_items[0].disposal",
        ),
        (
            lambda d: d["facilities"][0]["hours"].update(monday="9-5"),
            "content.facilities[0].hours.monday",
        ),
        (lambda d: d["facilities"][0]["hours"].update(monday="17:00-09:00"), "closing time"),
        (lambda d: d["alerts"][0].update(starts="next week"), "content.alerts[0].starts"),
        (lambda d: d["collection_zones"][0].update(municipality="toronto"), "municipality"),
        (lambda d: d["faq"].append(copy.deepcopy(d["faq"][0])), "duplicate id"),
        (lambda d: d["organisation"].update(fax="none"), "unknown field(s) fax"),
        (lambda d: d.pop("faq"), "missing field(s) faq"),
        (lambda d: d["disposal_methods"].update(blue_box="Blue box it."), "must contain {item}"),
    ],
)
def test_bad_content_names_the_bad_field(sample: Any, change: Any, path: str) -> None:
    change(sample)
    with pytest.raises(ContentError, match=re.escape(path)):
        Content.from_dict(sample)


def test_a_refused_save_writes_nothing(tmp_path: Path, sample: Any) -> None:
    store = ContentStore(tmp_path / "content.sqlite3")
    first = store.save(sample, author="staff", note="initial", publish=True)
    broken = copy.deepcopy(sample)
    broken["waste_items"][0]["disposal"] = "nowhere"
    with pytest.raises(ContentError):
        store.save(broken, author="staff", note="broken", publish=True)
    assert [r.id for r in store.revisions()] == [first]
    assert store.published()[0] == first
    store.close()


def test_revisions_are_kept_and_publishing_chooses_the_live_one(
    tmp_path: Path, sample: Any
) -> None:
    path = tmp_path / "content.sqlite3"
    store = ContentStore(path)
    live = store.save(sample, author="staff", note="v1", publish=True)
    changed = copy.deepcopy(sample)
    changed["organisation"]["hours_311"] = "every day, 7 a.m. to 7 p.m."
    draft = store.save(changed, author="staff", note="v2 draft", publish=False)
    assert store.published()[0] == live
    store.publish(draft, author="staff")
    store.close()
    reopened = ContentStore(path)  # survives a restart
    revision, content = reopened.published()
    assert revision == draft
    assert content.organisation.hours_311 == "every day, 7 a.m. to 7 p.m."
    assert len(reopened.revisions()) == 2
    with pytest.raises(StoreError, match="no revision 999"):
        reopened.publish(999, author="staff")
    reopened.close()


def test_seeding_happens_once(tmp_path: Path) -> None:
    store = ContentStore(tmp_path / "content.sqlite3")
    assert store.seed() is not None
    assert store.seed() is None
    store.close()


def test_an_empty_store_says_so() -> None:
    store = ContentStore(":memory:")
    with pytest.raises(StoreError, match="no published content"):
        store.published()
