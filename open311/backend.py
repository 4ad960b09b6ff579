"""The embedded GeoReport v2 server: an aiohttp sub-application over a `RequestStore`.

Mount it with `app.add_subapp("/open311/v2/", create_backend_app(...))`. Every endpoint
answers in the format its suffix names (`.xml` always, `.json` unless switched off), and
every refusal is the spec's error list in that format (XML when the suffix is unknown),
produced in one middleware so no handler can leak a stack trace or a plain-text 500.

The store is opened and closed by whoever passes it in, unless `own_store=True`, when
this application opens it on startup and closes it on cleanup (aiohttp runs a sub-app's
signals with its parent's).

Logs name request ids and service codes only: never a name, phone, email or address.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from multidict import MultiMapping
from yarl import URL

from open311.errors import (
    BackendConfigError,
    ErrorItem,
    InvalidSubmission,
    RequestNotFound,
    RequestStoreError,
)
from open311.form import parse_form, parse_w3c, to_new_request
from open311.render import (
    CONTENT_TYPES,
    FORMATS,
    Document,
    definition_document,
    discovery_document,
    errors_document,
    receipts_document,
    render,
    requests_document,
    services_document,
    tokens_document,
)
from open311.store import MAX_LIMIT, RequestStore
from open311.types import STATUSES, Receipt, ServiceType

log = logging.getLogger(__name__)

WINDOW = timedelta(days=90)  # the spec's default and longest span for GET requests
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_MAX_IDEMPOTENCY_KEY = 255
_FORM_TYPE = "application/x-www-form-urlencoded"
_FIRST_YEAR, _LAST_YEAR = 1970, 9000


@dataclass(frozen=True, slots=True)
class BackendConfig:
    """Everything the handlers need, fixed when the application is made."""

    services: Mapping[str, ServiceType]
    store: RequestStore
    api_keys: tuple[str, ...]
    jurisdiction_id: str | None
    clock: Callable[[], datetime]
    formats: tuple[str, ...]
    tokens_only: bool
    max_body_bytes: int
    changeset: datetime
    contact: str | None
    key_service: str | None


BACKEND = web.AppKey("open311_backend", BackendConfig)


class Refused(Exception):
    """A refusal with its HTTP status; the middleware renders it as the spec's error list."""

    def __init__(self, status: int, description: str) -> None:
        self.status, self.description = status, description
        super().__init__(f"{status}: {description}")


def create_backend_app(
    *,
    services: Sequence[ServiceType],
    store: RequestStore,
    api_keys: Sequence[str],
    jurisdiction_id: str | None = None,
    clock: Callable[[], datetime],
    formats: tuple[str, ...] = ("xml", "json"),
    tokens_only: bool = False,
    max_body_bytes: int = 64 * 1024,
    own_store: bool = False,
    contact: str | None = None,
    key_service: str | None = None,
) -> web.Application:
    """The GeoReport v2 sub-application.

    `api_keys` are the keys POST requests accepts (none: every POST is refused).
    `tokens_only` answers a POST with a token to poll, as servers that queue requests do.
    `own_store` makes this application open the store on startup and close it on cleanup.
    """
    by_code = {s.service.service_code: s for s in services}
    if len(by_code) != len(services):
        raise BackendConfigError("two service types share a service_code")
    if "xml" not in formats or any(f not in FORMATS for f in formats):
        raise BackendConfigError(f"formats must include xml and be among {FORMATS}")
    if max_body_bytes <= 0:
        raise BackendConfigError("max_body_bytes must be positive")
    app = web.Application(middlewares=[error_middleware(formats)])
    app[BACKEND] = BackendConfig(
        services=by_code,
        store=store,
        api_keys=tuple(api_keys),
        jurisdiction_id=jurisdiction_id,
        clock=clock,
        formats=tuple(formats),
        tokens_only=tokens_only,
        max_body_bytes=max_body_bytes,
        changeset=clock(),
        contact=contact,
        key_service=key_service,
    )
    router = app.router
    router.add_get("/discovery.{fmt}", _discovery)
    router.add_get("/services.{fmt}", _services)
    router.add_get("/services/{code}.{fmt}", _definition)
    router.add_post("/requests.{fmt}", _post_request)
    router.add_get("/requests.{fmt}", _get_requests)
    router.add_get("/requests/{id}.{fmt}", _get_request)
    router.add_get("/request/{id}.{fmt}", _get_request_object)  # the swagger's spelling
    router.add_get("/tokens/{token}.{fmt}", _get_token)
    if own_store:
        app.on_startup.append(_open_store)
        app.on_cleanup.append(_close_store)
    return app


