"""Filing a report by voice, through the real core: routing, read-back, yes, reference.

Each test talks to the dialog as a resident would and then looks at what reached the
embedded Open311 backend's store and the outbox: nothing is filed that was not confirmed,
and nothing confirmed is filed twice or with the wrong body.
"""

from __future__ import annotations

import logging
import uuid

import pytest

from fulfillment.types import Reply, Turn
from skill.services import Core


async def say(core: Core, session: str, text: str, user: str | None = None) -> Reply:
    turn = Turn(platform="console", session_id=session, text=text, user_id=user)
    return (await core.dialog.handle(turn)).reply


async def filed(core: Core) -> int:
    assert core.requests is not None
    return await core.requests.count()


async def test_a_pothole_on_a_regional_road_is_filed_with_the_region(core: Core) -> None:
    s = str(uuid.uuid4())
    reply = await say(core, s, "there's a pothole on simcoe street north in oshawa")
    assert "dinner plate" in reply.speech
    reply = await say(core, s, "it's huge")
    assert "Regional Road 2" in reply.speech and "bigger than a dinner plate" in reply.speech
    assert "Shall I file it?" in reply.speech
    assert await filed(core) == 0, "nothing is filed before the yes"
    reply = await say(core, s, "yes")
    assert "filed with the Region of Durham" in reply.speech
    assert "reference number is" in reply.speech
    assert await filed(core) == 1
    assert core.requests is not None
    [stored] = await core.requests.find(service_code=["pothole"])
    assert stored.address == "Simcoe Street North, Oshawa, Ontario"
    assert stored.status == "open"


async def test_missed_garbage_in_oshawa_goes_to_the_city_and_nothing_is_filed(core: Core) -> None:
    s = str(uuid.uuid4())
    reply = await say(core, s, "my garbage wasn't picked up")
    assert "Where is it?" in reply.speech
    reply = await say(core, s, "100 king street east in oshawa")
    assert "City of Oshawa" in reply.speech and "905-436-3311" in reply.speech
    assert "haven't filed" in reply.speech
    assert await filed(core) == 0
    assert await core.desk.outbox.pending_count() == 0


OSHAWA = ("City of Oshawa", "905-436-3311")


@pytest.mark.parametrize(
    ("first", "then", "who"),
    [
        ("report a missed blue box pickup", "12 bayly street east in ajax",
         ("Miller Waste", "1-888-852-4723")),
        ("there's a pothole on king street west in oshawa", None, OSHAWA),
        ("the streetlight is out on simcoe street north in oshawa", None, OSHAWA),
        ("report graffiti on harwood avenue south in ajax", None, ("Town of Ajax", "905-683-4550")),
    ],
)  # fmt: skip
async def test_reports_that_are_not_the_regions_say_who_handles_them(
    core: Core, first: str, then: str | None, who: tuple[str, str]
) -> None:
    s = str(uuid.uuid4())
    reply = await say(core, s, first)
    if then is not None:
        reply = await say(core, s, then)
    assert who[0] in reply.speech and who[1] in reply.speech, reply.speech
    assert "haven't filed" in reply.speech
    assert await filed(core) == 0


async def test_missed_garbage_in_ajax_is_the_regions(core: Core) -> None:
    s = str(uuid.uuid4())
    await say(core, s, "my garbage wasn't picked up")
    reply = await say(core, s, "12 bayly street east in ajax")
    assert "I'll report a missed collection, garbage" in reply.speech
    reply = await say(core, s, "yes please")
    assert "filed with the Region" in reply.speech
    assert await filed(core) == 1


