"""`durham311 requests`: staff look at and update the embedded Open311 backend's requests.

It opens the same store the service uses (SQLite file or PostgreSQL, from Settings), so
an update here is what GET requests answers next. Bad input raises `SkillError`, which
the CLI prints as one `error: ...` line with exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from fulfillment.errors import OutboxError
from fulfillment.outbox import EntryState
from open311.errors import Open311Error
from open311.store import MAX_LIMIT, RequestStore, open_request_store
from open311.types import STATUSES, ServiceRequest
from skill.errors import SkillError
from skill.services import open_outbox
from skill.settings import Settings

DEFAULT_LIMIT = 50
REFERENCE = re.compile(r"\d{8}")  # the reference a resident was told (see fulfillment.outbox)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `requests` command and its list / show / update subcommands."""
    requests = commands.add_parser(
        "requests",
        help="list, show and update service requests of the embedded Open311 backend",
        description="Service requests kept by the embedded Open311 backend "
        "(the requests_db file, or PostgreSQL when database_url is set).",
    )
    actions = requests.add_subparsers(dest="requests_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="list requests, newest first")
    listing.add_argument("--status", help="open or closed")
    listing.add_argument("--service", help="only this service_code")
    listing.add_argument("--limit", help=f"at most this many (default {DEFAULT_LIMIT})")
    show = actions.add_parser("show", help="show one request")
    show.add_argument("id", help="the backend's id, or the 8-digit reference the resident heard")
    update = actions.add_parser("update", help="change a request's status, note or date")
    update.add_argument("id", help="the backend's id, or the 8-digit reference the resident heard")
    update.add_argument("--status", help="open or closed")
    update.add_argument("--note", help="status notes the requester can read")
    update.add_argument("--expected", help="expected date, YYYY-MM-DD")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one `requests` subcommand; values are checked before the store is opened."""
    for line in asyncio.run(perform(args, settings)):
        print(line)
    return 0


async def perform(args: argparse.Namespace, settings: Settings) -> list[str]:
    """The lines one `requests` subcommand prints (the console's scripts run it too)."""
    zone = settings.zone
    if args.requests_command == "list":
        action: _Action = _List(_status(args.status), args.service, _limit(args.limit))
    elif args.requests_command == "show":
        action = _Show(args.id)
    else:
        if args.status is None and args.note is None and args.expected is None:
            raise SkillError("nothing to update: give --status, --note or --expected")
        action = _Update(args.id, _status(args.status), args.note, _expected(args.expected, zone))
    if not isinstance(action, _List):
        action = replace(action, id=await _backend_id(action.id, settings))
    store = open_request_store(database_url=settings.database_url, sqlite_path=settings.requests_db)
    return await _perform(action, store, zone)


async def _backend_id(given: str, settings: Settings) -> str:
    """The backend's id for `given`, which may be the reference a resident was told.

    Residents quote the 8-digit reference they heard; staff may quote the backend's id.
    A reference still waiting in the outbox has no backend id yet, and staff are told so.
    """
    if not REFERENCE.fullmatch(given):
        return given
    outbox = open_outbox(settings)
    try:
        entry = await outbox.by_reference(given)
    except OutboxError as exc:
        raise SkillError(f"cannot read the outbox: {exc}") from exc
    finally:
        await outbox.close()
    if entry is None:
        return given
    if entry.state is EntryState.PARKED:
        raise SkillError(f"reference {given} was refused by the backend ({entry.last_error}); "
                         "it was never filed")  # fmt: skip
    if entry.service_request_id is None:
        raise SkillError(f"reference {given} has not reached the backend yet; it is waiting "
                         "in the outbox and will be sent automatically")  # fmt: skip
    return entry.service_request_id


@dataclass(frozen=True, slots=True)
class _List:
    status: str | None
    service: str | None
    limit: int


@dataclass(frozen=True, slots=True)
class _Show:
    id: str


@dataclass(frozen=True, slots=True)
class _Update:
    id: str
    status: str | None
    note: str | None
    expected: datetime | None


_Action = _List | _Show | _Update


async def _perform(action: _Action, store: RequestStore, zone: ZoneInfo) -> list[str]:
    try:
        if isinstance(action, _List):
            found = await store.find(
                status=[action.status] if action.status else None,
                service_code=[action.service] if action.service else None,
                limit=action.limit,
            )
            return [_summary(r, zone) for r in found] or ["no service requests"]
        if isinstance(action, _Show):
            request = await store.get(action.id)
            if request is None:
                raise SkillError(f"no service request {action.id!r}")
            return _details(request, zone)
        updated = await store.update(
            action.id,
            status=action.status,
            note=action.note,
            expected=action.expected,
            now=datetime.now(zone),
        )
        return [f"updated {updated.service_request_id}", *_details(updated, zone)]
    except Open311Error as exc:
        raise SkillError(str(exc)) from exc
    finally:
        await store.close()


def _status(text: str | None) -> str | None:
    if text is not None and text not in STATUSES:
        raise SkillError(f"status must be {' or '.join(STATUSES)}, not {text!r}")
    return text


def _limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise SkillError(f"--limit must be a whole number from 1 to {MAX_LIMIT}, not {text!r}")
    return int(text)


def _expected(text: str | None, zone: ZoneInfo) -> datetime | None:
    """A calendar date, kept as the start of that day in the service's timezone."""
    if text is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        raise SkillError(f"--expected must be a date YYYY-MM-DD, not {text!r}") from None
    return datetime.combine(day, time(0, 0), tzinfo=zone)


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return "-" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _summary(request: ServiceRequest, zone: ZoneInfo) -> str:
    description = (request.description or "").replace("\n", " ")
    if len(description) > 50:
        description = description[:49] + "…"
    return (
        f"{request.service_request_id:>6}  {request.status:<6}  "
        f"{_local(request.requested_datetime, zone)}  {request.service_code}  {description}"
    ).rstrip()


def _details(request: ServiceRequest, zone: ZoneInfo) -> list[str]:
    location = request.address or (
        f"{request.lat}, {request.long}" if request.lat is not None else request.address_id
    )
    rows = [
        ("service_request_id", request.service_request_id),
        ("status", request.status),
        ("service", f"{request.service_code} ({request.service_name or '-'})"),
        ("requested", _local(request.requested_datetime, zone)),
        ("updated", _local(request.updated_datetime, zone)),
        ("expected", _local(request.expected_datetime, zone)),
        ("status_notes", request.status_notes or "-"),
        ("location", location or "-"),
        ("description", request.description or "-"),
        ("media_url", request.media_url or "-"),
    ]
    return [f"{name}: {value}" for name, value in rows]
