# mlcost: `make run` (install, sample data, dbt build, summary) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SAMPLE_DIR := data/sample
export DBT_PROFILES_DIR := $(CURDIR)
DBT := $(BIN)/dbt
SAMPLE_VARS = "$$(cat $(SAMPLE_DIR)/mlcost_vars.yml)"

.PHONY: run test install sample build summary docs clean

run: sample build summary

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

sample: install
	$(BIN)/python scripts/generate_sample_data.py --out $(SAMPLE_DIR)

build: install
	$(DBT) build --vars $(SAMPLE_VARS)

summary: install
	$(BIN)/python scripts/summarize.py

docs: install
	$(DBT) docs generate --vars $(SAMPLE_VARS)

test: install
	$(BIN)/python -m pytest tests

clean:
	rm -rf target logs $(SAMPLE_DIR) mlcost.duckdb
