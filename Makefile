# Salon — `make help` lists the targets.
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PYTHON ?= python3

.PHONY: help demo serve test lint bench services chromium clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q -e .
	touch $@

# torch==2.13.0 (the topics extra) is a CPU wheel on this kind of machine's disk: take it from there
WHEELS := $(if $(wildcard /opt/wheels/torch-*),--find-links /opt/wheels)

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q $(WHEELS) -e ".[test,dev,topics]"
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed ## migrate SQLite, seed the demo store, serve on :8000 with simulated shoppers
	$(VENV)/bin/salon demo

serve: $(VENV)/.installed ## serve Salon (SALON_DATABASE_URL, SALON_PORT, ...)
	$(VENV)/bin/salon serve

test: $(VENV)/.installed-dev services chromium ## run the whole suite (SQLite, PostgreSQL, Redis, Chromium)
	$(PY) -m pytest -q

lint: $(VENV)/.installed-dev ## ruff and mypy --strict
	$(VENV)/bin/ruff check salon tests bench
	$(VENV)/bin/mypy salon

bench: $(VENV)/.installed-dev services ## one node, then several on PostgreSQL + Redis; docs/benchmarks.md
	$(PY) bench/run.py
	$(PY) bench/cluster.py

services: ## start PostgreSQL and Redis when they are stopped
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no

chromium: ## Debian's Chromium for the browser tests (never a downloaded browser)
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

clean: ## remove the virtualenv and demo data
	rm -rf $(VENV) salon.db salon.db-wal salon.db-shm outbox
