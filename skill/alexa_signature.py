"""Proof that a request came from Alexa: the checks Amazon requires of a skill's web service.

Anyone can post an Alexa-shaped envelope to our endpoint; only Amazon can sign one.
Amazon's "Verify that the request was sent by Alexa" steps, in order: the
`SignatureCertChainUrl` header must point into Amazon's certificate bucket; the PEM
chain found there must be in date, name `echo-api.amazon.com`, and lead to a trusted
root; the `Signature-256` header must then be an RSA SHA-256 signature of the exact
body bytes by that certificate's key. The timestamp check lives in `skill.alexa`.

Chains are fetched once per URL and kept once valid; each use still checks the clock.
A kept chain whose signing certificate has run out is dropped and fetched again:
Amazon renews its signing certificate at the same URL, and a restart must not be needed.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import re
import ssl
import time
import warnings
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import aiohttp
import certifi
import yarl
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from skill.errors import BadRequest

CERT_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
SIGNING_NAME = "echo-api.amazon.com"
CERT_HOST = "s3.amazonaws.com"
CERT_PATH_PREFIX = "/echo.api/"
MAX_CHAIN_BYTES = 64 * 1024
MAX_CACHED = 32  # chains (Amazon rotates its signing certificate rarely) and failed URLs
FAILURE_SECONDS = 60.0  # a URL that failed is not fetched again for this long
DOWNLOADS_PER_MINUTE = 10  # new chain URLs fetched; Amazon's own is cached after the first
_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)

Fetch = Callable[[str], Awaitable[bytes]]
_T = TypeVar("_T")


class SignatureError(BadRequest):
    """The request is not provably from Alexa; Amazon asks for a 400 answer."""


class DownloadsExhausted(SignatureError):
    """Too many new chain URLs this minute: refused without judging the URL itself."""


async def fetch_chain(url: str) -> bytes:
    """Download a certificate chain whole, refusing redirects, slowness and oversize."""
    timeout = aiohttp.ClientTimeout(total=5)
    tls = ssl.create_default_context(cafile=certifi.where())
    body = bytearray()
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.get(yarl.URL(url, encoded=True), allow_redirects=False, ssl=tls) as resp,
        ):
            if resp.status != 200:
                raise SignatureError(f"certificate chain URL answered HTTP {resp.status}")
            if (resp.content_length or 0) > MAX_CHAIN_BYTES:
                raise SignatureError("certificate chain is too large")
            async for chunk in resp.content.iter_chunked(16 * 1024):
                body += chunk
                if len(body) > MAX_CHAIN_BYTES:
                    raise SignatureError("certificate chain is too large")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise SignatureError(f"cannot download the certificate chain: {exc}") from None
    return bytes(body)


def trusted_roots() -> list[x509.Certificate]:
    """The Mozilla root store as shipped by certifi: the roots Amazon's chain leads to.

    Read one certificate at a time: a few old roots break today's rules (serial 0), and
    cryptography warns now and will refuse them later; losing those must not lose all.
    """
    roots = []
    for block in _PEM_BLOCK.findall(Path(certifi.where()).read_bytes()):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                roots.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                continue
    return roots


def chain_url(url: str) -> str:
    """Amazon's URL rules (https, host s3.amazonaws.com, port 443, path under /echo.api/),
    checked on the URL as the HTTP client will fetch it: percent-decoded, dot segments
    resolved. Returns that URL without query, fragment or credentials, to fetch and key by.
    """
    try:
        parsed = yarl.URL(url)
        port = parsed.explicit_port
    except (ValueError, TypeError):
        raise SignatureError("signature certificate URL is malformed") from None
    path = parsed.raw_path
    if (
        parsed.scheme != "https"
        or (parsed.host or "").lower() != CERT_HOST
        or port not in (None, 443)
        or parsed.user is not None
        or not path.startswith(CERT_PATH_PREFIX)
        or path == CERT_PATH_PREFIX
    ):
        raise SignatureError("signature certificate URL is not Amazon's")
    return str(yarl.URL.build(scheme="https", host=CERT_HOST, path=path, encoded=True))


class SignatureVerifier:
    """Checks Alexa request signatures; `roots` and `fetch` are swappable for tests only.

    A chain is kept once it has proved valid (and checked against the clock on every use)
    until it expires, when it is fetched again as Amazon renews it at the same URL; a URL
    that failed is refused without fetching for a minute, requests arriving together share
    one download, and at most `downloads_per_minute` new URLs are fetched, so forged headers
    cannot make us fetch at will. `clock` is the time certificates are judged at.
    """

    def __init__(
        self,
        *,
        roots: Sequence[x509.Certificate] | None = None,
        fetch: Fetch = fetch_chain,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        downloads_per_minute: int = DOWNLOADS_PER_MINUTE,
    ) -> None:
        self._store = Store(list(roots) if roots is not None else trusted_roots())
        self._budget = downloads_per_minute
        self._started: collections.deque[float] = collections.deque()
        self._fetch = fetch
        self._clock = clock
        self._chains: dict[str, list[x509.Certificate]] = {}
        self._failed: dict[str, float] = {}
        self._downloads: dict[str, asyncio.Future[bytes]] = {}

    async def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        url = headers.get(CERT_URL_HEADER)
        signature = headers.get(SIGNATURE_HEADER)
        if not url or not signature:
            raise SignatureError(
                f"missing {CERT_URL_HEADER} or {SIGNATURE_HEADER} header: only Alexa can call "
                "this endpoint (set alexa_verify_signature = false to test without Alexa)"
            )
        leaf = await self._signing_certificate(chain_url(url))
        try:
            raw = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            raise SignatureError(f"{SIGNATURE_HEADER} is not base64") from None
        key = leaf.public_key()
        if not isinstance(key, RSAPublicKey):
            raise SignatureError("signing certificate does not hold an RSA key")
        try:
            key.verify(raw, body, PKCS1v15(), SHA256())
        except InvalidSignature:
            raise SignatureError("request signature does not match its body") from None

    async def _signing_certificate(self, url: str) -> x509.Certificate:
        chain = self._chains.get(url)
        if chain is not None and not _expired(chain, self._clock()):
            return self._valid_leaf(chain)
        self._chains.pop(url, None)  # expired: not kept, so fetched as a new URL would be
        failed = self._failed.get(url)
        if failed is not None and time.monotonic() - failed < FAILURE_SECONDS:
            raise SignatureError("certificate chain URL failed a moment ago; not fetched again")
        try:
            chain = _certificates(await self._download(url))
            leaf = self._valid_leaf(chain)
        except DownloadsExhausted:
            raise
        except SignatureError:
            _remember(self._failed, url, time.monotonic())
            raise
        _remember(self._chains, url, chain)
        self._failed.pop(url, None)
        return leaf

    async def _download(self, url: str) -> bytes:
        download = self._downloads.get(url)
        if download is None:
            now = time.monotonic()
            while self._started and now - self._started[0] > 60.0:
                self._started.popleft()
            if len(self._started) >= self._budget:
                raise DownloadsExhausted("too many new certificate chain URLs; try again shortly")
            self._started.append(now)
            download = asyncio.ensure_future(self._fetch(url))
            self._downloads[url] = download
            download.add_done_callback(lambda _: self._downloads.pop(url, None))
        return await asyncio.shield(download)

    def _valid_leaf(self, chain: list[x509.Certificate]) -> x509.Certificate:
        """The signing certificate, once it is in date, names Alexa and leads to a root."""
        leaf, intermediates = chain[0], chain[1:]
        verifier = (
            PolicyBuilder()
            .store(self._store)
            .time(self._clock())
            .build_server_verifier(x509.DNSName(SIGNING_NAME))
        )
        try:
            verifier.verify(leaf, intermediates)
        except VerificationError as exc:
            raise SignatureError(f"signing certificate is not valid: {exc}") from None
        return leaf


def _certificates(pem: bytes) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise SignatureError("certificate chain is not PEM certificates") from None


def _expired(chain: Sequence[x509.Certificate], now: datetime) -> bool:
    """Whether a kept chain's signing certificate is past its not-after, so that only a new
    download can help. The leaf alone: a chain may carry spare certificates the path does
    not use, and one of those running out must not make every request download again."""
    return chain[0].not_valid_after_utc < now


def _remember(cache: dict[str, _T], key: str, value: _T) -> None:
    """Insert, dropping the oldest entry beyond MAX_CACHED: forged URLs cannot grow it."""
    cache.pop(key, None)
    if len(cache) >= MAX_CACHED:
        cache.pop(next(iter(cache)))
    cache[key] = value
