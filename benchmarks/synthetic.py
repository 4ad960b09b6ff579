"""A synthetic Rasa NLU file of any size, for scale tests: 150 intents x 100 examples by default.

Each intent gets its own topic words and shares carrier phrases, verbs and
filler with every other intent, so telling them apart takes the topic words,
as it does in real data. Fixed seed: the same file every time.
"""

from __future__ import annotations

import random
from pathlib import Path

_CARRIERS = (
    "can you tell me about {t}", "i need help with {t}", "what's the deal with {t}",
    "how do i {v} {t}", "where can i {v} {t}", "i want to {v} my {t}", "{t} please",
    "is there any news on {t}", "could you kindly explain {t} to me", "help me {v} {t} today",
    "when can i {v} the {t}", "who handles {t} around here", "my {t} needs attention",
    "tell me how to {v} {t} in {place}", "any update about {t} for {place}",
)  # fmt: skip
_VERBS = (
    "book",
    "check",
    "change",
    "cancel",
    "renew",
    "report",
    "find",
    "pay",
    "arrange",
    "ask about",
)
_PLACES = ("ajax", "brock", "oshawa", "whitby", "pickering", "uxbridge", "scugog", "clarington")
_SYLLABLES = (
    "ka",
    "lo",
    "mi",
    "ter",
    "vus",
    "pra",
    "den",
    "sol",
    "rin",
    "ba",
    "zu",
    "qui",
    "mon",
    "ex",
)


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))


def write(path: Path, *, intents: int = 150, per_intent: int = 100, seed: int = 311) -> Path:
    rng = random.Random(seed)
    lines = ['version: "3.1"', "nlu:"]
    for i in range(intents):
        topics = [f"{_word(rng)} {_word(rng)}" for _ in range(3)] + [_word(rng) for _ in range(3)]
        seen: set[str] = set()
        while len(seen) < per_intent:
            text = rng.choice(_CARRIERS).format(
                t=rng.choice(topics), v=rng.choice(_VERBS), place=rng.choice(_PLACES)
            )
            if rng.random() < 0.3:
                text = f"{text} {rng.choice(topics)}"
            seen.add(text)
        lines.append(f"- intent: topic_{i:03d}")
        lines.append("  examples: |")
        lines.extend(f"    - {text}" for text in sorted(seen))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
