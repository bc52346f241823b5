# mlcost: `make run` (install, sample data, raw validation, dbt build, mart validation,
# publication for BI tools, the dashboard, summary), `make validate`, `make test` (lint,
# then pytest), `make lint` / `make fix`, `make fixtures` (download the real-format test
# fixtures; needs internet), `make dashboard` (one static HTML page from the marts),
# `make browser` (headless Chromium for its test), `make lookml` (a LookML project for
# Looker), `make tableau` (a Tableau .hyper extract of the published marts).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SAMPLE_DIR := data/sample
export DBT_PROFILES_DIR := $(CURDIR)
DBT := $(BIN)/dbt
SAMPLE_VARS = "$$(cat $(SAMPLE_DIR)/mlcost_vars.yml)"
# SQLFluff lints the SQL people write: models, singular tests, analyses (macros cannot be
# templated alone: .sqlfluffignore). Its dbt templater compiles with the source vars unset,
# opening DuckDB in memory, so lint needs no data and never locks mlcost.duckdb (and needs
# no export read check: scripts/dbt_duckdb_plugins).
LINT_PATHS = $(wildcard models tests analyses)
LINT_ENV = MLCOST_DUCKDB_PATH=:memory: MLCOST_EXPORT_READ_CHECK=off \
	DBT_SEND_ANONYMOUS_USAGE_STATS=false

.PHONY: run test lint fix install sample build summary docs bench clean validate \
	validate-raw validate-marts fixtures bi-readers publish dashboard dashboard-screenshot \
	browser lookml tableau

# Raw exports are checked before dbt reads them and the marts after: a failed expectation
# stops the run with the file, column and example rows (GX data docs under gx/uncommitted/).
run: sample validate-raw build validate-marts publish dashboard summary

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

sample: install
	$(BIN)/python scripts/generate_sample_data.py --aws-formats cur2_parquet --out $(SAMPLE_DIR)

# The nightly command: dbt build without unit tests (selectors.yml `nightly`; make test runs
# them), then, whatever its result, check the database it wrote (a leftover write-ahead
# log, a failed write, marts that do not read): scripts/check_database.py --help.
build: install
	$(DBT) build --selector nightly --vars $(SAMPLE_VARS); status=$$?; \
		$(BIN)/python scripts/check_database.py || exit $$?; exit $$status

# The marts for BI tools, after a good build (it refuses after a failed one): a DuckDB file
# every 1.x client reads (mlcost_bi.duckdb) and parquet files (mlcost_bi_parquet/), each
# swapped in atomically, so readers never block the build: scripts/publish_bi.py --help.
publish: install
	$(BIN)/python scripts/publish_bi.py

validate: validate-raw validate-marts

validate-raw: install
	$(BIN)/python scripts/validate.py --stage raw --vars $(SAMPLE_DIR)/mlcost_vars.yml

validate-marts: install
	$(BIN)/python scripts/validate.py --stage marts

summary: install
	$(BIN)/python scripts/summarize.py

docs: install
	$(DBT) docs generate --vars $(SAMPLE_VARS)

# pytest in worker processes, each test file on one (pytest-xdist, --dist loadfile): much
# of a dbt build is single-threaded Python or waits on files, so builds side by side keep
# both cores busy; a file's module-scoped build stays on one worker. On 2 cores, 3 workers
# ran the suite in 11 min 46 s where 2 took about 13. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 3

# DuckDB 1.x clients, one virtualenv each, that the tests open the published BI file with:
# the oldest 1.x release and the one BI tools bundle today (Evidence's @duckdb/node-api,
# the duckdb CLI, duckdb-engine's duckdb<2).
BI_READER_DUCKDB_VERSIONS := 1.0.0 1.5.6

bi-readers: $(foreach version,$(BI_READER_DUCKDB_VERSIONS),.venv-duckdb-$(version)/.installed)

.venv-duckdb-%/.installed:
	$(PYTHON) -m venv .venv-duckdb-$*
	.venv-duckdb-$*/bin/pip install --quiet --disable-pip-version-check duckdb==$*
	touch $@

# browser: Chromium for the dashboard's test (tests/test_dashboard.py), see below.
test: install bi-readers lint browser
	$(BIN)/python -m pytest tests -n $(TEST_WORKERS) --dist loadfile

