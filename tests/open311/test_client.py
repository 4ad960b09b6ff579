"""Open311Client over real loopback sockets, against small servers that play a city.

Each server here is a real aiohttp application on 127.0.0.1 and a free port; it answers
the way a municipality's endpoint might (XML only, failing then recovering, hanging,
issuing tokens, refusing a key) and records what the client sent so tests can check it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import open311.client as client_module
from open311.client import Open311Client
from open311.errors import ErrorItem, Open311ProtocolError, Open311Rejected, Open311Unavailable
from open311.types import NewRequest, Receipt
from tests.conftest import free_port
from tests.open311.test_parse import (
    DEFINITION_XML,
    DISCOVERY_JSON,
    ERRORS_JSON,
    ERRORS_XML,
    POST_ANSWER_XML,
    REQUESTS_JSON,
    REQUESTS_XML,
    SERVICES_JSON,
    SERVICES_XML,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
JSON = "application/json"
XML = "text/xml"

ONE_REQUEST_JSON = b"""[{"service_request_id":"r-1","status":"open","service_code":"001",
"requested_datetime":"2026-11-23T10:00:00-05:00","address":"100 Main St"}]"""

RESIDENT = NewRequest(
    service_code="001",
    address_string="17 Secret Lane, Oshawa",
    lat=43.897,
    long=-78.865,
    description="Bin left on the road",
    attributes={"BINS": ("2",), "KINDS": ("green", "blue")},
    email="jane.resident@example.org",
    first_name="Janeresident",
    last_name="Doeresident",
    phone="905-555-0199",
)


def answer(body: bytes, content_type: str = JSON, status: int = 200) -> web.Response:
    return web.Response(body=body, status=status, content_type=content_type, charset="utf-8")


@asynccontextmanager
async def city(routes: dict[tuple[str, str], Handler]) -> AsyncIterator[str]:
    """A real server with the given (method, path) handlers; yields its base URL."""
    app = web.Application()
    for (method, path), handler in routes.items():
        app.router.add_route(method, "/v2/" + path, handler)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        yield f"http://127.0.0.1:{server.port}/v2/"
    finally:
        await server.close()


def fixed(body: bytes, content_type: str = JSON, status: int = 200) -> Handler:
    async def handle(request: web.Request) -> web.Response:
        return answer(body, content_type, status)

    return handle


def recording(seen: list[web.Request], reply: Handler) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        await request.read()
        seen.append(request)
        return await reply(request)

    return handle


# ------------------------------------------------------------------ reading documents


async def test_json_server_every_get() -> None:
    seen: list[web.Request] = []
    routes = {
        ("GET", "discovery.json"): fixed(DISCOVERY_JSON),
        ("GET", "services.json"): recording(seen, fixed(SERVICES_JSON)),
        ("GET", "services/{code}.json"): fixed(b'{"service_code":"001","attributes":[]}'),
        ("GET", "requests.json"): recording(seen, fixed(REQUESTS_JSON)),
    }
    async with city(routes) as url, Open311Client(base_url=url, jurisdiction_id="durham.ca") as c:
        discovery = await c.discovery()
        assert discovery.endpoints[0].url == "http://open311.mycity.gov/v2"
        assert [s.service_code for s in await c.services()] == ["001", "002", "003"]
        assert (await c.definition("001")).attributes == ()
        found = await c.requests(
            service_code="006",
            start=datetime(2010, 4, 1, tzinfo=UTC),
            end=datetime(2010, 4, 30, tzinfo=UTC),
            status="open",
        )
        assert [r.service_request_id for r in found] == ["638344", "638349"]
        await c.requests(ids=["638344", "638349"])
    assert seen[0].query["jurisdiction_id"] == "durham.ca"
    assert "api_key" not in seen[0].query  # the key goes only with a POST
    assert dict(seen[1].query) == {
        "service_code": "006",
        "start_date": "2010-04-01T00:00:00Z",
        "end_date": "2010-04-30T00:00:00Z",
        "status": "open",
        "jurisdiction_id": "durham.ca",
    }
    assert seen[2].query["service_request_id"] == "638344,638349"


async def test_xml_only_server() -> None:
    routes = {
        ("GET", "services.xml"): fixed(SERVICES_XML, XML),
        ("GET", "services/{code}.xml"): fixed(DEFINITION_XML, XML),
        ("POST", "requests.xml"): fixed(POST_ANSWER_XML, XML),
        ("GET", "requests/{id}.xml"): fixed(REQUESTS_XML.replace(b"638349", b"638344"), XML),
    }
    async with city(routes) as url:
        async with Open311Client(base_url=url, format="xml") as c:
            assert len(await c.services()) == 3
            assert (await c.definition("DMV66")).attributes[0].code == "WHISHETN"
            receipt = await c.submit(RESIDENT)
            assert receipt.service_request_id == "293944"
            request = await c.request("638344")
            assert request is not None and request.status == "closed"
        async with Open311Client(base_url=url, format="json") as c:
            with pytest.raises(Open311Rejected) as refused:
                await c.services()  # this server has no .json: a 404, said plainly
    assert refused.value.status == 404
    assert refused.value.errors == (ErrorItem("404", "the server gave no GeoReport error list"),)


async def test_xml_body_under_a_json_name_is_read_by_its_content_type() -> None:
    async with (
        city({("GET", "services.json"): fixed(SERVICES_XML, "application/xml")}) as url,
        Open311Client(base_url=url) as c,
    ):
        assert len(await c.services()) == 3


async def test_request_by_id_none_on_404_and_ids_stay_one_segment() -> None:
    ids: list[str] = []

    async def one(request: web.Request) -> web.Response:
        ids.append(request.match_info["id"])
        if request.match_info["id"] == "r-1":
            return answer(ONE_REQUEST_JSON)
        return answer(ERRORS_JSON.replace(b"403", b"404"), status=404)

    async with city({("GET", "requests/{id}.json"): one}) as url, Open311Client(base_url=url) as c:
        found = await c.request("r-1")
        assert found is not None and found.address == "100 Main St"
        assert await c.request("no-such") is None
        assert await c.request("../services") is None
        with pytest.raises(ValueError, match="must not be empty"):
            await c.request("")
    assert ids == ["r-1", "no-such", "../services"]


# ------------------------------------------------------------------ submitting


async def test_submit_sends_the_spec_form() -> None:
    seen: list[web.Request] = []
    forms: list[Any] = []

    async def accept(request: web.Request) -> web.Response:
        forms.append(await request.post())
        return answer(b'[{"service_request_id":"r-9","service_notice":"Thanks"}]')

    routes = {("POST", "requests.json"): recording(seen, accept)}
    async with (
        city(routes) as url,
        Open311Client(base_url=url, api_key="k-1", jurisdiction_id="durham.ca") as c,
    ):
        receipt = await c.submit(RESIDENT, idempotency_key="idem-42")
        await c.submit(NewRequest(service_code="002", address_id="A-7"))
    assert receipt == Receipt(service_request_id="r-9", service_notice="Thanks")
    sent, bare = forms
    assert sent["api_key"] == "k-1" and sent["jurisdiction_id"] == "durham.ca"
    assert (sent["service_code"], sent["lat"], sent["long"]) == ("001", "43.897", "-78.865")
    assert sent["address_string"] == "17 Secret Lane, Oshawa"
    assert sent["phone"] == "905-555-0199" and sent["email"] == "jane.resident@example.org"
    assert sent["attribute[BINS]"] == "2"
    assert sent.getall("attribute[KINDS][]") == ["green", "blue"]
    assert "device_id" not in sent and "media_url" not in sent
    assert seen[0].headers["Idempotency-Key"] == "idem-42"
    assert seen[0].content_type == "application/x-www-form-urlencoded"
    assert "jurisdiction_id" not in seen[0].query  # in the body, not the URL
    assert dict(bare) == {
        "service_code": "002",
        "api_key": "k-1",
        "jurisdiction_id": "durham.ca",
        "address_id": "A-7",
    }
    assert "Idempotency-Key" not in seen[1].headers


async def test_wrong_api_key_is_a_403_rejection() -> None:
    async def guarded(request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("api_key") != "right":
            return answer(ERRORS_XML, XML, status=403)
        return answer(POST_ANSWER_XML, XML)

    async with city({("POST", "requests.xml"): guarded}) as url:
        async with Open311Client(base_url=url, api_key="wrong", format="xml") as c:
            with pytest.raises(Open311Rejected) as refused:
                await c.submit(RESIDENT)
        async with Open311Client(base_url=url, api_key="right", format="xml") as c:
            assert (await c.submit(RESIDENT)).service_request_id == "293944"
    assert refused.value.status == 403
    assert refused.value.errors == (
        ErrorItem("403", "Invalid api_key received -- can't proceed with create_request."),
    )


async def test_400_with_the_error_list_is_rejected_with_those_errors() -> None:
    errors = b'[{"code":"missing_location","description":"A location is required."},' + (
        b'{"code":400,"description":"service_code 999 is unknown."}]'
    )
    routes = {("POST", "requests.json"): fixed(errors, status=400)}
    async with city(routes) as url, Open311Client(base_url=url) as c:
        with pytest.raises(Open311Rejected) as refused:
            await c.submit(NewRequest(service_code="999"))
    assert refused.value.status == 400
    assert refused.value.errors == (
        ErrorItem("missing_location", "A location is required."),
        ErrorItem("400", "service_code 999 is unknown."),
    )
    assert "A location is required." in str(refused.value)


async def test_a_4xx_html_page_becomes_one_synthesized_error() -> None:
    routes = {("GET", "services.json"): fixed(b"<html>Nope</html>", "text/html", 410)}
    async with city(routes) as url, Open311Client(base_url=url) as c:
        with pytest.raises(Open311Rejected) as refused:
            await c.services()
    assert refused.value.status == 410
    assert [e.code for e in refused.value.errors] == ["410"]


# ------------------------------------------------------------------ tokens


async def test_token_flow_polls_until_the_id_exists() -> None:
    polls: list[str] = []

    async def token(request: web.Request) -> web.Response:
        polls.append(request.match_info["token"])
        if len(polls) < 3:
            return answer(b'[{"token":"tk-1","service_request_id":null}]')
        return answer(b'[{"token":"tk-1","service_request_id":"r-77"}]')

    routes = {
        ("POST", "requests.json"): fixed(b'[{"token":"tk-1"}]'),
        ("GET", "tokens/{token}.json"): token,
    }
    async with (
        city(routes) as url,
        Open311Client(base_url=url, token_poll_interval=0.01, token_poll_timeout=10) as c,
    ):
        receipt = await c.submit(RESIDENT)
        assert (receipt.token, receipt.service_request_id) == ("tk-1", None)
        assert await c.wait_for_id(receipt) == "r-77"
        assert (await c.token("tk-1")).service_request_id == "r-77"
        assert await c.wait_for_id(Receipt(service_request_id="r-1")) == "r-1"  # no polling
    assert polls == ["tk-1"] * 4


async def test_a_token_that_never_resolves_is_unavailable() -> None:
    routes = {("GET", "tokens/{token}.json"): fixed(b'[{"token":"tk-2"}]')}
    async with (
        city(routes) as url,
        Open311Client(base_url=url, token_poll_interval=0.02, token_poll_timeout=0.1) as c,
    ):
        with pytest.raises(Open311Unavailable, match="not resolved to an id"):
            await c.wait_for_id(Receipt(token="tk-2"))
        with pytest.raises(Open311ProtocolError, match="neither service_request_id nor token"):
            await c.wait_for_id(Receipt())


async def test_token_polling_rides_out_a_passing_failure() -> None:
    calls: list[int] = []

    async def flaky(request: web.Request) -> web.Response:
        calls.append(1)
        if len(calls) == 1:
            return answer(b"busy", "text/plain", 503)
        return answer(b'[{"token":"tk-3","service_request_id":"r-3"}]')

    async with (
        city({("GET", "tokens/{token}.json"): flaky}) as url,
        Open311Client(base_url=url, token_poll_interval=0.01) as c,
    ):
        assert await c.wait_for_id(Receipt(token="tk-3")) == "r-3"
    assert len(calls) == 2


# ------------------------------------------------------------------ failures


async def test_500_then_ok() -> None:
    calls: list[int] = []

    async def recovering(request: web.Request) -> web.Response:
        calls.append(1)
        if len(calls) == 1:
            return answer(b"<h1>Internal Server Error</h1>", "text/html", 500)
        return answer(SERVICES_JSON)

    async with (
        city({("GET", "services.json"): recovering}) as url,
        Open311Client(base_url=url) as c,
    ):
        with pytest.raises(Open311Unavailable, match="HTTP 500"):
            await c.services()
        assert len(await c.services()) == 3  # the same pooled client carries on


@pytest.mark.parametrize("status", [408, 429, 502, 503])
async def test_retryable_statuses_are_unavailable(status: int) -> None:
    routes = {("POST", "requests.json"): fixed(ERRORS_JSON, status=status)}
    async with city(routes) as url, Open311Client(base_url=url) as c:
        with pytest.raises(Open311Unavailable, match=f"HTTP {status}"):
            await c.submit(RESIDENT)


async def test_a_server_hanging_past_the_timeout_is_unavailable() -> None:
    release = asyncio.Event()

    async def hang(request: web.Request) -> web.Response:
        await release.wait()
        return answer(SERVICES_JSON)

    async with city({("GET", "services.json"): hang}) as url:
        try:
            async with Open311Client(base_url=url, timeout=0.2) as c:
                with pytest.raises(Open311Unavailable, match="timed out"):
                    await c.services()
        finally:
            release.set()  # let the server's handler finish so it closes at once


async def test_nobody_listening_is_unavailable() -> None:
    async with Open311Client(base_url=f"http://127.0.0.1:{free_port()}/v2/") as c:
        with pytest.raises(Open311Unavailable, match="POST requests"):
            await c.submit(RESIDENT)


@pytest.mark.parametrize(
    "body",
    [b"<html>It works!</html>", b"", b'{"unexpected": true}', b"[1,2,3]"],
)
async def test_unparseable_success_bodies_are_protocol_errors(body: bytes) -> None:
    async with (
        city({("GET", "services.json"): fixed(body, "text/html")}) as url,
        Open311Client(base_url=url) as c,
    ):
        with pytest.raises(Open311ProtocolError):
            await c.services()


async def test_an_oversized_answer_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "MAX_BODY", 4096)
    huge = b"[" + b",".join([b'{"service_code":"1","service_name":"x"}'] * 500) + b"]"
    async with (
        city({("GET", "services.json"): fixed(huge)}) as url,
        Open311Client(base_url=url) as c,
    ):
        with pytest.raises(Open311ProtocolError, match="larger than 4096 bytes"):
            await c.services()


# ------------------------------------------------------------------ privacy and lifecycle


async def test_logs_and_errors_never_carry_personal_data(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="open311.client")
    routes = {
        ("POST", "requests.json"): fixed(b'[{"service_request_id":"r-1"}]'),
        ("GET", "requests.json"): fixed(ONE_REQUEST_JSON),
    }
    failures: list[str] = []
    async with city(routes) as url, Open311Client(base_url=url, api_key="secret-key") as c:
        await c.submit(RESIDENT, idempotency_key="idem-1")
        await c.requests()
    async with Open311Client(base_url=f"http://127.0.0.1:{free_port()}/v2/") as c:
        try:
            await c.submit(RESIDENT)
        except Open311Unavailable as exc:
            failures.append(str(exc))
    text = caplog.text + " ".join(failures)
    assert "open311 POST requests -> 200" in caplog.text  # it does log, just not people
    for personal in ("Secret Lane", "jane.resident", "Janeresident", "Doeresident", "0199",
                     "100 Main St", "43.897", "secret-key", "Bin left"):  # fmt: skip
        assert personal not in text


async def test_close_leaves_a_handed_in_session_open() -> None:
    async with city({("GET", "services.json"): fixed(SERVICES_JSON)}) as url:
        async with aiohttp.ClientSession() as session:
            c = Open311Client(base_url=url, session=session)
            assert len(await c.services()) == 3
            await c.close()
            assert not session.closed
            assert len(await c.services()) == 3  # still usable: the session is the caller's
        own = Open311Client(base_url=url.rstrip("/"))  # a base URL without its slash works
        assert len(await own.services()) == 3
        await own.close()
        await own.close()  # twice is harmless
        assert len(await own.services()) == 3  # a new session is made when needed
        await own.close()


def test_constructor_refuses_bad_settings() -> None:
    with pytest.raises(ValueError, match="format must be one of"):
        Open311Client(base_url="http://127.0.0.1/", format="yaml")
    with pytest.raises(ValueError, match="http"):
        Open311Client(base_url="ftp://example.org/")
    with pytest.raises(ValueError, match="above 0"):
        Open311Client(base_url="http://127.0.0.1/", timeout=0)


async def test_requests_refuses_bad_filters() -> None:
    async with Open311Client(base_url="http://127.0.0.1:9/") as c:
        with pytest.raises(ValueError, match="status must be one of"):
            await c.requests(status="pending")
        with pytest.raises(ValueError, match="timezone-aware"):
            await c.requests(start=datetime(2026, 1, 1))
        with pytest.raises(TypeError, match="sequence of ids"):
            await c.requests(ids="r-1")
