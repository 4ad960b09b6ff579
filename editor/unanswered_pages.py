"""The unanswered-questions page: what residents asked that the content could not answer.

Questions arrive here already scrubbed of personal details (see
`fulfillment.unanswered`), grouped by similar wording and counted. From a group, staff
start an FAQ article: the new-article form opens with a question made from the group's
example wording (placeholders such as <address> and the words that led up to them taken
out, since an article answers everyone, not one street) and keywords from its wordings.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from aiohttp import web

from editor.guard import page
from editor.state import EDITOR
from fulfillment.unanswered import Group, UnansweredError, topic

log = logging.getLogger(__name__)

MAX_KEYWORDS = 10
MAX_KEYWORD = 80  # characters, as the FAQ form allows (editor.forms.MAX_TERM)
REASON_LABELS = {
    "fallback": "Not understood",
    "no_content": "Understood, but no content",
}
_PLACEHOLDER = r"<(?:address|number|email|name|postcode)>"
# Words that only lead up to a personal detail: "on <address>", "call me at <number>".
_LEAD_IN = re.compile(
    r"(?:\b(?:my name is|my name's|the name is|this is|call me at|call me|i'm at|i am at|i live at"
    r"|i live on|i'm on|i am on|on|at|for|near|by|to|from|in|of|number|phone|email|address"
    rf"|postal code|postcode)\s+)*{_PLACEHOLDER}",
    re.IGNORECASE,
)
_JOINING = {"and", "but", "so", "or"}  # left at the start when a name said first is removed
_DANGLING = _JOINING | {"i'm", "im", "is", "the", "a", "my", "at", "on"}  # ...and at the end
_QUESTION_WORDS = frozenset(
    "what what's whats when where where's who whom whose why which how is are am was were can "
    "could do does did will would should may shall has have".split()
)


def without_placeholders(text: str) -> str:
    """`text` without its placeholders and the words that led up to them, and without
    the joining words a removal leaves hanging at either end."""
    words = _LEAD_IN.sub(" ", text).replace(",", " , ").split()
    while words and (words[0].lower() in _JOINING or words[0] in ",.;:"):
        words.pop(0)
    while words and (words[-1].lower() in _DANGLING or words[-1] in ",.;:"):
        words.pop()
    return re.sub(r"\s+([,.;:?!])", r"\1", " ".join(words))


def faq_question(example: str) -> str:
    """An FAQ question from a resident's scrubbed words: "when is garbage day on
    <address>" becomes "When is garbage day?"."""
    text = without_placeholders(example).rstrip(" ?.!")
    if not text:
        return ""
    first = text.split()[0].lower()
    text = re.sub(r"\bi(?=\b|')", "I", text)  # residents' words arrive in lower case
    text = text[0].upper() + text[1:]
    return f"{text}?" if first in _QUESTION_WORDS else text


def faq_keywords(wordings: Sequence[str]) -> list[str]:
    """Keywords for the article: what each wording is about ("dog licence"), most asked
    first, without placeholders, each once."""
    keywords: list[str] = []
    for key in wordings:
        plain = without_placeholders(key)
        about = without_placeholders(topic(plain)) if plain else ""
        term = re.sub(r"[^\w\s'&.-]", " ", about or plain)
        term = " ".join(term.split()).lower()[:MAX_KEYWORD].strip()
        if term and term not in keywords:
            keywords.append(term)
        if len(keywords) == MAX_KEYWORDS:
            break
    return keywords


async def unanswered(request: web.Request) -> web.StreamResponse:
    """The groups of the last `keep_days` days, most asked first; `q` narrows them."""
    editor = request.app[EDITOR]
    query = " ".join(request.query.get("q", "").split())[:200]
    context: dict[str, Any] = {
        "query": query,
        "groups": [],
        "total": 0,
        "keep_days": 0,
        "connected": editor.unanswered is not None,
        "failed": False,
    }
    store = editor.unanswered
    if store is None:
        return page(request, "unanswered.html", context)
    context["keep_days"] = store.keep_days
    since = editor.clock() - timedelta(days=store.keep_days)
    try:
        groups = await store.groups(since)
    except UnansweredError as exc:
        log.error("unanswered questions unavailable: %s", exc)
        context["failed"] = True
        return page(request, "unanswered.html", context, status=503)
    context["total"] = len(groups)
    new_faq = request.app.router["new"].url_for(section="faq")
    context["groups"] = [
        {
            "group": group,
            "reasons": [REASON_LABELS.get(r, r) for r in group.reasons],
            "intents": [i.replace("_", " ") for i in group.intents if i != "unknown"],
            "start": str(
                new_faq.with_query(
                    question=faq_question(group.example),
                    keywords=", ".join(faq_keywords(group.wordings)),
                )
            ),
        }
        for group in groups
        if _matches(group, query)
    ]
    return page(request, "unanswered.html", context)


def _matches(group: Group, query: str) -> bool:
    if not query:
        return True
    haystack = " ".join([group.example, *group.wordings]).lower()
    return all(word in haystack for word in query.lower().split())
