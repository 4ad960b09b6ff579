"""Safety advice is content: validated like the rest, required, and carried into old stores."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from knowledge_base import SAMPLE_CONTENT, Content, ContentError
from knowledge_base.store import load_document
from nlu.safety import GENERAL, KINDS


@pytest.fixture
def sample() -> Any:
    return load_document(SAMPLE_CONTENT)


def test_the_sample_has_advice_for_every_kind_the_check_decides(sample: Any) -> None:
    safety = Content.from_dict(sample).safety
    ids = {k.id for k in safety.kinds}
    assert set(KINDS) | {GENERAL} <= ids
    assert safety.verified is False, "the sample's numbers are for staff to verify"
    assert safety.advice("crisis").ends_session is False
    assert "9-8-8" in safety.advice("crisis").speech
    assert all("9-1-1" in safety.advice(k).speech for k in ("fire", "gas", "carbon_monoxide"))
    assert "smell" not in safety.advice("carbon_monoxide").speech.replace("no smell", "")
    assert safety.advice("no such kind").id == GENERAL


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.pop("kinds"), r"content.safety: missing field\(s\) kinds"),
        (lambda s: s.update(kinds=[k for k in s["kinds"] if k["id"] != GENERAL]),
         "needs the general 'emergency' advice"),
        (lambda s: s["kinds"][1].update(speech="word " * 61), "61 words"),
        (lambda s: s["kinds"][1].update(ends_session="yes"), "ends_session: expected true"),
        (lambda s: s.update(verified="no"), "content.safety.verified"),
        (lambda s: s["office_hours"].update(monday="9 to 5"), "office_hours.monday"),
    ],
)  # fmt: skip
def test_bad_safety_content_is_refused_by_path(sample: Any, change: Any, message: str) -> None:
    change(sample["safety"])
    with pytest.raises(ContentError, match=message):
        Content.from_dict(sample)


def test_a_store_published_before_safety_content_still_has_it(
    sample: Any, published_long_ago: Callable[[Any], Content]
) -> None:
    """An upgraded service must still help a resident in danger from its old content."""
    content = published_long_ago({k: v for k, v in sample.items() if k != "safety"})
    assert content.safety.verified is False
    assert "9-1-1" in content.safety.advice("fire").speech
