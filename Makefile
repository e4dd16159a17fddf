# CPIP Leadership Dashboard. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
PROCESSES ?= 2
CLUSTER_PORT ?= 8600

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# Installed without byte-compiling every module of every package (pip's default: half the
# install's time, mostly test suites and modules the dashboard never imports); the modules it
# does import are compiled once after the install, by importing them with byte code written
# (the app's own `ui` modules at its first start: imported outside a server they log a warning).
# The venv's own pip installs the pinned wheels (upgrading it first was 8-11 s of every fresh
# install).
WARM_RUNTIME := import cpip_dashboard.cli, cpip_dashboard.views.pack, streamlit.web.bootstrap
WARM_DEV := import pytest, xdist, hypothesis, playwright.sync_api, streamlit.testing.v1, mutmut

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --no-compile -r requirements.txt
	env -u PYTHONDONTWRITEBYTECODE $(PY) -c '$(WARM_RUNTIME)'
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q --no-compile -r requirements-dev.txt
	env -u PYTHONDONTWRITEBYTECODE $(PY) -c '$(WARM_DEV)'
	touch $@

node_modules/axe-core/axe.min.js: package.json
	npm install --no-audit --no-fund --silent
	touch $@

install: $(VENV)/.runtime ## create .venv and install the app's dependencies

run: $(VENV)/.runtime ## initialise the database and serve the dashboard on http://127.0.0.1:8501
	@# sample data only for the embedded default database (CONTRACT.md), whatever names the other
	$(PY) -m cpip_dashboard init-db $$($(PY) -c 'from cpip_dashboard.config import database_choice; print("--sample" if database_choice().is_default else "")')
	$(PY) -m cpip_dashboard.ui.serve --server.address 127.0.0.1 --server.port $(PORT) \
	  --server.headless true --browser.gatherUsageStats false

serve-cluster: $(VENV)/.runtime ## PROCESSES (2) app processes behind nginx on http://127.0.0.1:8600 (PostgreSQL)
	$(PY) -m deploy.serve_cluster --processes $(PROCESSES) --port $(CLUSTER_PORT)

lint: $(VENV)/.dev ## ruff (style, imports, Streamlit kept out of the package) and the import contracts
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

# Byte code is written even where the environment asks Python not to (PYTHONDONTWRITEBYTECODE):
# each test worker would otherwise rewrite every test module's asserts again (about 6 s of CPU
# per worker before its first test), and each server the tests start compiles the app again.
test: $(VENV)/.dev node_modules/axe-core/axe.min.js ## lint, then the whole test suite
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest

bench: $(VENV)/.dev ## run the benchmarks in benchmarks/ and print their figures (QUICK=1: shorter load run)
	$(PY) benchmarks/run_all.py $(if $(QUICK),--quick)

mutate: $(VENV)/.dev ## mutation score of one rule module: MODULE=rag (BUDGET s, WORKERS; never in CI)
	@test -n "$(MODULE)" || { $(PY) tools/mutate.py --list; echo "Name one: make mutate MODULE=rag"; exit 2; }
	$(PY) tools/mutate.py $(MODULE) $(if $(BUDGET),--budget $(BUDGET)) $(if $(WORKERS),--workers $(WORKERS)) $(if $(SHOW),--show) $(if $(RESUME),--resume) $(if $(ONLY),--only $(ONLY))

clean: ## remove the virtual environment and the local database
	rm -rf $(VENV) node_modules mutants data/cpip.sqlite data/cpip.sqlite-*

.PHONY: help install run serve-cluster lint test bench mutate clean
