"""The editor's view of the content store: one working document, drafts, publishing, history.

Staff always edit *the working copy*: the newest unpublished revision if there is one
(the draft), else the published document. Saving one entry re-reads the newest working
copy and replaces only that entry, so two people editing different entries never undo
each other's work. Nothing here publishes except `publish` and `rollback`.

The store (`knowledge_base.store.RevisionStore`, SQLite or PostgreSQL) is synchronous;
its calls run in a thread, one at a time, so the event loop keeps serving while a
revision is validated and written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from copy import deepcopy
from dataclasses import dataclass
from typing import Any, TypeVar

from editor.errors import EntryGone
from knowledge_base.errors import StoreError
from knowledge_base.store import Revision, RevisionStore

T = TypeVar("T")
Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Working:
    """What staff edit now, and what residents hear now."""

    document: Document
    published: Document
    draft_id: int | None
    published_id: int | None

    @property
    def has_draft(self) -> bool:
        return self.draft_id is not None


class Workspace:
    """Async, serialised access to the content source for the editor's pages."""

    def __init__(
        self, source: RevisionStore, *, on_publish: Callable[[int], Awaitable[None]] | None = None
    ) -> None:
        self._source = source
        self._lock = asyncio.Lock()
        # Told the new version after a publish or roll-back, so every worker reloads now
        # (they also poll the store, so a lost announcement only costs a second).
        self._on_publish = on_publish

    async def _call(self, work: Callable[[], T]) -> T:
        async with self._lock:
            return await asyncio.to_thread(work)

    async def working(self) -> Working:
        return await self._call(self._working)

    def _working(self) -> Working:
        published_id = self._source.published_id()
        if published_id is None:
            raise StoreError("the content store has no published content yet")
        published = self._source.document(published_id)
        draft = self._source.draft()
        if draft is None:
            return Working(published, published, None, published_id)
        return Working(draft[1], published, draft[0], published_id)

    async def save_entry(
        self,
        section: str | tuple[str, ...],
        replaces: Callable[[Mapping[str, Any]], bool] | None,
        entry: Mapping[str, Any],
        *,
        author: str,
        note: str,
    ) -> int:
        """A new draft revision: the newest working copy with the entry of `section` that
        `replaces` picks swapped for `entry` (appended when `replaces` is None). A tuple
        `section` names a nested list: ("who_handles", "agencies").

        Raises ContentError, naming the path, if the result is invalid, and EntryGone if
        the entry was removed meanwhile.
        """

        def work() -> int:
            document = deepcopy(self._working().document)
            *parents, last = (section,) if isinstance(section, str) else section
            holder = document
            for part in parents:
                holder = holder[part]
            entries = list(holder[last])
            if replaces is None:
                entries.append(dict(entry))
            else:
                index = next((i for i, e in enumerate(entries) if replaces(e)), None)
                if index is None:
                    raise EntryGone("that entry is no longer in the draft")
                entries[index] = dict(entry)
            holder[last] = entries
            return self._source.save(document, author=author, note=note, publish=False)

        return await self._call(work)

    async def publish(self, draft_id: int, *, author: str) -> bool:
        """Publish draft `draft_id` if it is still the draft; False if it was replaced
        (someone saved again, or published it) since the publisher reviewed it."""

        def work() -> bool:
            draft = self._source.draft()
            if draft is None or draft[0] != draft_id:
                return False
            self._source.publish(draft_id, author=author)
            return True

        published = await self._call(work)
        if published and self._on_publish is not None:
            await self._on_publish(draft_id)
        return published

    async def rollback(self, revision_id: int, *, author: str) -> int:
        version = await self._call(lambda: self._source.rollback(revision_id, author=author))
        if self._on_publish is not None:
            await self._on_publish(version)
        return version

    async def revisions(self, limit: int = 100) -> list[Revision]:
        return await self._call(lambda: self._source.revisions(limit))

    async def document(self, revision_id: int) -> Document:
        return await self._call(lambda: self._source.document(revision_id))