# Public exports in the clouds' own formats, at pinned commits and checked by SHA-256, into
# $$MLCOST_REAL_FIXTURES (default ../shared/fixtures/real); tests skip without them.
fixtures: install
	$(BIN)/python scripts/fetch_real_fixtures.py

# SQL layout (.sqlfluff), then the project rules over the manifest (dbt-bouncer.yml):
# each violation is printed with its file, model and rule.
lint: install
	$(LINT_ENV) $(BIN)/sqlfluff lint $(LINT_PATHS)
	$(LINT_ENV) $(BIN)/python scripts/check_conventions.py

fix: install
	$(LINT_ENV) $(BIN)/sqlfluff fix $(LINT_PATHS)

# Performance lives here, not in timed tests: full, selected and nightly dbt builds against
# plain DuckDB SQL and pandas writing the same outputs from the same generated files, checked
# equal to the cent; table and plot into docs/benchmarks/ (scripts/benchmark.py --help).
# BENCH_ARGS picks the sizes, for example BENCH_ARGS="--lines 1e6,1e7" or "--quick".
BENCH_ARGS ?=
bench: install
	$(BIN)/python scripts/benchmark.py $(BENCH_ARGS)

clean:
	rm -rf target logs $(SAMPLE_DIR) mlcost.duckdb mlcost_bi.duckdb mlcost_bi_parquet \
		.mlcost_bi_parquet-* dashboard gx/uncommitted lookml mlcost_bi.hyper

# The reference dashboard: one HTML page, charts as inline SVG, nothing fetched when it is
# opened (scripts/build_dashboard.py --help). DASHBOARD_DATABASE is the published file
# (make publish; where scripts/publish_bi.py writes it by default) or the build's own
# database: both keep the marts in schema main_marts.
DASHBOARD_DATABASE ?= $(or $(MLCOST_BI_PATH),$(dir $(or $(MLCOST_DUCKDB_PATH),mlcost.duckdb))mlcost_bi.duckdb)
DASHBOARD_SCHEMA ?= main_marts
DASHBOARD_ARGS = --database $(DASHBOARD_DATABASE) --schema $(DASHBOARD_SCHEMA)
dashboard: install
	$(BIN)/python scripts/build_dashboard.py $(DASHBOARD_ARGS)

# docs/dashboard.png: the dashboard of the sample (`make run` first), shot in headless Chromium.
dashboard-screenshot: install browser
	$(BIN)/python scripts/build_dashboard.py $(DASHBOARD_ARGS) --screenshot docs/dashboard.png

# Looker: a LookML project generated from dbt's manifest and the semantic models (views
# from the marts' contracts, measures from the metrics), into lookml/ (LOOKML_ARGS, for
# example "--connection warehouse --schema analytics_marts"): scripts/generate_lookml.py --help.
LOOKML_ARGS ?=
lookml: install
	$(DBT) parse --quiet
	$(BIN)/python scripts/generate_lookml.py $(LOOKML_ARGS)

# Tableau: the published marts in one .hyper extract beside the published file (schema
# Extract, a table per mart), written with Tableau's Hyper API: scripts/export_tableau_hyper.py
# --help. TABLEAU_ARGS, for example "--hyper-database-version 3" (DECIMAL(38,10) kept).
TABLEAU_ARGS ?=
tableau: install
	$(BIN)/python scripts/export_tableau_hyper.py --database $(DASHBOARD_DATABASE) $(TABLEAU_ARGS)

# Headless Chromium (Debian's package) for the dashboard's browser test: installed when
# missing, as root or through password-less sudo; otherwise the command is printed and the
# test skips, saying why. A failed install with the rights to install fails here.
APT_CHROMIUM = env DEBIAN_FRONTEND=noninteractive sh -c \
	'apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium'
browser:
	@if command -v chromium >/dev/null 2>&1; then \
		echo "chromium: $$(command -v chromium)"; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing chromium (apt-get)"; $(APT_CHROMIUM); \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
		echo "installing chromium (sudo apt-get)"; sudo -n $(APT_CHROMIUM); \
	else \
		echo "chromium is not installed and this user cannot install it: the dashboard's"; \
		echo "browser test will skip. Install it with: sudo apt-get install chromium"; \
		echo "(or set MLCOST_CHROMIUM to a Chromium or Chrome binary)"; \
	fi
