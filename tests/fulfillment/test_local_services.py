"""Services only the towns run get a pointer to the resident's town, never a fallback."""

from __future__ import annotations

import uuid

import pytest

from fulfillment.types import Turn
from skill.services import Core


async def say(core: Core, session: str, text: str) -> str:
    turn = Turn(platform="console", session_id=session, text=text)
    return (await core.dialog.handle(turn)).reply.speech


@pytest.mark.parametrize(
    ("question", "who"),
    [
        ("how do i get a dog licence in whitby", "Town of Whitby at 905-430-4300"),
        ("where do i pay a parking ticket in oshawa", "City of Oshawa at 905-436-3311"),
        ("i need a building permit for a deck in pickering", "City of Pickering at 905-683-7575"),
        ("what are the library hours in uxbridge", "Township of Uxbridge at 905-852-9181"),
    ],
)
async def test_local_services_point_to_the_town(core: Core, question: str, who: str) -> None:
    reply = await say(core, str(uuid.uuid4()), question)
    assert who in reply and "can't help" not in reply


async def test_the_town_is_asked_when_not_said(core: Core) -> None:
    session = str(uuid.uuid4())
    asked = await say(core, session, "where do i pay a parking ticket")
    assert "Which town do you live in?" in asked
    reply = await say(core, session, "ajax")
    assert "Town of Ajax at 905-683-4550" in reply


async def test_collection_days_say_who_collects_where_the_town_does(core: Core) -> None:
    """Oshawa and Whitby collect their own garbage and green bins: the answer says so."""
    oshawa = await say(
        core, str(uuid.uuid4()), "when is garbage day on simcoe street north in oshawa"
    )
    assert "City of Oshawa runs" in oshawa and "905-436-3311" in oshawa
    assert len(oshawa.split()) <= 60
    ajax = await say(core, str(uuid.uuid4()), "when is garbage day on bayly street east in ajax")
    assert "runs" not in ajax and "Town of Ajax" not in ajax
