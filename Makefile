# The two commands a newcomer needs:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install lint bench mutation clean system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e . --group dev
	touch $(STAMP)

install: $(STAMP)

## Set up, then run the demo: local sample sites -> crawl -> dashboard on http://127.0.0.1:8501
## (another port: make demo PORT=8601)
demo: $(STAMP)
	$(BIN)/quietwatch demo $(if $(PORT),--port $(PORT),)

## Set up, then run the whole test suite (lint included).
test: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m bench

## Mutation testing (slow, so not part of `make test`): mutmut changes the modules listed in
## pyproject's [tool.mutmut] one small change at a time, runs the tests that reach each
## change, then the share of changes the tests caught is printed per module (and the share
## without the equivalents excused by name in tests/mutation_equivalents.txt).  To run part
## of it, name the mutants: make mutation MUTANTS='crawlers.middlewares.* guardrail.enforce.*'
MUTANTS ?=
JOBS ?= 2
mutation: $(STAMP)
	QUIETWATCH_SHARED=$${QUIETWATCH_SHARED:-$(abspath ../shared)} \
		$(BIN)/mutmut run --max-children $(JOBS) $(MUTANTS)
	$(BIN)/python -m tests.mutation_report

## Debian packages the browser and PostgreSQL tests need (run as root; CI does this).
system-deps:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium postgresql

clean:
	rm -rf $(VENV) .pytest_cache mutants
