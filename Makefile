# bubblesim — developer entry points. `make help` lists them.
PY ?= $(shell command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CHROMIUM := /usr/bin/chromium
PYTEST_ARGS ?=

.PHONY: constraints help setup explore demo test test-fast lint format bench bench-browser drill calibration study docs chromium clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml constraints.txt viz/assets.py
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq npm; }
	$(BIN)/python -m viz.assets
	touch $(STAMP)

setup: $(STAMP)  ## create .venv and install bubblesim with its dev extras

explore: setup  ## the main job: the interactive explorer on http://localhost:8765
	$(BIN)/bubblesim ui

demo: setup  ## the contagion-kernel demo: the Gai–Kapadia contagion window
	$(BIN)/python -m experiments.gai_kapadia --quick

chromium:  ## install Debian's chromium for the browser tests (needs root)
	@test -x $(CHROMIUM) || { apt-get update -qq && apt-get install -y -qq chromium; }

test: setup chromium  ## the full test suite (unit, invariants, experiments, browser)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: setup  ## everything but the real-browser tests
	$(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS)

lint: setup  ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup  ## the benchmarks (numbers, not pass/fail)
	$(BIN)/python -m benchmarks.run_all

bench-browser: setup chromium  ## explorer frame times in real Chromium (click or tick to paint)
	$(BIN)/python -m benchmarks.bench_browser

drill: setup chromium  ## play every preset for a minute in Chromium at 22 and 1,000 agents
	$(BIN)/python -m benchmarks.play_drill

calibration: setup  ## the 2022 calibration check (200 seeds; writes experiments/calibration_2022/results)
	$(BIN)/python -m experiments.calibration_2022

study: setup  ## the demand-slowdown study as docs/findings.md reports it (about 20 min on 2 cores)
	$(BIN)/python -m experiments.demand_slowdown --seeds 300 --depths 0,0.5,1.0,1.25,1.5 --channels none
	$(BIN)/python -m experiments.demand_slowdown --seeds 100 --depths 1.5 --channels channel_counterparty,channel_settlement,channel_fire_sale,channel_funding,channel_sentiment

docs: setup  ## regenerate docs/calibration.md from the parameter definitions
	$(BIN)/python docs/gen_calibration.py

clean:  ## remove the venv and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

constraints: setup  ## re-pin constraints.txt to the installed versions (then re-record the golden master)
	@{ sed -n '1,4p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | grep -vi '^bubblesim'; } > constraints.new && mv constraints.new constraints.txt
