"""Our spaCy engine and a real Rasa 3.6.21 server, trained on the same data, measured in one run.

    make bench
    .venv/bin/python -m benchmarks.engines [--rasa-epochs 100] [--skip-rasa] [--skip-scale]

Printed side by side: training time, held-out accuracy (and the two recalls that
matter most), parse latency p50/p99 in process and over HTTP, parses per second
with 1 and with 8 concurrent HTTP clients, and resident memory twice: of a process
that only loads the model and parses (the NLU engine alone), and of the HTTP server
(for us the whole service: dialog, content, Alexa and Google adapters). Then the scale
check: a synthetic 15,000-example, 150-intent file.
HTTP latency and load come from wrk (a C load generator, `apt-get install wrk`) when it
is on PATH, so the client's own cost does not cap a fast server; without it, from an
aiohttp client, and the table says which.
All traffic stays on 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from benchmarks import synthetic
from knowledge_base import ContentStore, KnowledgeBase
from nlu import rasa_server, training_data
from nlu.engine import NLUEngine
from nlu.entities import Gazetteers
from nlu.evaluate import Report, evaluate
from nlu.rasa_engine import RasaEngine
from nlu.spacy_engine import SpacyEngine, SpacyTrainer, train

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "nlu" / "data" / "nlu.yml"
HELD_OUT = ROOT / "tests" / "data" / "heldout_nlu.yml"
SAFETY_SET = ROOT / "tests" / "data" / "safety_set.yml"
DURHAM311 = Path(sys.executable).parent / "durham311"
LOAD_SECONDS = 5.0
LOAD_MAX_REQUESTS = 50_000


@dataclass
class Figures:
    engine: str
    train_s: float = float("nan")
    report: Report | None = None
    in_process_ms: list[float] = field(default_factory=list)
    http_p50_p99: tuple[float, float] = (float("nan"), float("nan"))
    rps: dict[int, float] = field(default_factory=dict)
    rss_mb: float = float("nan")
    model_rss_mb: float = float("nan")  # a process that only loads the model and parses
    load_client: str = "aiohttp (Python)"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, from /proc."""
    total = 0
    pids = [pid]
    children = subprocess.run(
        ["pgrep", "-P", str(pid)], capture_output=True, text=True
    ).stdout.split()
    pids += [int(c) for c in children]
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        total += next(
            int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")
        )
    return total / 1024


async def http_latencies(url: str, texts: list[str]) -> list[float]:
    latencies = []
    async with aiohttp.ClientSession() as session:
        for text in texts:
            started = time.perf_counter()
            async with session.post(f"{url}/model/parse", json={"text": text}) as resp:
                await resp.read()
                assert resp.status == 200, resp.status
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def throughput(url: str, texts: list[str], clients: int) -> float:
    """Parses per second with `clients` concurrent connections, for LOAD_SECONDS at most."""
    done = 0
    deadline = time.perf_counter() + LOAD_SECONDS
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client(offset: int) -> None:
            nonlocal done
            i = offset
            while time.perf_counter() < deadline and done < LOAD_MAX_REQUESTS:
                async with session.post(
                    f"{url}/model/parse", json={"text": texts[i % len(texts)]}
                ) as r:
                    await r.read()
                done += 1
                i += clients

        started = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(clients)))
        return done / (time.perf_counter() - started)


WRK_SCRIPT = """
local bodies = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", "/model/parse", {["Content-Type"] = "application/json"},
                    bodies[(i %% #bodies) + 1])
end
"""
_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk_script(texts: list[str], into: Path) -> Path:
    """A wrk Lua script that posts the held-out texts in turn, as Rasa's JSON bodies."""
    bodies = []
    for text in texts:
        body = json.dumps({"text": text})
        if "]==]" not in body:
            bodies.append(f"[==[{body}]==]")
    into.write_text(WRK_SCRIPT % ", ".join(bodies), encoding="utf-8")
    return into


