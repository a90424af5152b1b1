# unitgate: `make run` serves the demo, `make test` runs the whole suite.
# uv is installed into .tools/ when it is not on PATH; Python packages come from uv.lock.
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
export UV_PYTHON_DOWNLOADS := never
# Byte-code caches are written whatever the caller's PYTHONDONTWRITEBYTECODE says: the suite
# starts hundreds of Python processes (servers, CLIs, simulators), and without caches each
# compiles every module again (measured here: 10 s per CLI start instead of 5 s, and the
# whole suite 30 min instead of 13).
unexport PYTHONDONTWRITEBYTECODE
# Where `make run` serves: the service's own settings, from the environment or the command
# line alike (`make run UNITGATE_PORT=9000` or `UNITGATE_PORT=9000 make run`).
UNITGATE_HOST ?= 127.0.0.1
UNITGATE_PORT ?= 8000
# The demo's simulated lock gateway (`unitgate locks gateway`), started beside `serve`.
LOCK_GATEWAY_PORT ?= 8091
DEMO_FACILITIES := --facility riverside --facility hilltop --facility downtown
# The Makefile once read PORT and HOST: say so rather than ignore them (an environment HOST
# is left alone, since zsh and csh set it to the machine's name).
ifneq ($(filter run,$(MAKECMDGOALS)),)
ifdef PORT
$(error PORT is not read: the port is UNITGATE_PORT, e.g. make run UNITGATE_PORT=$(PORT))
endif
ifeq ($(origin HOST),command line)
$(error HOST is not read: the address is UNITGATE_HOST, e.g. make run UNITGATE_HOST=$(HOST))
endif
endif

.PHONY: run test smoke lint bench env clean

$(CURDIR)/.tools/bin/uv:
	python3 -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv==$(UV_VERSION)

env: $(UV)
	$(UV) sync --frozen --python python3

# The gateway runs in the background while `serve` does, and stops when it exits.
run: env
	$(UV) run --frozen unitgate db upgrade
	UNITGATE_LOCK_GATEWAY_URL=http://127.0.0.1:$(LOCK_GATEWAY_PORT) $(UV) run --frozen unitgate demo load
	$(UV) run --frozen unitgate locks gateway --port $(LOCK_GATEWAY_PORT) $(DEMO_FACILITIES) & \
	gateway=$$!; trap 'kill $$gateway 2>/dev/null' EXIT; \
	UNITGATE_HOST=$(UNITGATE_HOST) UNITGATE_PORT=$(UNITGATE_PORT) \
	UNITGATE_DEV_TOKENS=$${UNITGATE_DEV_TOKENS:-true} $(UV) run --frozen unitgate serve

# The suite runs in TEST_WORKERS processes (pytest-xdist), each test file whole on one of
# them (its module-scoped servers start once), files in collection order so the long
# end-to-end files start first; `make test TEST_WORKERS=0` runs it in this process alone.
TEST_WORKERS ?= 2
test: env
	$(UV) run --frozen pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# The seeds' stories (tests/e2e/test_stories.py) against the server `make run` started, over
# HTTP; run it from this directory in a second terminal while `make run` serves.
smoke: env
	$(UV) run --frozen pytest tests/e2e/test_stories.py -p no:cacheprovider \
	  --service-url http://$(UNITGATE_HOST):$(UNITGATE_PORT)

lint: env
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy

bench: env
	$(UV) run --frozen python -m bench

clean:
	rm -rf .venv .tools var build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
