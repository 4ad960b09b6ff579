# The two set-up commands in the README are `make run` and `make test`.
# Each installs what it needs into .venv first; nothing else is assumed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
MODEL  := var/models/nlu

.PHONY: run test install model console lint browser bench bench-requests bench-lookups clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

$(MODEL)/meta.json: $(STAMP) nlu/data/nlu.yml
	$(BIN)/durham311 nlu train --engine spacy --out $(MODEL)

model: $(MODEL)/meta.json

run: $(MODEL)/meta.json
	$(BIN)/durham311 serve

console: $(MODEL)/meta.json
	$(BIN)/durham311 console

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Debian's Chromium, which the editor's browser test drives through Playwright (no browser
# download of Playwright's own); installed with apt-get when /usr/bin/chromium is missing.
browser:
	test -x /usr/bin/chromium || apt-get install -y -q chromium >/dev/null \
		|| (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)

test: lint browser
	$(BIN)/pytest

# Not part of `make test`: it trains both engines (Rasa for half an hour here) and prints
# figures. wrk, a C load generator, is installed where possible for the HTTP load figures.
bench: $(STAMP)
	command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null 2>&1 || sudo -n apt-get install -y -q wrk >/dev/null 2>&1 || echo "wrk not installed: HTTP load measured with a Python client"
	$(BIN)/python -m benchmarks.engines $(BENCH_ARGS)

# Filing service requests through real `durham311 serve` processes (embedded backend, and an
# external one behind a fault proxy): conversations/s, the wait for "filed", outbox recovery.
# About two minutes; BENCH_ARGS=--quick for a smaller run.
bench-requests: $(STAMP) $(MODEL)/meta.json
	$(BIN)/python -m benchmarks.requests $(BENCH_ARGS)

# Lookup latency p50/p99 (waste item, street, FAQ) with the Toronto Waste Wizard and a
# generated 20,000-street index with house-number ranges loaded; target p99 <= 2 ms.
# About half a minute; BENCH_ARGS="--streets 5000" for a smaller index.
# Then publish to heard: two `durham311 serve` workers sharing SQLite (polling), then
# PostgreSQL + Redis (announced); seconds from a publish until both answer from it,
# requirement 5 s. About a minute; it ignores the lookups' options.
bench-lookups: $(STAMP) $(MODEL)/meta.json
	$(BIN)/python -m benchmarks.lookups $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.publish $(BENCH_ARGS)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