async def test_corrections_change_the_report_before_it_is_filed(core: Core) -> None:
    s = str(uuid.uuid4())
    await say(core, s, "i want to report a pothole on simcoe street")
    reply = await say(core, s, "oshawa")
    assert "a pothole on Simcoe Street in Oshawa" in reply.speech
    reply = await say(core, s, "it's small")
    assert "smaller than a dinner plate" in reply.speech
    reply = await say(core, s, "no, it's bigger than a dinner plate")
    assert "bigger than a dinner plate" in reply.speech and "Sorry" not in reply.speech
    reply = await say(core, s, "actually it's a water leak")
    assert "water coming from" in reply.speech.lower()
    reply = await say(core, s, "from the road")
    assert "a water leak, from the road, on Simcoe Street in Oshawa" in reply.speech
    await say(core, s, "yes")
    assert core.requests is not None
    [stored] = await core.requests.find(service_code=["water_leak"])
    assert await filed(core) == 1 and stored.service_code == "water_leak"


async def test_stop_and_danger_file_nothing(core: Core) -> None:
    s = str(uuid.uuid4())
    await say(core, s, "report a pothole on simcoe street north in oshawa")
    reply = await say(core, s, "stop")
    assert reply.end_session
    s = str(uuid.uuid4())
    await say(core, s, "report a pothole on simcoe street north in oshawa")
    await say(core, s, "big")
    reply = await say(core, s, "wait there are wires down on the road and sparking")
    assert "9-1-1" in reply.speech or "hydro" in reply.speech.lower()
    reply = await say(core, s, "yes")
    assert await filed(core) == 0, "a yes after danger files nothing"


async def test_a_repeated_yes_files_once(core: Core) -> None:
    s = str(uuid.uuid4())
    await say(core, s, "report a pothole on simcoe street north in oshawa")
    await say(core, s, "small")
    await say(core, s, "yes")
    await say(core, s, "yes")
    assert await filed(core) == 1


async def test_a_phone_number_is_asked_only_when_needed_and_never_logged(
    core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    s = str(uuid.uuid4())
    reply = await say(core, s, "my green bin is cracked")
    reply = await say(core, s, "12 bayly street east in ajax")
    assert "calls to arrange a replacement" in reply.speech
    assert "What number can they reach you at?" in reply.speech
    reply = await say(core, s, "nine oh five five five five one two three four")
    assert "ending 1234" in reply.speech
    await say(core, s, "yes")
    assert core.requests is not None
    [stored] = await core.requests.find(service_code=["damaged_bin"])
    assert stored.service_code == "damaged_bin"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "9055551234" not in logged and "555" not in logged
    assert "bayly" not in logged.lower()
    reply = await say(core, str(uuid.uuid4()), "there's a pothole on simcoe street north in oshawa")
    assert "number" not in reply.speech, "a pothole needs no phone number"


async def test_status_by_reference_said_as_words_and_by_my_last_report(core: Core) -> None:
    s = str(uuid.uuid4())
    await say(core, s, "report a pothole on simcoe street north in oshawa", user="amzn1.ask.a")
    await say(core, s, "small", user="amzn1.ask.a")
    reply = await say(core, s, "yes", user="amzn1.ask.a")
    digits = "".join(ch for ch in reply.speech.split("reference number is")[1] if ch.isdigit())
    assert len(digits) == 8
    words = " ".join("zero one two three four five six seven eight nine".split()[int(d)]
                     for d in digits)  # fmt: skip
    reply = await say(core, str(uuid.uuid4()), f"what's the status of report {words}")
    assert "is open" in reply.speech and "fixed" not in reply.speech
    reply = await say(core, str(uuid.uuid4()), "what's the status of my last report",
                      user="amzn1.ask.a")  # fmt: skip
    assert "is open" in reply.speech
    assert core.requests is not None
    [stored] = await core.requests.find(service_code=["pothole"])
    await core.requests.update(
        stored.service_request_id, status="closed", note="The road crew filled it.",
        now=stored.requested_datetime,
    )  # fmt: skip
    reply = await say(core, str(uuid.uuid4()), f"status of request {digits}")
    assert "is closed" in reply.speech and "road crew filled it" in reply.speech
    reply = await say(core, str(uuid.uuid4()), "status of request 99999999")
    assert "can't find a report" in reply.speech