async def _open_store(app: web.Application) -> None:
    await app[BACKEND].store.open()


async def _close_store(app: web.Application) -> None:
    await app[BACKEND].store.close()


# --------------------------------------------------------------------------- errors


def error_middleware(formats: Sequence[str]) -> Middleware:
    """Turn every failure into the spec's error list, in the format the path asks for."""

    @web.middleware
    async def open311_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        headers: dict[str, str] = {}
        try:
            return await handler(request)
        except Refused as exc:
            status, description = exc.status, exc.description
        except InvalidSubmission as exc:
            status, description = 400, str(exc)
        except RequestNotFound as exc:
            status, description = 404, str(exc)
        except RequestStoreError as exc:
            log.error("open311 store failed on %s %s: %s", request.method, _route(request), exc)
            status, description = 503, "service requests are unavailable; try again later"
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            status, description = exc.status, _http_description(exc)
            if "Allow" in exc.headers:
                headers["Allow"] = exc.headers["Allow"]
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # The message may quote input; the type and the frames are enough to find the bug.
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error("open311 %s %s failed: %s\n%s", request.method, _route(request),
                      type(exc).__name__, frames)  # fmt: skip
            status, description = 500, "internal error"
        return error_response(request, formats, status, description, headers)

    return open311_errors


def error_response(
    request: web.Request,
    formats: Sequence[str],
    status: int,
    description: str,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    fmt = _error_format(request.path, formats)
    body = render(errors_document([ErrorItem(str(status), description)]), fmt)
    return _response(body, fmt, status=status, headers=headers)


def _error_format(path: str, formats: Sequence[str]) -> str:
    """JSON only when the path ends in .json and JSON is served; XML, the spec's must, else."""
    return "json" if path.endswith(".json") and "json" in formats else "xml"


def _http_description(exc: web.HTTPException) -> str:
    if exc.status == 404:
        return "no such resource: see discovery.xml for what this endpoint serves"
    if exc.status == 405:
        return "method not allowed on this resource"
    return exc.reason


def _route(request: web.Request) -> str:
    """The route template, not the path: paths carry ids and tokens, templates nothing."""
    info = request.match_info.route.resource
    return info.canonical if info is not None else "(no route)"


# --------------------------------------------------------------------------- helpers


def _config(request: web.Request) -> BackendConfig:
    return request.config_dict[BACKEND]


def _format(request: web.Request, config: BackendConfig) -> str:
    fmt = request.match_info["fmt"]
    if fmt not in config.formats:
        served = " or ".join(f".{f}" for f in config.formats)
        raise Refused(404, f"format {fmt[:20]!r} is not served here: use {served}")
    return fmt


def _response(
    body: bytes, fmt: str, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=body,
        status=status,
        content_type=CONTENT_TYPES[fmt],
        charset="utf-8",
        headers=headers,
    )


def _answer(document: Document, fmt: str, headers: Mapping[str, str] | None = None) -> web.Response:
    return _response(render(document, fmt), fmt, headers=headers)


def _check_jurisdiction(given: str | None, config: BackendConfig) -> None:
    """A jurisdiction_id, when sent to a backend that has one, must be its own."""
    if config.jurisdiction_id is not None and given and given != config.jurisdiction_id:
        raise Refused(404, f"jurisdiction_id {given[:60]!r} is not served here")


def _check_api_key(given: str | None, config: BackendConfig) -> None:
    if not given:
        raise Refused(403, "api_key is required")
    # compare_digest on bytes: str needs ASCII, and a key may be anything a client typed.
    if not any(hmac.compare_digest(given.encode(), k.encode()) for k in config.api_keys):
        raise Refused(403, "api_key is not valid")


def _listed(query: MultiMapping[str], name: str) -> list[str]:
    """A parameter the spec lets be comma-delimited and given several times."""
    return [p.strip() for v in query.getall(name, []) for p in v.split(",") if p.strip()]


# --------------------------------------------------------------------------- GET


async def _discovery(request: web.Request) -> web.Response:
    config = _config(request)
    fmt = _format(request, config)
    _check_jurisdiction(request.query.get("jurisdiction_id"), config)
    base = request.url.with_query(None).join(URL("."))
    document = discovery_document(
        url=str(base),
        changeset=config.changeset,
        formats=config.formats,
        contact=config.contact,
        key_service=config.key_service,
    )
    return _answer(document, fmt)


async def _services(request: web.Request) -> web.Response:
    config = _config(request)
    fmt = _format(request, config)
    _check_jurisdiction(request.query.get("jurisdiction_id"), config)
    return _answer(services_document([s.service for s in config.services.values()]), fmt)


async def _definition(request: web.Request) -> web.Response:
    config = _config(request)
    fmt = _format(request, config)
    _check_jurisdiction(request.query.get("jurisdiction_id"), config)
    code = request.match_info["code"]
    service = config.services.get(code)
    if service is None:
        raise Refused(404, f"service_code {code[:60]!r} is not offered here")
    return _answer(definition_document(service.definition), fmt)


async def _get_requests(request: web.Request) -> web.Response:
    config = _config(request)
    fmt = _format(request, config)
    query = request.query
    _check_jurisdiction(query.get("jurisdiction_id"), config)
    ids = _listed(query, "service_request_id")
    if len(ids) > MAX_LIMIT:
        raise Refused(400, f"at most {MAX_LIMIT} service_request_id values at once")
    if ids:  # the spec: ids override every other filter
        found = await config.store.find(ids=ids, limit=MAX_LIMIT)
        return _answer(requests_document(found), fmt)
    statuses = _listed(query, "status")
    for status in statuses:
        if status not in STATUSES:
            raise Refused(400, f"status must be {' or '.join(STATUSES)}")
    start, end = _window(query.get("start_date"), query.get("end_date"), config.clock())
    found = await config.store.find(
        service_code=_listed(query, "service_code"),
        status=statuses,
        start=start,
        end=end,
        limit=MAX_LIMIT,
    )
    return _answer(requests_document(found), fmt)


def _window(
    start_text: str | None, end_text: str | None, now: datetime
) -> tuple[datetime, datetime]:
    """The span searched: the last 90 days by default; a given span may not exceed 90 days."""
    start = _query_date(start_text, "start_date")
    end = _query_date(end_text, "end_date")
    if start is not None and end is not None:
        if end < start:
            raise Refused(400, "end_date is before start_date")
        if end - start > WINDOW:
            raise Refused(400, "start_date and end_date may not span more than 90 days")
        return start, end
    if start is not None:
        return start, start + WINDOW
    if end is not None:
        return end - WINDOW, end
    return now - WINDOW, now


def _query_date(text: str | None, name: str) -> datetime | None:
    """A W3C datetime from the query, in years a request can have (so +-90 days stays valid)."""
    if not text:
        return None
    moment = parse_w3c(_plus(text), name)
    if not _FIRST_YEAR <= moment.year <= _LAST_YEAR:
        raise Refused(400, f"{name} must be between the years {_FIRST_YEAR} and {_LAST_YEAR}")
    return moment


def _plus(text: str) -> str:
    """An unencoded '+' of an offset arrives as a space; put it back (dates hold no spaces)."""
    return text.strip().replace(" ", "+")


async def _get_request(request: web.Request) -> web.Response:
    return await _one_request(request, single=False)


async def _get_request_object(request: web.Request) -> web.Response:
    return await _one_request(request, single=True)


async def _one_request(request: web.Request, *, single: bool) -> web.Response:
    config = _config(request)
    fmt = _format(request, config)
    _check_jurisdiction(request.query.get("jurisdiction_id"), config)
    found = await config.store.get(request.match_info["id"])
    if found is None:
        raise Refused(404, f"no service request {request.match_info['id'][:40]!r}")
    return _answer(requests_document([found], single=single), fmt)


async def _get_token(request: web.Request) -> web.Response:
    config = _config(request)
    fmt = _format(request, config)
    _check_jurisdiction(request.query.get("jurisdiction_id"), config)
    status = await config.store.by_token(request.match_info["token"])
    if status is None:
        raise Refused(404, "no such token")
    return _answer(tokens_document([status]), fmt)


# --------------------------------------------------------------------------- POST


async def _post_request(request: web.Request) -> web.Response:
    config = _config(request)
    fmt = _format(request, config)
    key = _idempotency_key(request)
    _check_content_type(request)
    body = await _read_body(request, config.max_body_bytes)
    form = parse_form(body, list(request.query.items()))
    api_key = form.get("api_key")
    _check_api_key(api_key, config)
    _check_jurisdiction(form.get("jurisdiction_id"), config)
    new = to_new_request(form, config.services)
    service = config.services[new.service_code].service
    created = await config.store.create(
        new,
        service_name=service.service_name,
        idempotency_key=_scoped(key, api_key) if key else None,
        now=config.clock(),
        with_token=config.tokens_only,
    )
    made = created.request
    log.info("open311 request %s %s (service %s)", made.service_request_id,
             "replayed" if created.replayed else "created", made.service_code)  # fmt: skip
    if config.tokens_only and created.token is not None:
        receipt = Receipt(token=created.token, service_notice=made.service_notice)
    else:
        receipt = Receipt(service_request_id=made.service_request_id,
                          service_notice=made.service_notice)  # fmt: skip
    headers = {REPLAYED_HEADER: "true"} if created.replayed else None
    return _answer(receipts_document([receipt]), fmt, headers)


def _idempotency_key(request: web.Request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not 0 < len(key) <= _MAX_IDEMPOTENCY_KEY or not key.isascii() or not key.isprintable():
        raise Refused(400, f"{IDEMPOTENCY_HEADER} must be 1 to {_MAX_IDEMPOTENCY_KEY} "
                           "printable ASCII characters")  # fmt: skip
    return key


def _scoped(key: str, api_key: str | None) -> str:
    """One client's key can never replay another client's request."""
    client = hashlib.sha256((api_key or "").encode()).hexdigest()[:16]
    return f"{client}:{key}"


def _check_content_type(request: web.Request) -> None:
    if "Content-Type" in request.headers and request.content_type != _FORM_TYPE:
        raise Refused(400, f"send the request as {_FORM_TYPE}")
    if request.charset is not None and request.charset.lower() not in ("utf-8", "utf8"):
        raise Refused(400, "the form must be UTF-8")


async def _read_body(request: web.Request, limit: int) -> bytes:
    """At most `limit` bytes, whatever Content-Length claims or chunked encoding sends."""
    too_big = Refused(413, f"the request body is larger than {limit} bytes")
    if request.content_length is not None and request.content_length > limit:
        raise too_big
    body = bytearray()
    while chunk := await request.content.read(64 * 1024):
        body += chunk
        if len(body) > limit:
            raise too_big
    return bytes(body)
