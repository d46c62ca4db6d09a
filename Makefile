# tousu — the commands in the README. Works on a fresh machine with Python ≥ 3.11 and make.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PYTEST_ARGS ?=
BENCH_ARGS ?=
SOAK_ARGS ?=

.PHONY: run test test-faults lint format bench bench-analysis soak sync uv clean

run: sync ## install everything, then start brokers, database and the four services
	$(UV) run tousu dev

test: sync ## install everything, then run the whole suite against real servers
	$(UV) run pytest $(PYTEST_ARGS)

test-faults: sync ## only the fault injection, fuzzing and security checks (tests/faults; make test runs them too)
	$(UV) run pytest tests/faults $(PYTEST_ARGS)

lint: sync ## ruff + mypy
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy shared/src tools/src services/intake/src services/analysis/src services/escalation/src services/followup/src

format: sync
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

bench: sync ## benchmarks on the embedded servers (never part of make test); BENCH_ARGS=--quick for a few minutes
	$(UV) run python bench/run.py $(BENCH_ARGS)

bench-analysis: sync ## analysis latency vs stored complaints only (SIZES=10000,1000000 against a real MongoDB)
	$(UV) run python bench/bench_analysis.py --sizes $${SIZES:-10000,50000} --batch $${BATCH:-1}

soak: sync ## the stack under half its saturation load for SOAK_MIN (20) minutes with faults at intervals (never in make test)
	$(UV) run python bench/soak.py --minutes $${SOAK_MIN:-20} $(SOAK_ARGS)

sync: $(UV)
	$(UV) sync --frozen

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

clean:
	rm -rf .tools .venv .pytest_cache .mypy_cache .ruff_cache
