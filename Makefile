# The two set-up commands in the README are `make run` and `make test`.
# Each installs what it needs into .venv first; nothing else is assumed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
MODEL  := var/models/nlu

.PHONY: run test install model console lint bench clean

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

test: lint
	$(BIN)/pytest

# Not part of `make test`: it trains both engines (Rasa for minutes) and prints figures.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.engines

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
