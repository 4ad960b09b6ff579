"""An asynchronous GeoReport v2 client: a municipality's endpoint, or our embedded backend.

Every failure comes out as one of three errors, because the caller's only decision is
whether to try again: Open311Unavailable (unreachable, timed out, 5xx, 408, 429: later
may work), Open311Rejected (another 4xx: it will not), Open311ProtocolError (an answer
that is not GeoReport v2). The client itself never retries: a POST sent twice makes two
requests, so retrying belongs to the durable outbox, which holds the idempotency key.

Logs carry the method, the endpoint kind, the status and the elapsed time, never the
arguments: those hold residents' names, emails, phone numbers and addresses.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Self
from urllib.parse import quote, urlencode

import aiohttp

from open311.errors import ErrorItem, Open311ProtocolError, Open311Rejected, Open311Unavailable
from open311.parse import (
    FORMATS,
    Discovery,
    format_datetime,
    parse_definition,
    parse_discovery,
    parse_errors,
    parse_receipt,
    parse_requests,
    parse_services,
    parse_token,
)
from open311.types import (
    STATUSES,
    NewRequest,
    Receipt,
    Service,
    ServiceDefinition,
    ServiceRequest,
    TokenStatus,
)

log = logging.getLogger(__name__)

CONNECTION_LIMIT = 16  # per client; one voice turn makes at most a few calls
MAX_BODY = 8 * 1024 * 1024  # a full requests page (1000 requests) is well under this
RETRYABLE = frozenset({408, 429})
FORM_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
_TEXT_FIELDS = (  # sent as given; most of them are personal, so never logged
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
)


class Open311Client:
    """One GeoReport v2 endpoint, reached through one pooled HTTP session."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None = None,
        jurisdiction_id: str | None = None,
        format: str = "json",
        timeout: float = 5.0,
        session: aiohttp.ClientSession | None = None,
        token_poll_interval: float = 0.5,
        token_poll_timeout: float = 10.0,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("base_url must be an http(s) URL")
        if format not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, not {format!r}")
        if timeout <= 0 or token_poll_interval <= 0 or token_poll_timeout < 0:
            raise ValueError(
                "timeout and token_poll_interval must be above 0, token_poll_timeout 0+"
            )
        self._base = base_url if base_url.endswith("/") else base_url + "/"
        self._api_key = api_key
        self._jurisdiction_id = jurisdiction_id
        self._format = format
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session = session
        self._owns_session = session is None
        self._poll_interval = token_poll_interval
        self._poll_timeout = token_poll_timeout

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session this client made; a session handed in belongs to its owner."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    # ------------------------------------------------------------ the spec's methods

    async def discovery(self) -> Discovery:
        body, fmt = await self._call("GET", "discovery", f"discovery.{self._format}")
        return parse_discovery(body, fmt)

    async def services(self) -> list[Service]:
        body, fmt = await self._call("GET", "services", f"services.{self._format}")
        return parse_services(body, fmt)

    async def definition(self, code: str) -> ServiceDefinition:
        path = f"services/{_segment(code)}.{self._format}"
        body, fmt = await self._call("GET", "services/{code}", path)
        return parse_definition(body, fmt)

    async def submit(self, new: NewRequest, *, idempotency_key: str | None = None) -> Receipt:
        """POST a request; the answer holds its id, or a token for `wait_for_id`."""
        headers = {"Content-Type": FORM_TYPE}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        form = urlencode(self._form(new)).encode()
        path = f"requests.{self._format}"
        body, fmt = await self._call("POST", "requests", path, data=form, headers=headers)
        return parse_receipt(body, fmt)

    async def token(self, token: str) -> TokenStatus:
        path = f"tokens/{_segment(token)}.{self._format}"
        body, fmt = await self._call("GET", "tokens/{token}", path)
        return parse_token(body, fmt, token=token)

    async def wait_for_id(self, receipt: Receipt) -> str:
        """The request's id: at once, or by polling its token until token_poll_timeout."""
        if receipt.service_request_id is not None:
            return receipt.service_request_id
        if receipt.token is None:
            raise Open311ProtocolError(
                "the POST answer held neither service_request_id nor token (a blackbox "
                "service gives no id to wait for)"
            )
        deadline = time.monotonic() + self._poll_timeout
        while True:
            try:
                status = await self.token(receipt.token)
            except Open311Unavailable:
                status = None  # a passing failure: the deadline decides, not one poll
            if status is not None and status.service_request_id is not None:
                return status.service_request_id
            if time.monotonic() + self._poll_interval > deadline:
                raise Open311Unavailable(
                    f"the token was not resolved to an id within {self._poll_timeout:g} s"
                )
            await asyncio.sleep(self._poll_interval)

    async def request(self, service_request_id: str) -> ServiceRequest | None:
        """One request, or None when the server does not know the id (404)."""
        path = f"requests/{_segment(service_request_id)}.{self._format}"
        try:
            body, fmt = await self._call("GET", "requests/{id}", path)
        except Open311Rejected as exc:
            if exc.status == 404:
                return None
            raise
        found = parse_requests(body, fmt)
        if not found:
            return None
        for item in found:
            if item.service_request_id == service_request_id:
                return item
        raise Open311ProtocolError("GET requests/{id} answered with a different request")

    async def requests(
        self,
        *,
        ids: Sequence[str] = (),
        service_code: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        status: str | None = None,
    ) -> list[ServiceRequest]:
        """GET requests with the spec's filters; `ids` overrides the others, as the spec says."""
        if isinstance(ids, str):
            raise TypeError("ids must be a sequence of ids, not one string")
        if status is not None and status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
        params: dict[str, str] = {}
        if ids:
            params["service_request_id"] = ",".join(ids)
        if service_code is not None:
            params["service_code"] = service_code
        if start is not None:
            params["start_date"] = format_datetime(start)
        if end is not None:
            params["end_date"] = format_datetime(end)
        if status is not None:
            params["status"] = status
        path = f"requests.{self._format}"
        body, fmt = await self._call("GET", "requests", path, params=params)
        return parse_requests(body, fmt)

    # ------------------------------------------------------------ the one HTTP path

    def _form(self, new: NewRequest) -> list[tuple[str, str]]:
        """The POST body: attribute[code]=v, or attribute[code][]=v for several values."""
        form = [("service_code", new.service_code)]
        if self._api_key is not None:
            form.append(("api_key", self._api_key))
        if self._jurisdiction_id is not None:
            form.append(("jurisdiction_id", self._jurisdiction_id))
        for name, number in (("lat", new.lat), ("long", new.long)):
            if number is not None:
                form.append((name, repr(number)))
        for name in _TEXT_FIELDS:
            value = getattr(new, name)
            if value is not None:
                form.append((name, value))
        for code, values in new.attributes.items():
            name = f"attribute[{code}]" if len(values) == 1 else f"attribute[{code}][]"
            form += [(name, value) for value in values]
        return form

    def _session_for_call(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            if not self._owns_session:
                raise RuntimeError("the aiohttp session handed to Open311Client is closed")
            connector = aiohttp.TCPConnector(limit=CONNECTION_LIMIT)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        return self._session

    async def _call(
        self,
        method: str,
        kind: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[bytes, str]:
        """The body of a 2xx answer and its format; every failure as one of our errors."""
        query = dict(params or {})
        if self._jurisdiction_id is not None and method == "GET":
            query["jurisdiction_id"] = self._jurisdiction_id
        started = time.monotonic()
        try:
            async with self._session_for_call().request(
                method,
                self._base + path,
                params=query,
                data=data,
                headers=headers,
                timeout=self._timeout,
            ) as response:
                body = await _read_body(response)
                status, fmt = response.status, _body_format(response, self._format)
        except (aiohttp.ClientError, TimeoutError) as exc:
            elapsed = time.monotonic() - started
            # The caller decides what a failure means (the outbox retries, and warns once).
            log.info("open311 %s %s failed after %.3fs: %s", method, kind, elapsed, _why(exc))
            raise Open311Unavailable(f"{method} {kind}: {_why(exc)}") from None
        elapsed = time.monotonic() - started
        level = logging.DEBUG if status < 400 else logging.INFO
        log.log(level, "open311 %s %s -> %d in %.3fs", method, kind, status, elapsed)
        _raise_for_status(status, body, fmt, f"{method} {kind}")
        return body, fmt


def _raise_for_status(status: int, body: bytes, fmt: str, what: str) -> None:
    if 200 <= status < 300:
        return
    if status >= 500 or status in RETRYABLE:
        raise Open311Unavailable(f"{what}: HTTP {status}")
    if 400 <= status < 500:
        raise Open311Rejected(status, _error_items(status, body, fmt))
    raise Open311ProtocolError(f"{what}: unexpected HTTP {status}")


def _error_items(status: int, body: bytes, fmt: str) -> tuple[ErrorItem, ...]:
    """The server's error list, or one item saying there was none (an HTML page, say)."""
    try:
        items = parse_errors(body, fmt) if body.strip() else ()
    except Open311ProtocolError:
        items = ()
    return items or (ErrorItem(str(status), "the server gave no GeoReport error list"),)


async def _read_body(response: aiohttp.ClientResponse) -> bytes:
    """The whole body, refusing one larger than MAX_BODY instead of filling memory."""
    if response.content_length is not None and response.content_length > MAX_BODY:
        raise Open311ProtocolError(f"the answer is larger than {MAX_BODY} bytes")
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_BODY:
            raise Open311ProtocolError(f"the answer is larger than {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _body_format(response: aiohttp.ClientResponse, asked: str) -> str:
    """The format the server says it sent: an XML-only server may answer XML to .json."""
    ctype = response.content_type.lower()
    if ctype == "application/json" or ctype.endswith("+json"):
        return "json"
    if ctype in ("text/xml", "application/xml") or ctype.endswith("+xml"):
        return "xml"
    return asked


def _segment(value: str) -> str:
    """One path segment, escaped, so an id can never climb out of its resource."""
    if not value or not value.strip():
        raise ValueError("an Open311 code, id or token must not be empty")
    return quote(value, safe="")


def _why(exc: BaseException) -> str:
    """What failed, by kind only: aiohttp messages can carry the URL and its query."""
    if isinstance(exc, TimeoutError):
        return "timed out"
    return type(exc).__name__
