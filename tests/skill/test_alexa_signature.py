"""Alexa request signatures over real HTTP: a local certificate server stands in for Amazon's.

The chain is built here (root -> intermediate -> signing certificate for
echo-api.amazon.com) and served over a real socket at an `/echo.api/` path; the
verifier trusts only this root, and fetches Amazon-shaped URLs from the local server.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from skill.alexa_signature import SignatureError, SignatureVerifier, chain_url, fetch_chain
from skill.app import create_app
from skill.services import Core
from skill.settings import Settings
from tests.conftest import free_port
from tests.skill.test_http import alexa_body

CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-13.pem"
NOW = datetime.now(UTC)


@dataclass
class Issued:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey


def issue(
    name: str, *, issuer: Issued | None = None, ca: bool = False, san: str = "echo-api.amazon.com",
    not_after: datetime = NOW + timedelta(days=30),
) -> Issued:  # fmt: skip
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    if ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
        builder = builder.add_extension(usage, critical=True)
    else:
        usage = x509.KeyUsage(True, False, True, False, False, False, False, False, False)
        builder = builder.add_extension(usage, critical=True)
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), False)
        eku = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])
        builder = builder.add_extension(eku, critical=False)
    return Issued(builder.sign(issuer.key if issuer else key, hashes.SHA256()), key)


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


@pytest.fixture(scope="module")
def root() -> Issued:
    return issue("Test Root CA", ca=True)


@pytest.fixture(scope="module")
def intermediate(root: Issued) -> Issued:
    return issue("Test Intermediate CA", issuer=root, ca=True)


@pytest.fixture(scope="module")
def signer(intermediate: Issued) -> Issued:
    return issue("echo-api.amazon.com", issuer=intermediate)


class CertServer:
    """Serves PEM chains by path, as Amazon's bucket does, and counts what it served."""

    def __init__(self) -> None:
        self.chains: dict[str, bytes] = {}
        self.hits = 0
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.hits += 1
        chain = self.chains.get(request.path)
        if chain is None:
            return web.Response(status=404)
        return web.Response(body=chain, content_type="application/x-pem-file")

    async def fetch(self, url: str) -> bytes:
        """Fetch an Amazon-shaped URL from this server instead, over real HTTP."""
        async with aiohttp.ClientSession() as http, http.get(self.url + urlsplit(url).path) as resp:
            if resp.status != 200:
                raise SignatureError(f"certificate chain URL answered HTTP {resp.status}")
            return await resp.read()


@pytest.fixture
async def certs(root: Issued, intermediate: Issued, signer: Issued) -> AsyncIterator[CertServer]:
    served = CertServer()
    served.chains[urlsplit(CERT_URL).path] = pem(signer.cert, intermediate.cert)
    app = web.Application()
    app.router.add_get("/{tail:.*}", served.handle)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    served.url = str(server.make_url("")).rstrip("/")
    yield served
    await server.close()


