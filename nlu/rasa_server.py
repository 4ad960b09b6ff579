"""A real Rasa Open Source server as a second NLU engine, kept apart from our own process.

Rasa 3.6 runs only on Python 3.8-3.10 and brings TensorFlow 2.12 with pins that clash with
ours, so it cannot live in the project's Python 3.11 venv. It gets its own Python 3.10 venv,
built once into a cache outside the checkout (a stamp, written last, marks a finished install,
so an interrupted one is redone), and we talk to it only through its command line and its HTTP
API, as a municipality's existing Rasa deployment would be talked to. Everything that can go
wrong raises `RasaUnavailableError` whose first line says what failed.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import fcntl
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Any

import yaml

from nlu import training_data
from nlu.errors import RasaUnavailableError
from nlu.types import TrainedModel

RASA_VERSION = "3.6.21"
CONFIG = Path(__file__).parent / "rasa" / "config.yml"
MODEL_NAME = "durham311"

# Requirements installed together with rasa==RASA_VERSION. None are needed today: on
# 2026-11-22 a clean `pip install rasa==3.6.21` on Python 3.10.13 resolved (numpy 1.23.5,
# tensorflow 2.12.0, jax 0.4.30, h5py 3.16.0, setuptools 70.3.0, ...), imported, trained
# and served. Rasa pins nearly all its direct dependencies; the unbounded ones are
# TensorFlow's (jax, h5py, ml-dtypes, ...). If a new release of one of those breaks the
# install, pin it here ("name==version") with the reason; the stamp records these pins, so
# changing them rebuilds the environment.
EXTRA_PINS: tuple[str, ...] = ()

# Defaults for the children's environment that keep their output to what matters; a value
# already in our environment wins.
_QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",  # TensorFlow's CUDA/oneDNN/TensorRT notices
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",  # Rasa's tracker store uses SQLAlchemy 1.4 APIs
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PIP_NO_INPUT": "1",
}
_STAMP = ".durham311-installed"
_IMPORT_CHECK = (
    "import rasa, rasa.nlu.classifiers.diet_classifier, rasa.server; print(rasa.__version__)"
)
_TAIL_LINES = 8


def _child_env() -> dict[str, str]:
    # Rasa would otherwise report usage to Rasa's servers (and ask about it on first run).
    return {**_QUIET_ENV, **os.environ, "RASA_TELEMETRY_ENABLED": "false"}


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _tail(text: str, lines: int = _TAIL_LINES) -> str:
    """The last non-empty lines of some output, without colours, joined onto one line."""
    plain = (_ANSI.sub("", line).strip() for line in text.splitlines())
    kept = [line for line in plain if line]
    return " | ".join(kept[-lines:]) or "(no output)"


def _read_tail(path: Path, lines: int = _TAIL_LINES) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            return _tail("".join(collections.deque(f, maxlen=lines * 4)), lines)
    except OSError:
        return "(no output)"


# --- finding Python 3.10 ----------------------------------------------------------------

_VERSION_PROBE = "import sys; print(sys.version_info[0], sys.version_info[1], sys.executable)"


def _probe_python310(candidate: Path | str) -> Path | None:
    """The real interpreter behind `candidate` if it runs and is Python 3.10, else None."""
    try:
        done = subprocess.run(
            [str(candidate), "-c", _VERSION_PROBE],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    parts = done.stdout.strip().split(maxsplit=2)
    if done.returncode != 0 or len(parts) != 3 or parts[:2] != ["3", "10"]:
        return None
    return Path(parts[2])


def _pyenv_root() -> Path:
    pyenv = shutil.which("pyenv")
    if pyenv is not None:
        try:
            done = subprocess.run(
                [pyenv, "root"], capture_output=True, text=True, timeout=30, check=False
            )
        except (OSError, subprocess.SubprocessError):
            pass
        else:
            if done.returncode == 0 and done.stdout.strip():
                return Path(done.stdout.strip())
    return Path.home() / ".pyenv"


def _patch_level(path: Path) -> int:
    # .../versions/3.10.13/bin/python -> 13; newest patch release first
    match = re.fullmatch(r"3\.10\.(\d+)", path.parent.parent.name)
    return int(match.group(1)) if match else -1


def find_python310() -> Path | None:
    """A working Python 3.10: pyenv's newest 3.10.x first, then `python3.10` on PATH."""
    versions = _pyenv_root() / "versions"
    candidates: list[Path | str] = [
        *sorted(versions.glob("3.10.*/bin/python"), key=_patch_level, reverse=True)
    ]
    on_path = shutil.which("python3.10")
    if on_path is not None:
        candidates.append(on_path)
    for candidate in candidates:
        found = _probe_python310(candidate)
        if found is not None:
            return found
    return None


