"""The safety check on incident-like 311 reports: danger happening now said inside a report,
and the same words for things damaged with nobody hurt, past events or words on a wall.

The sentences are paraphrases written for these rules, not the items of the frozen set
tests/data/safety_reports.yml, so they test that the rules are general.
"""

from __future__ import annotations

import pytest

from nlu.safety import SafetyCheck

CHECK = SafetyCheck()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # someone in a hole, a trench or a creek
        ("a child fell down the open manhole on our street and cant get out", "person_in_danger"),
        ("a man fell into the trench the crew left open on main street", "person_in_danger"),
        ("theres a sinkhole on elm street and a woman went into it", "person_in_danger"),
        ("my daughter slipped into the creek behind the park", "person_in_danger"),
        # someone down, hurt, buried or under water
        ("the cyclist is lying in the road and isnt getting up", "person_in_danger"),
        ("a tree landed on a man in the park and hes not answering me", "person_in_danger"),
        ("i cut my arm on the broken fence and theres blood everywhere", "person_in_danger"),
        ("a dump truck backed over a worker on the site", "person_in_danger"),
        ("somebody got run over by the plow", "person_in_danger"),
        ("the trench wall caved in on a worker", "person_in_danger"),
        ("a boy in the excavation got buried", "person_in_danger"),
        ("the current pulled her under and shes gone under", "person_in_danger"),
        ("theres a guy at the bus stop and hes got a knife", "person_in_danger"),
        # people inside a wreck outrank the smoke from it
        ("the van flipped over on highway 7 and smoke is coming out and the driver is still inside",
         "person_in_danger"),
        # power lines live or down
        ("hydro wires are lying across the sidewalk and sparking", "power_line"),
        ("a power line is buzzing on the ground in front of my house", "power_line"),
        ("the power lines are tangled in the tree that fell in my yard", "power_line"),
        ("the wires came down on my car and my kids are inside", "power_line"),
        # fire said without the word
        ("the hydro box at the corner is smoking and popping", "fire"),
        ("somebody lit the leaf pile and the whole heap is going up", "fire"),
        # gas
        ("the propane tank on my barbecue got knocked over and its leaking", "gas"),
        ("its like rotten eggs all down the hallway", "gas"),
        # water
        ("the fire hydrant got knocked over and water is gushing everywhere", "urgent_water"),
        ("the road is under water and its coming up to our front door", "urgent_water"),
        ("water is blasting out of the road at the intersection", "urgent_water"),
        ("the crack in the road turned into a geyser", "urgent_water"),
        ("our water just cut out and the street is wet", "urgent_water"),
        ("theres a puddle bubbling up in the middle of the parking lot", "urgent_water"),
        # sewer
        ("the toilet in the basement is overflowing with sewage", "urgent_sewer"),
        ("sewage keeps coming up into the bathtub downstairs", "urgent_sewer"),
        ("weve got a sewer backup and its rising fast", "urgent_sewer"),
        ("theres inches of sewage in my laundry room", "urgent_sewer"),
        ("dirty water is bubbling up out of the floor drain", "urgent_sewer"),
    ],
)  # fmt: skip
def test_danger_in_a_report_is_heard(text: str, kind: str) -> None:
    danger = CHECK.assess(text)
    assert danger is not None, text
    assert danger.kind == kind, (text, danger)


@pytest.mark.parametrize(
    "text",
    [
        # things hit, run over or damaged, nobody hurt
        "the stop sign got hit by a car last night and is bent",
        "the fire hydrant on my street got hit by a truck but its not leaking",
        "my green bin got run over by the truck",
        "someone ran over my recycling bin",
        "the streetlight pole was struck by a car and now it leans",
        "the streetlight on my corner was hit by lightning and stays dark",
        "the fire hydrant in front of my house needs painting",
        "the fire hydrant is buried in snow can someone clear it",
        "my bins are buried under the snow bank the plow left",
        "the worker said the pipe was buried too deep",
        # words on a wall, or a fire long over
        "there is graffiti on the bridge that says fire and gas leak",
        "someone dumped a couch that looks like it went through a fire",
        # ordinary words that look like the new cues
        "my rent went up again",
        "the garbage truck went up the street without stopping",
        "the recycling truck went up my driveway and cracked it",
        "my kids got a bat and ball for the park",
        "my old dog is not getting up the stairs anymore",
        "the city is not answering my calls",
        "he is not answering the phone",
        "theres blood all over the sidewalk from a dead raccoon",
        "i almost fell in the hole they left on my street",
        "i want to report an open manhole nobody fell in it yet",
        "my car slid into the ditch this morning i am fine",
        "the creek behind my house is full of shopping carts",
        "there used to be a geyser of water from the hydrant when they flushed it",
        "the road is always under water when it rains",
        "the water was shut off for the repair on our street",
        # a water main asked about, or its work
        "is there a water main break near me my water pressure is low",
        "when will the detour for the watermain be done",
        "my sewer backup report from last month",
    ],
)
def test_report_words_without_danger_now_are_not_danger(text: str) -> None:
    assert CHECK.assess(text) is None, (text, CHECK.assess(text))


def test_a_harmless_thing_hit_does_not_hide_a_person_hit_after_it() -> None:
    # the street thing's cut stops at a new clause about a person
    danger = CHECK.assess("the light is out and he got hit by a car")
    assert danger is not None and danger.kind == "person_in_danger"


def test_a_fire_hydrant_gushing_is_water_not_fire() -> None:
    danger = CHECK.assess("a car knocked over the fire hydrant and its gushing")
    assert danger is not None and danger.kind == "urgent_water"
