"""The safety check on its own: kinds, harmless compounds, negation, settled past, signals."""

from __future__ import annotations

import pytest

from nlu.catalogue import EMERGENCY_INTENT, FALLBACK_INTENT
from nlu.safety import GENERAL, KINDS, SafetyCheck
from nlu.types import IntentScore

CHECK = SafetyCheck()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("there's a fire in my kitchen", "fire"),
        ("the outlet is sparking and smells like burning plastic", "fire"),
        ("i can smell gas in the basement", "gas"),
        ("the carbon monoxide detector keeps beeping", "carbon_monoxide"),
        # a flame is a fire word, but a yellow flame with headaches is carbon monoxide
        ("the furnace flame is yellow and we all have headaches", "carbon_monoxide"),
        ("my toddler drank some windshield washer fluid", "poisoning"),
        ("my son swallowed a battery where do batteries go", "poisoning"),
        ("i want to kill myself", "crisis"),
        ("everyone would be better off without me", "crisis"),
        # a past attempt is never settled
        ("last year i tried to end my life and the feeling is back", "crisis"),
        ("my husband collapsed and isn't breathing", "person_in_danger"),
        ("a hydro line is down and sparking on the road", "power_line"),
        ("water is gushing up out of the road", "urgent_water"),
        ("sewage is backing up into my basement", "urgent_sewer"),
        ("the party next door is so loud right now", "urgent_noise"),
        ("a raccoon bit my daughter and it's bleeding", "urgent_animal"),
    ],
)
def test_each_kind_is_heard(text: str, kind: str) -> None:
    danger = CHECK.assess(text)
    assert danger is not None, text
    assert danger.kind == kind
    assert danger.cue  # the words that made the call, for explaining it
    assert kind in KINDS


@pytest.mark.parametrize(
    "text",
    [
        "where do fire logs go",
        "how do i get rid of an old smoke detector",
        "is there a fire ban",
        "there is no fire i just want to know about the fire ban",
        "my house doesn't smell of gas i want to dispose of a propane cylinder",
        "the gas smell was last year where do i report a gas company issue",
        "water main break on my street yesterday is the water safe now",
        "where is the shooting range",
        "i need an emergency shelter tonight",
        "this traffic is killing me",
        "i cut myself on a tin can lid should lids go in the blue box",
        "my smoke detector battery is chirping",
        "a big tree is down across the road nobody is hurt",
    ],
)
def test_harmless_uses_of_danger_words_are_not_danger(text: str) -> None:
    assert CHECK.assess(text) is None


def test_a_harmless_phrase_never_hides_a_danger_in_the_same_breath() -> None:
    danger = CHECK.assess("where do fire logs go also my kitchen is on fire")
    assert danger is not None and danger.kind == "fire"


def test_the_classifier_score_is_one_signal() -> None:
    text = "please send help right away"
    assert CHECK.assess(text) is None
    danger = CHECK.assess(text, emergency_score=0.95)
    assert danger is not None and danger.kind == GENERAL and danger.source == "classifier"
    # a confident score does not override a harmless compound or a negation
    assert CHECK.assess("where do i take a fire extinguisher", emergency_score=0.99) is None
    assert CHECK.assess("this is not an emergency", emergency_score=0.99) is None
    assert SafetyCheck(classifier_threshold=0.99).assess(text, emergency_score=0.95) is None


def test_decide_overrules_the_classifier_both_ways() -> None:
    ranking = [IntentScore("waste_sorting", 0.7), IntentScore(EMERGENCY_INTENT, 0.2)]
    heard = CHECK.decide("my son swallowed a battery", ranking, threshold=0.35)
    assert heard == IntentScore(EMERGENCY_INTENT, 1.0)
    # an emergency guess with no danger heard gives way to the best other intent,
    # its confidence taken among the others
    ranking = [IntentScore(EMERGENCY_INTENT, 0.6), IntentScore("waste_sorting", 0.3),
               IntentScore("faq", 0.1)]  # fmt: skip
    decided = CHECK.decide("where do fire logs go", ranking, threshold=0.35)
    assert decided.name == "waste_sorting" and decided.confidence == pytest.approx(0.75)
    weak = [IntentScore(EMERGENCY_INTENT, 0.5), IntentScore("faq", 0.1), IntentScore("help", 0.1)]
    assert CHECK.decide("where do fire logs go", weak, threshold=0.35).name == FALLBACK_INTENT


@pytest.mark.parametrize(
    ("text", "clear"),
    [
        ("sorry false alarm i am fine", True),
        ("it was just burnt toast", True),
        ("we all got out", True),
        ("i can't put it out", False),
        ("where does a pizza box go", False),
    ],
)
def test_all_clear(text: str, clear: bool) -> None:
    assert CHECK.all_clear(text) is clear


@pytest.mark.parametrize("text", ["", "   ", "😀🔥", "fire " * 2000])
def test_odd_input(text: str) -> None:
    CHECK.assess(text)  # no exception, whatever comes in