# --- the Rasa environment ---------------------------------------------------------------


def default_home() -> Path:
    """Where the Rasa venv is cached: outside the checkout, so every run and clone reuses it."""
    return Path.home() / ".cache" / "durham311" / f"rasa-{RASA_VERSION}"


def _stamp_text() -> str:
    return json.dumps({"rasa": RASA_VERSION, "pins": list(EXTRA_PINS)}, sort_keys=True) + "\n"


def _installed(venv: Path) -> bool:
    stamp = venv / _STAMP
    try:
        complete = stamp.read_text(encoding="utf-8") == _stamp_text()
    except OSError:
        return False
    return complete and (venv / "bin" / "rasa").is_file() and (venv / "bin" / "python").is_file()


@contextlib.contextmanager
def _locked(home: Path) -> Iterator[None]:
    """One installer per home at a time; a second waits, then finds the stamp."""
    with (home / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _run_logged(
    argv: Sequence[str], *, log_file: Path, what: str, timeout: float, cwd: Path | None = None
) -> None:
    """Run a step with its output appended to `log_file`; raise with its tail if it fails."""
    with log_file.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(argv)}\n")
        out.flush()
        try:
            done = subprocess.run(
                list(argv),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=_child_env(),
                cwd=cwd,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            code = f"timed out after {timeout:.0f} s"
        except OSError as exc:
            raise RasaUnavailableError(f"{what} could not start: {exc}") from exc
        else:
            if done.returncode == 0:
                return
            code = f"exit {done.returncode}"
    raise RasaUnavailableError(
        f"{what} failed ({code}); full log {log_file}; last lines: {_read_tail(log_file)}"
    )


def ensure_environment(
    *, home: Path, python: Path | None = None, log: Callable[[str], None] = print
) -> Path:
    """The `rasa` executable of a complete Rasa install under `home/venv`, installing it if needed.

    Returns at once when the stamp shows a finished install of this version and these pins.
    Otherwise the venv is wiped and rebuilt from scratch (a few minutes; the pip log is kept
    as `home/install.log`), and the stamp is written only after an import check passes.
    """
    venv = home / "venv"
    rasa = venv / "bin" / "rasa"
    if _installed(venv):
        return rasa
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RasaUnavailableError(f"cannot create Rasa home {home}: {exc}") from exc
    with _locked(home):
        if _installed(venv):  # another process finished while we waited
            return rasa
        interpreter = python if python is not None else find_python310()
        if interpreter is None:
            raise RasaUnavailableError(
                f"Rasa {RASA_VERSION} needs Python 3.10 and none was found "
                "(looked in $(pyenv root)/versions/3.10.*/bin/python and for python3.10 on PATH)"
            )
        if _probe_python310(interpreter) is None:
            raise RasaUnavailableError(f"{interpreter} is not a working Python 3.10")

        log_file = home / "install.log"
        try:
            log_file.write_text(f"installing rasa=={RASA_VERSION} with {interpreter}\n")
            if venv.exists():
                log(f"removing incomplete Rasa environment {venv}")
                shutil.rmtree(venv)
        except OSError as exc:
            raise RasaUnavailableError(f"cannot prepare Rasa home {home}: {exc}") from exc
        log(f"creating Python 3.10 venv {venv}")
        _run_logged(
            [str(interpreter), "-m", "venv", str(venv)],
            log_file=log_file,
            what="creating the Python 3.10 venv",
            timeout=300,
        )
        pip = [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "--no-input",
            "--disable-pip-version-check",
        ]
        log("upgrading pip")
        _run_logged(
            [*pip, "install", "--progress-bar", "off", "--upgrade", "pip"],
            log_file=log_file,
            what="pip install --upgrade pip",
            timeout=600,
        )
        wanted = [f"rasa=={RASA_VERSION}", *EXTRA_PINS]
        log(f"pip install {' '.join(wanted)} (a few minutes; log: {log_file})")
        _run_logged(
            [*pip, "install", "--progress-bar", "off", *wanted],
            log_file=log_file,
            what=f"pip install {' '.join(wanted)}",
            timeout=3600,
        )
        log("checking that rasa imports")
        try:
            check = subprocess.run(
                [str(venv / "bin" / "python"), "-c", _IMPORT_CHECK],
                capture_output=True,
                text=True,
                env=_child_env(),
                timeout=600,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise RasaUnavailableError(
                f"Rasa installed but the import check failed: {exc}"
            ) from exc
        version = check.stdout.strip().splitlines()[-1:] if check.returncode == 0 else []
        if version != [RASA_VERSION] or not rasa.is_file():
            raise RasaUnavailableError(
                f"Rasa installed but the import check failed (exit {check.returncode}, "
                f"version {version}): {_tail(check.stdout + check.stderr)}"
            )
        (venv / _STAMP).write_text(_stamp_text(), encoding="utf-8")
        log(f"Rasa {RASA_VERSION} ready: {rasa}")
        return rasa


# --- training ---------------------------------------------------------------------------


def _config_with(config: Path, into: Path, *, epochs: int | None, seed: int | None) -> Path:
    """A copy of `config` whose DIETClassifier has these epochs and this random seed."""
    try:
        loaded: Any = yaml.safe_load(config.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RasaUnavailableError(f"cannot read Rasa config {config}: {exc}") from exc
    pipeline = loaded.get("pipeline") if isinstance(loaded, dict) else None
    diet = [
        step
        for step in pipeline or []
        if isinstance(step, dict) and step.get("name") == "DIETClassifier"
    ]
    if not diet:
        raise RasaUnavailableError(f"{config} has no DIETClassifier whose settings could be set")
    for step in diet:
        if epochs is not None:
            step["epochs"] = epochs
        if seed is not None:
            step["random_seed"] = seed
    copy = into / "config.yml"
    copy.write_text(yaml.safe_dump(loaded, sort_keys=False), encoding="utf-8")
    return copy


def train(
    *,
    rasa: Path,
    data: Path,
    out_dir: Path,
    epochs: int | None = None,
    seed: int | None = None,
    config: Path = CONFIG,
) -> Path:
    """Train an NLU-only Rasa model on `data`; returns `out_dir/durham311.tar.gz`.

    `epochs` overrides DIETClassifier's (for short CI runs), `seed` its random seed (to
    see how much a training's luck moves the result). Rasa writes a `.rasa/cache`
    into its working directory, so it runs in a temporary one and our checkout stays clean.
    """
    if epochs is not None and epochs < 1:
        raise RasaUnavailableError(f"epochs must be at least 1, not {epochs}")
    for what, path in (("training data", data), ("Rasa config", config)):
        if not path.is_file():
            raise RasaUnavailableError(f"{what} {path} does not exist")
    out_dir = out_dir.resolve()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RasaUnavailableError(f"cannot create model directory {out_dir}: {exc}") from exc
    model = out_dir / f"{MODEL_NAME}.tar.gz"
    log_file = out_dir / f"{MODEL_NAME}.train.log"
    with tempfile.TemporaryDirectory(prefix="durham311-rasa-train-") as work:
        cfg = config.resolve()
        if epochs is not None or seed is not None:
            cfg = _config_with(cfg, Path(work), epochs=epochs, seed=seed)
        model.unlink(missing_ok=True)  # so a stale model never passes for a new one
        log_file.write_text("", encoding="utf-8")
        _run_logged(
            [
                str(rasa),
                "train",
                "nlu",
                "--nlu",
                str(data.resolve()),
                "--config",
                str(cfg),
                "--out",
                str(out_dir),
                "--fixed-model-name",
                MODEL_NAME,
            ],
            log_file=log_file,
            what="rasa train nlu",
            timeout=6 * 3600,
            cwd=Path(work),
        )
    if not model.is_file():
        raise RasaUnavailableError(
            f"rasa train nlu wrote no model {model}; last lines: {_read_tail(log_file)}"
        )
    return model


class RasaTrainer:
    """The `NLUTrainer` of the Rasa engine: DIET trained in Rasa's own environment.

    The file is read with our own reader first, so a bad file is refused with its path and
    problem at once instead of minutes later in Rasa's log; the environment is installed
    on first use.
    """

    name = "rasa"

    def __init__(
        self,
        *,
        home: Path | None = None,
        epochs: int | None = None,
        seed: int | None = None,
        config: Path = CONFIG,
        log: Callable[[str], None] = print,
    ) -> None:
        if epochs is not None and epochs < 1:  # refused now, not after an install
            raise RasaUnavailableError(f"epochs must be at least 1, not {epochs}")
        if seed is not None and not 0 <= seed < 2**32:
            raise RasaUnavailableError(f"a DIET seed is from 0 to 2**32-1, not {seed}")
        self.home = home if home is not None else default_home()
        self.epochs, self.seed, self.config, self.log = epochs, seed, config, log
        self._rasa: Path | None = None

    def environment(self) -> Path:
        """The `rasa` executable this trainer trains with (and a server can run), installed once."""
        if self._rasa is None:
            self._rasa = ensure_environment(home=self.home, log=self.log)
        return self._rasa

    def train(self, data: Path, *, out: Path) -> TrainedModel:
        examples = training_data.load(data)
        rasa = self.environment()
        started = time.perf_counter()
        model = train(rasa=rasa, data=data, out_dir=out, epochs=self.epochs, seed=self.seed,
                      config=self.config)  # fmt: skip
        seconds = time.perf_counter() - started
        return TrainedModel("rasa", model, len(examples.examples), len(examples.intents), seconds)


# --- serving ----------------------------------------------------------------------------


class RasaServer:
    """`rasa run --enable-api` on one model, in its own process group, ready when started.

    `start()` returns once `/status` answers and `/model/parse` parses; `stop()` ends the
    whole process group. Usable as a context manager.
    """

    def __init__(
        self,
        *,
        rasa: Path,
        model: Path,
        port: int,
        host: str = "127.0.0.1",
        startup_timeout: float = 300,
    ) -> None:
        self._rasa = rasa
        self._model = model
        self._port = port
        self._host = host
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._output: IO[bytes] | None = None
        self._workdir: Path | None = None

    @property
    def url(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def log_path(self) -> Path | None:
        """Rasa's output while the server runs (a failed start names its kept directory)."""
        return self._workdir / "stdout.log" if self._workdir is not None else None

    def _port_taken(self) -> bool:
        try:
            with socket.create_connection((self._host, self._port), timeout=1):
                return True
        except OSError:
            return False

    def start(self) -> None:
        if self._process is not None:
            raise RasaUnavailableError(f"Rasa server at {self.url} is already started")
        if not self._model.is_file():
            raise RasaUnavailableError(f"Rasa model {self._model} does not exist")
        if self._port_taken():
            raise RasaUnavailableError(
                f"cannot start Rasa: something already listens at {self.url}"
            )
        # Rasa writes into its working directory; give it a private one.
        self._workdir = Path(tempfile.mkdtemp(prefix="durham311-rasa-run-"))
        log = self._workdir / "rasa.log"
        argv = [
            str(self._rasa),
            "run",
            "--enable-api",
            "-m",
            str(self._model.resolve()),
            "-i",
            self._host,
            "-p",
            str(self._port),
            "--log-file",
            str(log),
        ]
        self._output = (self._workdir / "stdout.log").open("wb")
        try:
            self._process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=self._output,
                stderr=subprocess.STDOUT,
                cwd=self._workdir,
                env=_child_env(),
                start_new_session=True,  # own process group: stop() ends every child too
            )
        except OSError as exc:
            self._cleanup(keep_logs=False)
            raise RasaUnavailableError(f"cannot run {self._rasa}: {exc}") from exc
        try:
            self._wait_ready()
        except BaseException:
            self._terminate()
            self._cleanup(keep_logs=True)
            raise

    def _server_output(self) -> str:
        assert self._workdir is not None
        # Rasa's --log-file gets its log lines; stdout.log also has tracebacks and warnings.
        return _read_tail(self._workdir / "stdout.log")

    def _get(self, path: str) -> int:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            status: int = response.status
            return status

    def _parse_works(self) -> bool:
        request = urllib.request.Request(
            self.url + "/model/parse",
            data=json.dumps({"text": "hello"}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            body: Any = json.loads(response.read())
        return response.status == 200 and isinstance(body, dict) and "intent" in body

    def _wait_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self._startup_timeout
        while True:
            code = self._process.poll()
            if code is not None:
                raise RasaUnavailableError(
                    f"Rasa server exited with code {code} while starting; "
                    f"log {self._workdir}; last lines: {self._server_output()}"
                )
            try:
                if self._get("/status") == 200 and self._parse_works():
                    return
            except (OSError, ValueError, http.client.HTTPException):
                pass  # not listening yet, or the model is still loading
            if time.monotonic() >= deadline:
                raise RasaUnavailableError(
                    f"Rasa server at {self.url} was not ready within "
                    f"{self._startup_timeout:.0f} s; log {self._workdir}; "
                    f"last lines: {self._server_output()}"
                )
            time.sleep(0.5)

    def wait(self) -> int:
        """Block until the server exits; returns its exit code."""
        if self._process is None:
            raise RasaUnavailableError("Rasa server is not started")
        return self._process.wait()

    def _terminate(self) -> None:
        process = self._process
        if process is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=15)
                break
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # stragglers left in the group
        self._process = None

    def _cleanup(self, *, keep_logs: bool) -> None:
        if self._output is not None:
            self._output.close()
            self._output = None
        if self._workdir is not None and not keep_logs:
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._workdir = None

    def stop(self) -> None:
        """SIGTERM to the server's process group, SIGKILL after 15 s. Safe to call twice."""
        self._terminate()
        self._cleanup(keep_logs=False)

    def __enter__(self) -> RasaServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# --- command line -----------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m nlu.rasa_server",
        description=f"Install, train and run a real Rasa {RASA_VERSION} NLU server.",
    )
    parser.add_argument(
        "--home",
        type=Path,
        default=None,
        help=f"where the Rasa venv lives (default: {default_home()})",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("setup", help="install Rasa into its own Python 3.10 venv")
    train_cmd = commands.add_parser("train", help="train an NLU model on a Rasa YAML file")
    train_cmd.add_argument("data", type=Path, help="training data (Rasa NLU YAML)")
    train_cmd.add_argument("out", type=Path, help="directory for durham311.tar.gz")
    train_cmd.add_argument("--epochs", type=int, default=None, help="override DIET's epochs")
    train_cmd.add_argument("--config", type=Path, default=CONFIG, help="Rasa config")
    serve = commands.add_parser("serve", help="run the Rasa HTTP API until Ctrl-C")
    serve.add_argument("model", type=Path, help="a trained .tar.gz model")
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--startup-timeout", type=float, default=300)
    return parser


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through RasaServer.__exit__


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    home: Path = args.home if args.home is not None else default_home()
    started = time.monotonic()
    try:
        rasa = ensure_environment(home=home)
        if args.command == "setup":
            print(f"rasa {RASA_VERSION}: {rasa} ({time.monotonic() - started:.0f} s)")
        elif args.command == "train":
            epochs = "" if args.epochs is None else f", {args.epochs} epochs"
            print(f"training on {args.data}{epochs} ...", flush=True)
            model = train(
                rasa=rasa, data=args.data, out_dir=args.out, epochs=args.epochs, config=args.config
            )
            print(f"model {model} ({time.monotonic() - started:.0f} s)")
        else:
            server = RasaServer(
                rasa=rasa,
                model=args.model,
                port=args.port,
                host=args.host,
                startup_timeout=args.startup_timeout,
            )
            signal.signal(signal.SIGTERM, _exit_on_sigterm)
            print(f"starting Rasa on {server.url} ...", flush=True)
            with server:
                print(
                    f"Rasa ready at {server.url} (pid {server.pid}, "
                    f"{time.monotonic() - started:.1f} s); Ctrl-C stops it",
                    flush=True,
                )
                try:
                    code = server.wait()
                except KeyboardInterrupt:
                    print("stopping Rasa", flush=True)
                    return 0
            raise RasaUnavailableError(f"Rasa server exited on its own with code {code}")
    except RasaUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
