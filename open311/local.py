"""The embedded backend called in-process: the same checks and store as a POST, no HTTP hop.

The console and a single worker file through this; an external endpoint (or the
embedded one on another machine) is reached through `open311.client` instead. Both
answer the same way, so the outbox and the dialog cannot tell them apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import datetime

from open311.errors import (
    ErrorItem,
    InvalidSubmission,
    Open311Rejected,
    Open311Unavailable,
    RequestStoreError,
)
from open311.form import Form, to_new_request
from open311.store import RequestStore
from open311.types import NewRequest, Receipt, ServiceRequest, ServiceType, TokenStatus


class LocalGateway:
    def __init__(
        self,
        *,
        store: RequestStore,
        services: Sequence[ServiceType],
        clock: Callable[[], datetime],
    ) -> None:
        self._store, self._clock = store, clock
        self._services = {s.service.service_code: s for s in services}

    async def submit(self, new: NewRequest, *, idempotency_key: str | None = None) -> Receipt:
        """Checked exactly as a POST would be; refused input is a 400, as over HTTP."""
        try:
            checked = to_new_request(_as_form(new), self._services)
        except InvalidSubmission as exc:
            raise Open311Rejected(400, (ErrorItem("400", str(exc)),)) from None
        name = self._services[checked.service_code].service.service_name
        try:
            created = await self._store.create(
                checked,
                service_name=name,
                idempotency_key=idempotency_key,
                now=self._clock(),
                with_token=False,
            )
        except RequestStoreError as exc:
            raise Open311Unavailable(f"request store: {type(exc).__name__}") from exc
        return Receipt(service_request_id=created.request.service_request_id)

    async def token(self, token: str) -> TokenStatus:
        try:
            found = await self._store.by_token(token)
        except RequestStoreError as exc:
            raise Open311Unavailable(f"request store: {type(exc).__name__}") from exc
        return found or TokenStatus(token)

    async def request(self, service_request_id: str) -> ServiceRequest | None:
        try:
            return await self._store.get(service_request_id)
        except RequestStoreError as exc:
            raise Open311Unavailable(f"request store: {type(exc).__name__}") from exc

    async def close(self) -> None:
        """The store belongs to whoever opened it (it may also serve /open311/v2/)."""


def _as_form(new: NewRequest) -> Form:
    values = {
        f.name: str(getattr(new, f.name))
        for f in fields(new)
        if f.name != "attributes" and getattr(new, f.name) is not None
    }
    return Form(fields=values, attributes=dict(new.attributes))
