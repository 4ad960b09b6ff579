"""The HTTP service: one `create_app(settings)` factory, resources opened in a cleanup context.

Endpoints: POST /alexa, POST /google, POST /model/parse (Rasa's shape),
POST /console/turn, GET /health. Every error leaves as JSON with a 4xx status
and a sentence saying what was wrong; a stack trace never leaves the process.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

from editor.accounts import AccountStore, open_accounts
from editor.app import create_editor_app
from fulfillment.errors import FulfillmentError, SessionStoreError
from fulfillment.types import Turn
from knowledge_base import KnowledgeBaseError
from nlu import NLUError
from open311.backend import create_backend_app
from skill.alexa import AlexaAdapter
from skill.alexa_signature import SignatureVerifier
from skill.content_watch import announce, watching
from skill.errors import BadRequest, Forbidden
from skill.google import GoogleAdapter
from skill.open311_services import open311_services
from skill.services import Core, open_core, utc_now
from skill.settings import Settings
from skill.try_it import try_it_for
from skill.users_cli import editor_db_path

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
CORE = web.AppKey("core", Core)
ALEXA = web.AppKey("alexa", AlexaAdapter)
ALEXA_SIGNATURE = web.AppKey("alexa_signature", SignatureVerifier)
GOOGLE = web.AppKey("google", GoogleAdapter)
MAX_BODY_BYTES = 256 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def create_app(
    settings: Settings, *, core: Core | None = None, alexa_verifier: SignatureVerifier | None = None
) -> web.Application:
    """Build the application; pass `core` to share an already opened one (tests, console).

    `alexa_verifier` replaces the one trusting the public roots (tests sign with their own);
    like it, it is used only while `alexa_verify_signature` is on.
    """
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[error_middleware()])
    app[SETTINGS] = settings
    app[ALEXA] = AlexaAdapter(skill_ids=settings.alexa_skill_ids,
                              max_request_age_seconds=settings.alexa_max_request_age)  # fmt: skip
    if settings.alexa_verify_signature:
        app[ALEXA_SIGNATURE] = alexa_verifier or SignatureVerifier()
    app[GOOGLE] = GoogleAdapter()
    owned = core is None
    core = core or open_core(settings)
    app.cleanup_ctx.append(_core_context(core, owned))
    accounts = open_accounts(database_url=settings.database_url,
                             sqlite_path=editor_db_path(settings))  # fmt: skip
    app.cleanup_ctx.append(_accounts_context(accounts))
    app.add_subapp("/admin", create_editor_app(
        store=core.store,
        accounts=accounts,
        try_it=try_it_for(core),
        timezone=settings.zone,
        secure_cookies=None,  # Secure when the request came over https
        on_publish=_announcer(settings),
        unanswered=core.unanswered,
    ))  # fmt: skip
    if core.requests is not None:  # the embedded Open311 backend, for other clients too
        app.add_subapp("/open311/v2/", create_backend_app(
            services=open311_services(core.kb),
            store=core.requests,
            api_keys=settings.open311_api_keys,
            jurisdiction_id=settings.open311_jurisdiction_id,
            clock=utc_now,
        ))  # fmt: skip
    app.router.add_get("/health", health)
    app.router.add_post("/model/parse", model_parse)
    app.router.add_post("/console/turn", console_turn)
    app.router.add_post("/alexa", alexa)
    app.router.add_post("/google", google)
    return app


def _core_context(core: Core, owned: bool) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        app[CORE] = core
        core.desk.start()  # what an earlier run left in the outbox goes out now
        async with watching(core):  # published content goes live here within seconds
            yield
        if owned:
            await core.close()

    return context


def _accounts_context(
    accounts: AccountStore,
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        yield
        await accounts.close()

    return context


def _announcer(settings: Settings) -> Callable[[int], Awaitable[None]] | None:
    """After a publish in the editor: tell every worker at once (they also poll)."""
    if not settings.redis_url:
        return None
    url = settings.redis_url

    async def announce_version(version: int) -> None:
        await announce(url, version)

    return announce_version


def error_middleware() -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except BadRequest as exc:
            return _error(400, str(exc))
        except Forbidden as exc:
            return _error(403, str(exc))
        except web.HTTPRequestEntityTooLarge:
            return _error(413, f"request body is larger than {MAX_BODY_BYTES} bytes")
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return _error(exc.status, exc.reason)
        except SessionStoreError as exc:
            log.error("session store unavailable: %s", exc)
            return _error(503, "session storage is unavailable; try again shortly")
        except (NLUError, KnowledgeBaseError, FulfillmentError) as exc:
            log.error("core error on %s: %s", request.path, exc)
            return _error(503, "the service is not ready to answer; try again shortly")
        except Exception:
            log.exception("unexpected error on %s", request.path)
            return _error(500, "internal error")

    return middleware


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message, "status": status}, status=status)


async def read_json(request: web.Request) -> Any:
    body = await request.text()
    if not body.strip():
        raise BadRequest("request body is empty; send a JSON object")
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"malformed JSON: {exc}") from None


def text_field(payload: Any, settings: Settings, name: str = "text") -> str:
    if not isinstance(payload, dict):
        raise BadRequest("expected a JSON object")
    text = payload.get(name)
    if not isinstance(text, str):
        raise BadRequest(f"`{name}` must be a string")
    if len(text) > settings.max_text_chars:
        raise BadRequest(f"`{name}` is longer than {settings.max_text_chars} characters")
    return text


async def health(request: web.Request) -> web.Response:
    core = request.app[CORE]
    return web.json_response(
        {
            "status": "ok",
            "engine": core.nlu.name,
            "content_revision": core.kb.revision,
            "sessions": "redis" if core.settings.redis_url else "memory",
        }
    )


async def model_parse(request: web.Request) -> web.Response:
    """Rasa's POST /model/parse: {"text": ...} in, Rasa's parse result out."""
    payload = await read_json(request)
    text = text_field(payload, request.app[SETTINGS])
    return web.json_response((await request.app[CORE].nlu.parse(text)).to_rasa())


async def console_turn(request: web.Request) -> web.Response:
    payload = await read_json(request)
    text = text_field(payload, request.app[SETTINGS])
    session_id = payload.get("session_id")
    if not isinstance(session_id, str) or not session_id.strip() or len(session_id) > 200:
        raise BadRequest("`session_id` must be a non-empty string of at most 200 characters")
    result = await request.app[CORE].dialog.handle(
        Turn(platform="console", session_id=session_id, text=text)
    )
    return web.json_response(
        {
            "reply": result.reply.to_dict(),
            "nlu": result.parse.to_rasa() if result.parse else None,
            "elapsed_ms": round(result.elapsed_ms, 2),
        }
    )


async def alexa(request: web.Request) -> web.Response:
    adapter = request.app[ALEXA]
    raw = await request.read()
    if not raw.strip():
        raise BadRequest("request body is empty; send an Alexa request envelope")
    verifier = request.app.get(ALEXA_SIGNATURE)
    if verifier is not None:
        await verifier.verify(request.headers, raw)
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("request body is not UTF-8 text") from None
    turn = adapter.to_turn(body)
    result = await request.app[CORE].dialog.handle(turn)
    return web.json_response(adapter.to_response(result.reply))


async def google(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    if settings.google_webhook_token is not None:
        expected = f"Bearer {settings.google_webhook_token}"
        if request.headers.get("Authorization") != expected:
            raise Forbidden("missing or wrong webhook token")
    payload = await read_json(request)
    adapter = request.app[GOOGLE]
    turn = adapter.to_turn(payload)
    result = await request.app[CORE].dialog.handle(turn)
    return web.json_response(adapter.to_response(result.reply, payload))
