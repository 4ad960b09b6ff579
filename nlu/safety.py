"""The safety layer: a resident in danger must always hear "call 9-1-1".

A statistical classifier can miss an emergency phrased in a way it never saw,
so these patterns override it: recall comes first. They stay narrow enough not
to swallow "where can i find an emergency shelter", "are there any emergency
advisories" or "where do smoke detectors go": known harmless phrases are cut out
of the text before the danger patterns are looked for, so a harmless phrase
never hides a real danger said in the same breath.
"""

from __future__ import annotations

import re
from typing import Final

# Checked before exclusions: an alarm sounding is danger even though "smoke alarm" is excluded.
_ALARMS: Final = re.compile(
    r"\b(smoke|carbon monoxide|co|fire|gas) (alarm|detector)s? (is |are |keeps )?"
    r"(going off|went off|sounding|ringing)"
)

_HARMLESS: Final = re.compile(
    r"\b(non emergency|emergency (shelter|shelters|housing|advisory|advisories|alert|alerts|"
    r"preparedness|kit|kits|management|plan|planning|dental|child care|fund|contact|number|"
    r"line|services? (number|line))|fire (hydrant|hydrants|pit|pits|ban|bans|works|extinguisher|"
    r"extinguishers|station|stations|hall|halls|route|routes|safety|permit|permits|"
    r"department|services|service|chief|inspection|inspections|wood|place)|fireworks|"
    r"(smoke|carbon monoxide|co|fire|gas) (alarm|alarms|detector|detectors)|"
    r"gas (station|stations|bill|bills|tax|price|prices|can|cans|cylinder|cylinders|tank|tanks|"
    r"barbecue|bbq|mower|mowers|grill|furnace|fireplace|meter|company)|"
    r"(glue|staple|nail|caulking|caulk|spray|water|toy|paint|heat) guns?|"
    r"flu shots?|booster shots?|covid shots?|"
    r"(burning|burn) (permit|permits|ban|bans)|open air burning|"
    r"smoking (area|areas|bylaw|ban)|smoke free|second hand smoke|"
    r"(cpr|first aid) (course|courses|training|class|classes))\b"
)

_DANGER: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    (
        "gas",
        re.compile(
            r"\b(smell(s|ing)? (of |like )?(natural )?gas|gas (smell|leak|leaking|is leaking)|"
            r"leaking gas|carbon monoxide|"
            r"(smell|smells|smelling) (of |like )?rotten eggs?|rotten egg smell)\b"
        ),
    ),
    (
        "fire",
        re.compile(
            r"\b(fire|fires|flames|on fire|ablaze|burning (house|building|car)|"
            r"(house|building|car|kitchen|garage|apartment) is burning|explosion|exploded|"
            r"smoke (is )?(coming|pouring|everywhere|filling|billowing)|full of smoke|"
            r"(see|smell|there's|there is|lots of|thick) smoke)\b"
        ),
    ),
    (
        "power_line",
        re.compile(
            r"\b(((power|hydro|electrical|electric) (line|lines|wire|wires|pole)|"
            r"live wires?|wires?) (is |are |went |came )?"
            r"(down|sparking|on fire|arcing|on the road|hanging)|"
            r"downed (power|hydro) (line|lines|wire|wires)|sparking (wire|wires|line|lines)|"
            r"(power|hydro|electrical|electric) (line|lines|wire|wires|pole)\b.*\b"
            r"(sparking|sparks|arcing|smoking|down|on fire|fell|fallen)|"
            r"(sparking|sparks|arcing)\b.*\b(line|lines|wire|wires)|"
            r"(fell|fallen|down|landed) on (a |the )?(power|hydro) (line|lines|wire|wires))\b"
        ),
    ),
    (
        "medical",
        re.compile(
            r"\b(not breathing|isn't breathing|isnt breathing|stopped breathing|can't breathe|"
            r"cant breathe|cannot breathe|trouble breathing|heart attack|chest pain|"
            r"chest pains|having a stroke|a stroke|unconscious|unresponsive|collapsed|"
            r"passed out|overdos(e|ed|ing)|bleeding|seizure|choking|drowning|"
            r"in labou?r|having a baby|anaphyla\w*|allergic reaction|not waking up|won't wake up|"
            r"suicid\w*|kill (myself|himself|herself|themselves)|end my life|"
            r"hit by a (car|truck|bus)|badly (hurt|injured)|seriously (hurt|injured)|"
            r"(crash|accident|collision) with injuries|people (are )?(hurt|injured|trapped)|"
            r"trapped in)\b"
        ),
    ),
    (
        "crime",
        re.compile(
            r"\b(break(ing)? in|broke in|breaking into|broken into right now|intruder|"
            r"someone (is )?in my (house|home|apartment)|burglar\w*|being robbed|robbery|"
            r"(has|with|holding|pulled|waving|pointing) a (gun|knife|weapon)|gunshots?|"
            r"shots fired|shooting|stabbed|stabbing|(been|got|was|being) shot|"
            r"assault(ed|ing)?|attacking (me|us|someone)|being attacked|kidnap\w*|"
            r"hitting me|threatening to kill|going to kill)\b"
        ),
    ),
)


def danger_kind(normalized_text: str) -> str | None:
    """The kind of danger in the text (gas, fire, power_line, medical, crime), or None.

    Gas comes first: its advice differs (leave the building before calling).
    """
    if match := _ALARMS.search(normalized_text):
        return "gas" if match.group(1) in {"carbon monoxide", "co", "gas"} else "fire"
    remainder = _HARMLESS.sub(" ", normalized_text)
    for kind, pattern in _DANGER:
        if pattern.search(remainder):
            return kind
    return None
