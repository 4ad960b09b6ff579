"""Proof that a request came from Alexa: the checks Amazon requires of a skill's web service.

Anyone can post an Alexa-shaped envelope to our endpoint; only Amazon can sign one.
Amazon's "Verify that the request was sent by Alexa" steps, in order: the
`SignatureCertChainUrl` header must point into Amazon's certificate bucket; the PEM
chain found there must be in date, name `echo-api.amazon.com`, and lead to a trusted
root; the `Signature-256` header must then be an RSA SHA-256 signature of the exact
body bytes by that certificate's key. The timestamp check lives in `skill.alexa`.

Chains are fetched once per URL and kept; each use still checks them against the clock.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import certifi
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
MAX_CACHED_CHAINS = 32  # Amazon rotates its signing certificate rarely

Fetch = Callable[[str], Awaitable[bytes]]


class SignatureError(BadRequest):
    """The request is not provably from Alexa; Amazon asks for a 400 answer."""


async def fetch_chain(url: str) -> bytes:
    """Download a certificate chain, refusing anything slow or oversized."""
    timeout = aiohttp.ClientTimeout(total=5)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as resp:
            if resp.status != 200:
                raise SignatureError(f"certificate chain URL answered HTTP {resp.status}")
            body = await resp.content.read(MAX_CHAIN_BYTES + 1)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise SignatureError(f"cannot download the certificate chain: {exc}") from None
    if len(body) > MAX_CHAIN_BYTES:
        raise SignatureError("certificate chain is too large")
    return body


def trusted_roots() -> list[x509.Certificate]:
    """The Mozilla root store as shipped by certifi: the roots Amazon's chain leads to."""
    return x509.load_pem_x509_certificates(Path(certifi.where()).read_bytes())


def check_cert_url(url: str) -> None:
    """Amazon's URL rules: https, host s3.amazonaws.com, port 443, path under /echo.api/."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise SignatureError("signature certificate URL is malformed") from None
    path = posixpath.normpath(parts.path) if parts.path else ""
    if (
        parts.scheme.lower() != "https"
        or (parts.hostname or "").lower() != CERT_HOST
        or port not in (None, 443)
        or not (path + "/").startswith(CERT_PATH_PREFIX)
        or path.rstrip("/") + "/" == CERT_PATH_PREFIX
    ):
        raise SignatureError("signature certificate URL is not Amazon's")


class SignatureVerifier:
    """Checks Alexa request signatures; `roots` and `fetch` are swappable for tests only."""

    def __init__(
        self,
        *,
        roots: Sequence[x509.Certificate] | None = None,
        fetch: Fetch = fetch_chain,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = Store(list(roots) if roots is not None else trusted_roots())
        self._fetch = fetch
        self._clock = clock
        self._chains: dict[str, list[x509.Certificate]] = {}

    async def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        url = headers.get(CERT_URL_HEADER)
        signature = headers.get(SIGNATURE_HEADER)
        if not url or not signature:
            raise SignatureError(
                f"missing {CERT_URL_HEADER} or {SIGNATURE_HEADER} header: only Alexa can call "
                "this endpoint (set alexa_verify_signature = false to test without Alexa)"
            )
        check_cert_url(url)
        leaf = self._valid_leaf(await self._chain(url))
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

    async def _chain(self, url: str) -> list[x509.Certificate]:
        chain = self._chains.get(url)
        if chain is None:
            try:
                chain = x509.load_pem_x509_certificates(await self._fetch(url))
            except ValueError:
                raise SignatureError("certificate chain is not PEM certificates") from None
            if len(self._chains) >= MAX_CACHED_CHAINS:
                self._chains.pop(next(iter(self._chains)))
            self._chains[url] = chain
        return chain

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