def wrk_load(url: str, script: Path, clients: int) -> tuple[float, tuple[float, float]]:
    """Parses per second and the (p50, p99) latency in ms, from wrk's own report.

    wrk is a C load generator: with a Python client the client's own cost caps what a
    fast server can show, so our engine would be measured against our client, not Rasa.
    """
    command = ["wrk", f"-t{min(clients, 2)}", f"-c{clients}", f"-d{LOAD_SECONDS:.0f}s"]
    command += ["--latency", "-s", str(script), f"{url}/model/parse"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(next(x for x in out.splitlines() if x.startswith("Requests/sec:")).split()[1])
    percentiles = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("50%", "99%"):
            number = parts[1].rstrip("usm")
            unit = parts[1][len(number) :]
            percentiles[parts[0]] = float(number) * _WRK_UNITS[unit]
    return rps, (percentiles["50%"], percentiles["99%"])


async def measure_server(
    figures: Figures, url: str, pid: int, texts: list[str], workdir: Path
) -> None:
    await http_latencies(url, texts[:20])  # warm up
    if shutil.which("wrk"):
        script = wrk_script(texts, workdir / "wrk.lua")
        for clients in (1, 8):
            figures.rps[clients], latency = wrk_load(url, script, clients)
            if clients == 1:
                figures.http_p50_p99, figures.load_client = latency, "wrk"
    else:
        latencies = await http_latencies(url, texts)
        figures.http_p50_p99 = (percentile(latencies, 50), percentile(latencies, 99))
        for clients in (1, 8):
            figures.rps[clients] = await throughput(url, texts, clients)
    figures.rss_mb = rss_mb(pid)


@contextmanager
def our_server(model_dir: Path, workdir: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {
        **os.environ,
        "DURHAM311_MODEL_DIR": str(model_dir),
        "DURHAM311_CONTENT_DB": str(workdir / "content.sqlite3"),
        "DURHAM311_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen([str(DURHAM311), "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                subprocess.run(["curl", "-sf", f"{url}/health"], check=True, capture_output=True)
                break
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("durham311 serve did not start") from None
                time.sleep(0.2)
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


async def bench_spacy(
    workdir: Path, texts: list[str], held_out: training_data.TrainingData
) -> Figures:
    figures = Figures("spaCy engine (ours)")
    model_dir = workdir / "spacy-model"
    store = ContentStore(":memory:")
    store.seed()
    gazetteers = Gazetteers(**KnowledgeBase(store.published()[1]).gazetteers())
    figures.train_s = SpacyTrainer(gazetteers=gazetteers).train(DATA, out=model_dir).seconds
    engine = SpacyEngine(model_dir=model_dir, gazetteers=gazetteers)
    figures.report = await evaluate(engine, held_out)
    for text in texts[:50]:
        engine.parse_sync(text)
    for _ in range(3):
        for text in texts:
            started = time.perf_counter()
            engine.parse_sync(text)
            figures.in_process_ms.append((time.perf_counter() - started) * 1000)
    command = [
        sys.executable,
        "-c",
        OURS_IN_PROCESS,
        str(model_dir),
        str(texts_file(workdir, texts)),
    ]
    run = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    figures.model_rss_mb = reported_rss_mb(run)
    with our_server(model_dir, workdir) as (url, pid):
        await measure_server(figures, url, pid, texts, workdir)
    return figures


def texts_file(workdir: Path, texts: list[str]) -> Path:
    """The held-out texts as JSON, for the in-process measurements in their own processes."""
    path = workdir / "texts.json"
    path.write_text(json.dumps(texts))
    return path


def reported_rss_mb(run: subprocess.CompletedProcess[str]) -> float:
    line = next((x for x in run.stdout.splitlines() if x.startswith("RSS_KB ")), None)
    if line is None:
        print(f"memory not measured: {run.stderr.strip()[-500:]}", file=sys.stderr)
        return float("nan")
    return int(line.split()[1]) / 1024


_PRINT_RSS = """
def print_rss():
    status = open("/proc/self/status").read().splitlines()
    print("RSS_KB " + next(x.split()[1] for x in status if x.startswith("VmRSS")))
"""

RASA_IN_PROCESS = (
    _PRINT_RSS
    + """
import asyncio, json, sys, time
from rasa.core.agent import Agent
async def main():
    agent = Agent.load(sys.argv[1])
    texts = json.load(open(sys.argv[2]))
    for t in texts[:20]:
        await agent.parse_message(t)
    out = []
    for t in texts:
        s = time.perf_counter()
        await agent.parse_message(t)
        out.append((time.perf_counter() - s) * 1000)
    print("LATENCIES " + json.dumps(out))
    print_rss()  # while the model is loaded, as ours is measured
asyncio.run(main())
"""
)

OURS_IN_PROCESS = (
    _PRINT_RSS
    + """
import json, sys
from pathlib import Path
from knowledge_base import ContentStore, KnowledgeBase
from nlu.entities import Gazetteers
from nlu.spacy_engine import SpacyEngine
store = ContentStore(":memory:")
store.seed()
gazetteers = Gazetteers(**KnowledgeBase(store.published()[1]).gazetteers())
store.close()
engine = SpacyEngine(model_dir=Path(sys.argv[1]), gazetteers=gazetteers)
for text in json.loads(Path(sys.argv[2]).read_text()):
    engine.parse_sync(text)
print_rss()
"""
)


async def bench_rasa(workdir: Path, texts: list[str], held_out: training_data.TrainingData,
                     epochs: int | None) -> Figures:  # fmt: skip
    label = f"Rasa {rasa_server.RASA_VERSION} DIET" + (f" ({epochs} epochs)" if epochs else "")
    figures = Figures(label)
    trainer = rasa_server.RasaTrainer(epochs=epochs, log=lambda line: None)
    trained = trainer.train(DATA, out=workdir / "rasa-model")
    figures.train_s, model = trained.seconds, trained.path
    rasa = trainer.environment()
    python = rasa.parent / "python"
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    command = [str(python), "-c", RASA_IN_PROCESS, str(model), str(texts_file(workdir, texts))]
    run = subprocess.run(command, capture_output=True, text=True, env=env)
    line = next((x for x in run.stdout.splitlines() if x.startswith("LATENCIES ")), None)
    figures.in_process_ms = json.loads(line.split(" ", 1)[1]) if line else []
    figures.model_rss_mb = reported_rss_mb(run)
    with rasa_server.RasaServer(rasa=rasa, model=model, port=free_port()) as server:
        engine: NLUEngine = RasaEngine(url=server.url, raw=True, timeout_seconds=30)
        figures.report = await evaluate(engine, held_out)
        await engine.close()
        assert server.pid is not None
        await measure_server(figures, server.url, server.pid, texts, workdir)
    return figures


def scale_check(workdir: Path) -> str:
    data_file = synthetic.write(workdir / "synthetic.yml")
    data = training_data.load(data_file)
    model_dir = workdir / "synthetic-model"
    seconds = timed(lambda: train(data, out=model_dir))
    engine = SpacyEngine(model_dir=model_dir)
    latencies = []
    for ex in data.examples[::15]:
        started = time.perf_counter()
        engine.parse_sync(ex.text)
        latencies.append((time.perf_counter() - started) * 1000)
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    size = f"{len(data.examples)} examples, {len(data.intents)} intents"
    return f"scale: {size}: trained in {seconds:.1f} s, parse p50 {p50:.2f} ms, p99 {p99:.2f} ms"


def table(results: list[Figures]) -> str:
    def row(label: str, values: list[str]) -> str:
        return f"{label:<34}" + "".join(f"{v:>28}" for v in values)

    def pct(get: Callable[[Report], float | None]) -> list[str]:
        out = []
        for f in results:
            value = get(f.report) if f.report else None
            out.append("n/a" if value is None else f"{value:.1%}")
        return out

    lines = [row("", [f.engine for f in results])]
    lines.append(row("training time", [f"{f.train_s:.1f} s" for f in results]))
    lines.append(row("held-out intent accuracy", pct(lambda r: r.accuracy)))
    lines.append(
        row(
            "held-out macro F1",
            [f"{f.report.macro_f1:.3f}" if f.report else "n/a" for f in results],
        )
    )
    lines.append(row("emergency recall", pct(lambda r: r.emergency_recall)))
    lines.append(row("out-of-scope recall", pct(lambda r: r.out_of_scope_recall)))
    cells = [
        f"{percentile(f.in_process_ms, 50):.2f} / {percentile(f.in_process_ms, 99):.2f} ms"
        for f in results
    ]
    lines.append(row("parse in process p50 / p99", cells))
    cells = [f"{f.http_p50_p99[0]:.2f} / {f.http_p50_p99[1]:.2f} ms" for f in results]
    lines.append(row("parse over HTTP p50 / p99", cells))
    for clients in (1, 8):
        lines.append(
            row(
                f"parses/s, {clients} HTTP client(s)",
                [f"{f.rps.get(clients, float('nan')):.0f}" for f in results],
            )
        )
    lines.append(row("model loaded, memory (own process)",
                     [f"{f.model_rss_mb:.0f} MB" for f in results]))  # fmt: skip
    lines.append(row("HTTP server resident memory", [f"{f.rss_mb:.0f} MB" for f in results]))
    lines.append(row("HTTP load client", [f.load_client for f in results]))
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> None:
    held_out = training_data.load(HELD_OUT)
    texts = [ex.text for ex in held_out.examples]
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((x.split(":", 1)[1].strip() for x in cpuinfo if x.startswith("model name")), "?")
    trained_on = len(training_data.load(DATA).examples)
    print(f"durham311 NLU benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}")
    print(f"data: {trained_on} training examples, {len(texts)} held-out examples")
    with tempfile.TemporaryDirectory(prefix="durham311-bench-") as tmp:
        workdir = Path(tmp)
        results = [await bench_spacy(workdir, texts, held_out)]
        if not args.skip_rasa:
            results.append(await bench_rasa(workdir, texts, held_out, args.rasa_epochs))
        print(table(results))
        if len(results) == 2 and results[1].rps.get(1):
            ratios = [results[0].rps[n] / results[1].rps[n] for n in (1, 8)]
            print(
                f"throughput, ours / Rasa: {ratios[0]:.1f}x with 1 client, {ratios[1]:.1f}x with 8"
            )
        print(await safety_figures(workdir / "spacy-model"))
        if not args.skip_scale:
            print(scale_check(workdir))
        if args.rasa_seeds and not args.skip_rasa:
            print(await rasa_seed_spread(workdir, held_out, args.rasa_seeds, args.rasa_epochs))


async def safety_figures(model_dir: Path) -> str:
    """The safety set through the whole dialog with our engine: danger is the dialog's
    call, not the classifier's, so it is measured as a resident would meet it."""
    from skill.safety_eval import evaluate as evaluate_safety
    from skill.safety_eval import load_set
    from skill.services import open_core
    from skill.settings import Settings

    core = open_core(Settings(model_dir=model_dir, content_db=Path(":memory:")))
    try:
        report = await evaluate_safety(core.dialog, core.kb, load_set(SAFETY_SET))
    finally:
        await core.close()
    return (
        f"safety set through the dialog (ours, {report.plays} plays): danger recall "
        f"{report.recall:.1%} ({report.danger_heard}/{report.danger_total}), harmless given "
        f"a safety reply {report.false_alarm_rate:.1%} ({report.false_alarms}/"
        f"{report.harmless_total}), harmless answered as their intent {report.answered_rate:.1%}"
    )


async def rasa_seed_spread(workdir: Path, held_out: training_data.TrainingData,
                           seeds: list[int], epochs: int | None) -> str:  # fmt: skip
    """DIET's held-out accuracy with other random seeds: how much one training's luck counts.

    Run after everything timed, so these trainings disturb no measurement.
    """
    results = []
    for seed in seeds:
        trainer = rasa_server.RasaTrainer(epochs=epochs, seed=seed, log=lambda line: None)
        model = trainer.train(DATA, out=workdir / f"rasa-seed-{seed}").path
        with rasa_server.RasaServer(
            rasa=trainer.environment(), model=model, port=free_port()
        ) as server:
            engine = RasaEngine(url=server.url, raw=True, timeout_seconds=30)
            try:
                report = await evaluate(engine, held_out)
            finally:
                await engine.close()
        results.append((seed, report.accuracy))
    cells = ", ".join(f"seed {seed}: {acc:.1%}" for seed, acc in results)
    mean = sum(acc for _, acc in results) / len(results)
    return f"Rasa DIET held-out accuracy with other seeds: {cells} (mean {mean:.1%})"


def _seeds(text: str) -> list[int]:
    try:
        seeds = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        seeds = []
    if not seeds or any(not 0 <= seed < 2**32 for seed in seeds):
        raise argparse.ArgumentTypeError(f"seeds are whole numbers from 0 to 2**32-1: {text!r}")
    return seeds


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark both NLU engines side by side.")
    parser.add_argument(
        "--rasa-epochs", type=int, default=None, help="DIET epochs (default: the config's 100)"
    )
    parser.add_argument("--skip-rasa", action="store_true", help="measure our engine only")
    parser.add_argument(
        "--rasa-seeds", type=_seeds, default=[], metavar="N,N,...",
        help="also train DIET with these random seeds and report each one's held-out accuracy",
    )  # fmt: skip
    parser.add_argument(
        "--skip-scale", action="store_true", help="skip the 15,000-example scale check"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
