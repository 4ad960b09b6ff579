"""The `durham311` command: serve, console, nlu train / parse / evaluate, content check."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from aiohttp import web

from fulfillment.errors import FulfillmentError
from knowledge_base import KnowledgeBaseError
from nlu import NLUError
from nlu import training_data as rasa_yaml
from nlu.engine import NLUTrainer
from nlu.evaluate import evaluate
from nlu.rasa_server import RasaTrainer
from nlu.spacy_engine import SpacyTrainer
from skill import content_cli, requests_cli, users_cli
from skill.console import StaffRunner
from skill.content_watch import watching
from skill.errors import SkillError
from skill.services import Core, open_core, published_gazetteers
from skill.settings import ENGINES, Settings

T = TypeVar("T")
log = logging.getLogger(__name__)

DEFAULT_TRAINING_DATA = Path(__file__).resolve().parent.parent / "nlu" / "data" / "nlu.yml"
# Written independently of the training data; evaluate's default.
DEFAULT_TEST_DATA = DEFAULT_TRAINING_DATA.parents[2] / "tests" / "data" / "heldout_nlu.yml"
DEFAULT_SAFETY_SET = DEFAULT_TEST_DATA.with_name("safety_set.yml")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="durham311", description="Durham Region 311 voice assistant."
    )
    parser.add_argument(
        "--settings", type=Path, help="a TOML settings file (DURHAM311_* variables override it)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the HTTP service (Alexa, Google, /model/parse, console API)",
        description="Run the HTTP service with the configured content and NLU model.",
    )
    serve.add_argument("--host", help="address to listen on (default from settings: 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default from settings: 8311)")

    console = commands.add_parser(
        "console",
        help="talk to the assistant in a terminal",
        description="Interactive text console; shows the reply and what NLU understood.",
    )
    console.add_argument(
        "--script",
        type=Path,
        action="extend",
        nargs="+",
        help="play a conversation file and exit non-zero on the first mismatch (repeatable)",
    )
    console.add_argument(
        "--keep-going",
        action="store_true",
        help="with --script: play every file, then print how many passed and failed",
    )

    nlu = commands.add_parser(
        "nlu",
        help="train, try and evaluate the NLU model",
        description="Train, try and evaluate the NLU model.",
    )
    nlu_commands = nlu.add_subparsers(dest="nlu_command", required=True, metavar="NLU_COMMAND")
    nlu_train = nlu_commands.add_parser(
        "train",
        help="train an engine on a Rasa NLU YAML file",
        description="Train an NLU engine on any Rasa NLU YAML file and save its model. "
        "The Rasa engine trains DIET in its own Python 3.10 environment, installed on first use.",
    )
    nlu_train.add_argument(
        "--data", type=Path, default=DEFAULT_TRAINING_DATA, help="training data (Rasa YAML)"
    )
    nlu_train.add_argument("--engine", choices=ENGINES, help="override the configured engine")
    nlu_train.add_argument(
        "--out",
        type=Path,
        help="where the model goes (default: the model directory from settings for spacy, "
        "a `rasa` directory beside it for rasa)",
    )
    nlu_train.add_argument(
        "--epochs", type=int, help="rasa only: override DIET's epochs (default: its config's)"
    )
    nlu_parse = nlu_commands.add_parser(
        "parse",
        help="parse one utterance and print the result as JSON",
        description="Parse one utterance; prints Rasa's /model/parse JSON.",
    )
    nlu_parse.add_argument("text")
    nlu_parse.add_argument("--engine", choices=ENGINES, help="override the configured engine")
    nlu_eval = nlu_commands.add_parser(
        "evaluate",
        help="evaluate the model on a held-out Rasa NLU YAML file",
        description="Report accuracy, F1, per-intent and per-entity scores.",
    )
    nlu_eval.add_argument("file", type=Path, nargs="?", default=DEFAULT_TEST_DATA)
    nlu_eval.add_argument("--engine", choices=ENGINES, help="override the configured engine")
    nlu_eval.add_argument("--json", action="store_true", help="print the report as JSON")
    nlu_eval.add_argument(
        "--errors", action="store_true", help="also list every misclassified example"
    )

    safety = commands.add_parser(
        "safety",
        help="measure the safety check",
        description="Measure how the service answers danger and harmless danger words.",
    )
    safety_commands = safety.add_subparsers(
        dest="safety_command", required=True, metavar="SAFETY_COMMAND"
    )
    safety_eval = safety_commands.add_parser(
        "evaluate",
        help="play a safety set through the dialog and print recall and false alarms",
        description="Play every utterance of a safety set as a first turn and as the answer to "
        "each question the service asks; print danger recall, false alarms and answers.",
    )
    safety_eval.add_argument("file", type=Path, nargs="?", default=DEFAULT_SAFETY_SET)
    safety_eval.add_argument("--json", action="store_true", help="print the report as JSON")
    safety_eval.add_argument("--errors", action="store_true", help="also list every miss")

    content_cli.add_parser(commands)
    users_cli.add_parser(commands)
    requests_cli.add_parser(commands)
    return parser  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.load(os.environ, args.settings)
        # The console's screen is for the conversation; its logs only say what went wrong.
        level = "WARNING" if args.command in ("console", "safety") else settings.log_level.upper()
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        return _run(args, settings)
    except (SkillError, NLUError, KnowledgeBaseError, FulfillmentError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `durham311 nlu evaluate | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        return _serve(
            settings.with_values({k: v for k, v in (("host", args.host), ("port", args.port)) if v})
        )
    if args.command == "console":
        return asyncio.run(_console(settings, args.script, keep_going=args.keep_going))
    if args.command == "safety":
        return asyncio.run(_safety(settings, args))
    if args.command == "requests":
        return requests_cli.run(args, settings)
    if args.command == "content":
        return content_cli.run(args, settings)
    if args.command == "users":
        return users_cli.run(args, settings)
    return _nlu(args, settings)  # fmt: skip


def _nlu(args: argparse.Namespace, settings: Settings) -> int:
    if args.engine:
        settings = settings.with_values({"engine": args.engine})
    if args.nlu_command == "train":
        model = _trainer(settings, args.epochs).train(args.data, out=_model_out(settings, args.out))
        print(
            f"trained {model.intents} intents on {model.examples} examples "
            f"in {model.seconds:.1f} s -> {model.path}"
        )
        return 0
    if args.nlu_command == "parse":
        result = asyncio.run(_using_core(settings, lambda core: core.nlu.parse(args.text)))
        print(json.dumps(result.to_rasa(), indent=2))
        return 0
    data = rasa_yaml.load(args.file)
    # the engine as served, with its knowledge-base gazetteers
    scores = asyncio.run(_using_core(settings, lambda core: evaluate(core.nlu, data)))
    if args.json:
        print(json.dumps(scores.to_dict(), indent=2))
    else:
        print(scores.to_text())
        if args.errors:
            print("\nmisclassified:")
            for e in scores.errors:
                print(f"  {e['expected']} -> {e['predicted']}: {e['text']}")
    return 0  # fmt: skip


def _trainer(settings: Settings, epochs: int | None) -> NLUTrainer:
    if settings.engine == "rasa":
        return RasaTrainer(epochs=epochs, log=lambda line: print(line, file=sys.stderr))
    if epochs is not None:
        raise SkillError("--epochs is for the rasa engine; ours has no epochs")
    return SpacyTrainer(gazetteers=published_gazetteers(settings))


def _model_out(settings: Settings, out: Path | None) -> Path:
    if out is not None:
        return out
    return settings.model_dir.parent / "rasa" if settings.engine == "rasa" else settings.model_dir


async def _using_core(settings: Settings, use: Callable[[Core], Awaitable[T]]) -> T:
    core = open_core(settings)
    try:
        return await use(core)
    finally:
        await core.close()


def _serve(settings: Settings) -> int:
    from skill.app import create_app

    print(f"durham311 listening on http://{settings.host}:{settings.port} "
          f"(engine {settings.engine}, content {settings.content_db})", flush=True)  # fmt: skip
    if not settings.alexa_skill_ids:
        log.warning("DURHAM311_ALEXA_SKILL_IDS is unset: /alexa answers any skill's requests")
    if not settings.alexa_verify_signature:
        log.warning("Alexa signatures are not checked: never run this way in production")
    app = create_app(settings)
    app.on_startup.append(_freeze_startup_objects)  # after the core is opened
    web.run_app(app, host=settings.host, port=settings.port, print=None)
    return 0


async def _freeze_startup_objects(app: web.Application) -> None:
    """Take the loaded model and content out of the cyclic collector's sight.

    They live as long as the process; scanned in every full collection, they show up as
    a slow request now and then.
    """
    gc.collect()
    gc.freeze()


async def _safety(settings: Settings, args: argparse.Namespace) -> int:
    from skill.safety_eval import evaluate, load_set

    items = load_set(args.file)
    report = await _using_core(settings, lambda core: evaluate(core.dialog, core.kb, items))
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
        return 0
    print(report.to_text())
    if args.errors and report.failures:
        print("\nmisses:")
        print("\n".join(f"  {line}" for line in report.failures))
    return 0


async def _console(settings: Settings, scripts: list[Path] | None, *, keep_going: bool) -> int:
    from skill.console import interactive, load_script, play

    core = open_core(settings)
    try:
        if not scripts:
            async with watching(core):  # a publish made meanwhile is heard at once
                await interactive(core.dialog)
            return 0
        failed = 0
        for path in scripts:
            script = load_script(path, settings.zone)
            lines: list[str] = []
            outcome = await play(core.dialog, script, out=lines.append if keep_going else print,
                                 staff=staff_runner(settings))  # fmt: skip
            if outcome.passed:
                print(f"passed {path} ({outcome.turns_run} turns)")
                continue
            failed += 1
            print(f"FAILED {path}: turn {outcome.turns_run}: {outcome.problems[0]}",
                  file=sys.stderr)  # fmt: skip
            if not keep_going:
                return 1
        if keep_going:
            print(f"conversations: {len(scripts) - failed} passed, {failed} failed "
                  f"({(len(scripts) - failed) / len(scripts):.1%})")  # fmt: skip
        return 1 if failed else 0
    finally:
        await core.close()


def staff_runner(settings: Settings) -> StaffRunner:
    """Runs the staff commands of a conversation file (`durham311 requests ...`) in process,
    with the same settings as the dialog, so a script can check what residents hear next."""

    async def run(args: list[str]) -> tuple[int, str]:
        try:
            parsed = build_parser().parse_args(args)
        except SystemExit:
            return 2, f"error: not a durham311 command: {' '.join(args)}"
        if parsed.command != "requests":
            return 2, "error: a conversation file can run only `requests` commands"
        try:
            lines = await requests_cli.perform(parsed, settings)
        except SkillError as exc:
            return 2, f"error: {exc}"
        return 0, "\n".join(lines)

    return run


if __name__ == "__main__":
    sys.exit(main())