@pytest.fixture
async def alexa(
    settings: Settings, core: Core, root: Issued, certs: CertServer
) -> AsyncIterator[Callable[..., Any]]:
    verifier = SignatureVerifier(roots=[root.cert], fetch=certs.fetch)
    app = create_app(replace(settings, alexa_verify_signature=True), core=core,
                     alexa_verifier=verifier)  # fmt: skip
    async with TestClient(TestServer(app, host="127.0.0.1", port=free_port())) as client:

        async def post(body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
            resp = await client.post("/alexa", data=body, headers=headers)
            return resp.status, await resp.json()

        yield post


def signed(body: bytes, key: rsa.RSAPrivateKey, url: str = CERT_URL) -> dict[str, str]:
    signature = key.sign(body, padding.PKCS1v15(), hashes.SHA256())
    return {
        "Content-Type": "application/json",
        "SignatureCertChainUrl": url,
        "Signature-256": base64.b64encode(signature).decode(),
    }


def launch() -> bytes:
    return json.dumps(alexa_body({"type": "LaunchRequest"})).encode()


async def test_a_signed_request_is_answered(alexa: Any, signer: Issued, certs: CertServer) -> None:
    body = launch()
    status, answer = await alexa(body, signed(body, signer.key))
    assert status == 200, answer
    assert answer["response"]["outputSpeech"]["ssml"]
    status, _ = await alexa(launch(), signed(launch(), signer.key))
    assert status == 200
    assert certs.hits == 1  # the chain was fetched once and kept


async def test_an_unsigned_request_is_refused(alexa: Any) -> None:
    status, answer = await alexa(launch(), {"Content-Type": "application/json"})
    assert status == 400
    assert "SignatureCertChainUrl" in answer["error"]


async def test_a_body_changed_after_signing_is_refused(alexa: Any, signer: Issued) -> None:
    headers = signed(launch(), signer.key)
    tampered = launch().replace(b"LaunchRequest", b"SessionEndedRequest")
    status, answer = await alexa(tampered, headers)
    assert status == 400
    assert "does not match" in answer["error"]


async def test_a_signature_that_is_not_base64_is_refused(alexa: Any, signer: Issued) -> None:
    headers = {**signed(launch(), signer.key), "Signature-256": "not base64!"}
    status, answer = await alexa(launch(), headers)
    assert (status, "base64" in answer["error"]) == (400, True)


async def test_a_chain_url_outside_amazons_bucket_is_never_fetched(
    alexa: Any, signer: Issued, certs: CertServer
) -> None:
    body = launch()
    url = "https://evil.example.com/echo.api/echo-api-cert-13.pem"
    status, answer = await alexa(body, signed(body, signer.key, url))
    assert (status, certs.hits) == (400, 0)
    assert "not Amazon's" in answer["error"]


@pytest.mark.parametrize(
    "chain_for",
    [
        pytest.param(lambda root, mid: issue("echo-api.amazon.com", issuer=mid,
                                             not_after=NOW - timedelta(hours=1)), id="expired"),
        pytest.param(lambda root, mid: issue("x", issuer=mid, san="evil.example.com"),
                     id="wrong-name"),
        pytest.param(lambda root, mid: issue("echo-api.amazon.com",
                                             issuer=issue("Other Root", ca=True)),
                     id="untrusted-root"),
    ],
)  # fmt: skip
async def test_a_signing_certificate_that_is_not_valid_is_refused(
    alexa: Any, certs: CertServer, root: Issued, intermediate: Issued,
    chain_for: Callable[[Issued, Issued], Issued],
) -> None:  # fmt: skip
    bad = chain_for(root, intermediate)
    url = "https://s3.amazonaws.com/echo.api/other-cert.pem"
    certs.chains["/echo.api/other-cert.pem"] = pem(bad.cert, intermediate.cert)
    body = launch()
    status, answer = await alexa(body, signed(body, bad.key, url))
    assert status == 400
    assert "signing certificate is not valid" in answer["error"]


async def test_a_chain_url_that_is_not_pem_is_refused(
    alexa: Any, certs: CertServer, signer: Issued
) -> None:
    certs.chains["/echo.api/junk.pem"] = b"<html>not a certificate</html>"
    body = launch()
    url = "https://s3.amazonaws.com/echo.api/junk.pem"
    status, answer = await alexa(body, signed(body, signer.key, url))
    assert (status, "not PEM" in answer["error"]) == (400, True)


@pytest.mark.parametrize(
    "url",
    [
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
        "HTTPS://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
    ],
)
def test_amazons_chain_urls_are_accepted(url: str) -> None:
    assert chain_url(url) == "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"


@pytest.mark.parametrize(
    "url",
    [
        "http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://notamazon.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem",
        "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
        "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert.pem",
        "https://s3.amazonaws.com:notaport/echo.api/x.pem",
        "https://s3.amazonaws.com/echo.api/%2e%2e/attacker-bucket/cert.pem",  # decoded when fetched
        "https://user:pw@s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/",
    ],
)
def test_other_chain_urls_are_refused(url: str) -> None:
    with pytest.raises(SignatureError, match="URL"):
        chain_url(url)


def test_a_query_does_not_make_a_new_chain_url() -> None:
    """Otherwise forged queries would each cost a download and push the real chain out."""
    url = "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"
    assert chain_url(url + "?n=1#x") == url


async def test_a_chain_that_failed_is_not_fetched_again_at_once(
    alexa: Any, certs: CertServer, intermediate: Issued
) -> None:
    stranger = issue("echo-api.amazon.com", issuer=issue("Other Root", ca=True))
    certs.chains["/echo.api/other-cert.pem"] = pem(stranger.cert, intermediate.cert)
    body = launch()
    headers = signed(body, stranger.key, "https://s3.amazonaws.com/echo.api/other-cert.pem")
    assert (await alexa(body, headers))[0] == 400
    status, answer = await alexa(body, headers)
    assert (status, certs.hits) == (400, 1)
    assert "failed a moment ago" in answer["error"]


async def test_requests_arriving_together_share_one_download(
    alexa: Any, certs: CertServer, signer: Issued
) -> None:
    bodies = [launch() for _ in range(3)]
    results = await asyncio.gather(*(alexa(b, signed(b, signer.key)) for b in bodies))
    assert [status for status, _ in results] == [200, 200, 200]
    assert certs.hits == 1


@pytest.fixture
async def slow_bucket(root: Issued, intermediate: Issued, signer: Issued) -> AsyncIterator[str]:
    """Serves a chain in two pieces with a pause between, a huge file, and a redirect."""
    chain = pem(signer.cert, intermediate.cert)

    async def pieces(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(request)
        await resp.write(chain[:1000])
        await asyncio.sleep(0.2)
        await resp.write(chain[1000:])
        return resp

    async def huge(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * (200 * 1024))

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/echo.api/pieces.pem")

    app = web.Application()
    app.router.add_get("/echo.api/pieces.pem", pieces)
    app.router.add_get("/echo.api/huge.pem", huge)
    app.router.add_get("/echo.api/moved.pem", moved)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    await server.close()


async def test_the_chain_download_reads_the_whole_file(
    slow_bucket: str, signer: Issued, intermediate: Issued
) -> None:
    body = await fetch_chain(slow_bucket + "/echo.api/pieces.pem")
    assert body == pem(signer.cert, intermediate.cert)


@pytest.mark.parametrize(("path", "message"), [("/echo.api/huge.pem", "too large"),
                                               ("/echo.api/moved.pem", "HTTP 302")])  # fmt: skip
async def test_the_chain_download_refuses_oversize_and_redirects(
    slow_bucket: str, path: str, message: str
) -> None:
    with pytest.raises(SignatureError, match=message):
        await fetch_chain(slow_bucket + path)


async def test_new_chain_urls_are_fetched_within_a_budget(
    certs: CertServer, root: Issued, signer: Issued
) -> None:
    """Forged URLs cannot make us download at will; the chain already kept still serves."""
    verifier = SignatureVerifier(roots=[root.cert], fetch=certs.fetch, downloads_per_minute=1)
    body = launch()
    await verifier.verify(signed(body, signer.key), body)
    forged = signed(body, signer.key, "https://s3.amazonaws.com/echo.api/forged-1.pem")
    with pytest.raises(SignatureError, match="too many new certificate chain URLs"):
        await verifier.verify(forged, body)
    await verifier.verify(signed(body, signer.key), body)
    assert certs.hits == 1


class Clock:
    """The time the verifier judges certificates at, moved by the test: no sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Renewal:
    """Amazon's bucket serving a signing certificate about to expire, and a way to post."""

    clock: Clock
    expiring: Issued
    post: Callable[[rsa.RSAPrivateKey], Awaitable[tuple[int, dict[str, Any]]]]


@pytest.fixture
async def renewal(
    settings: Settings, core: Core, root: Issued, intermediate: Issued, certs: CertServer
) -> AsyncIterator[Renewal]:
    expiring = issue("echo-api.amazon.com", issuer=intermediate,
                     not_after=NOW + timedelta(minutes=5))  # fmt: skip
    certs.chains[urlsplit(CERT_URL).path] = pem(expiring.cert, intermediate.cert)
    clock = Clock(NOW)
    verifier = SignatureVerifier(roots=[root.cert], fetch=certs.fetch, clock=clock)
    app = create_app(replace(settings, alexa_verify_signature=True), core=core,
                     alexa_verifier=verifier)  # fmt: skip
    async with TestClient(TestServer(app, host="127.0.0.1", port=free_port())) as client:

        async def post(key: rsa.RSAPrivateKey) -> tuple[int, dict[str, Any]]:
            body = launch()
            resp = await client.post("/alexa", data=body, headers=signed(body, key))
            return resp.status, await resp.json()

        yield Renewal(clock, expiring, post)


async def test_a_signing_certificate_renewed_at_the_same_url_is_taken_without_a_restart(
    renewal: Renewal, certs: CertServer, intermediate: Issued
) -> None:
    assert (await renewal.post(renewal.expiring.key))[0] == 200
    assert (await renewal.post(renewal.expiring.key))[0] == 200
    assert certs.hits == 1
    renewed = issue("echo-api.amazon.com", issuer=intermediate)
    certs.chains[urlsplit(CERT_URL).path] = pem(renewed.cert, intermediate.cert)
    renewal.clock.now = NOW + timedelta(minutes=10)  # the first certificate has expired
    status, answer = await renewal.post(renewed.key)
    assert status == 200, answer
    assert certs.hits == 2  # fetched again from the same URL
    assert (await renewal.post(renewed.key))[0] == 200
    assert certs.hits == 2  # and kept again
    status, answer = await renewal.post(renewal.expiring.key)
    assert status == 400  # what the old key signs is no longer Alexa's
    assert "does not match" in answer["error"]


async def test_an_expired_chain_still_served_is_refused_and_not_fetched_again_at_once(
    renewal: Renewal, certs: CertServer
) -> None:
    assert (await renewal.post(renewal.expiring.key))[0] == 200
    renewal.clock.now = NOW + timedelta(minutes=10)
    status, answer = await renewal.post(renewal.expiring.key)
    assert (status, certs.hits) == (400, 2)
    assert "signing certificate is not valid" in answer["error"]
    status, answer = await renewal.post(renewal.expiring.key)
    assert (status, certs.hits) == (400, 2)
    assert "failed a moment ago" in answer["error"]
