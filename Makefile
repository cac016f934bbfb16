# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?= -n 2

.PHONY: run test test-cluster lint format lock migrate clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/imageapi serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest --ignore=tests/cluster $(PYTEST_ARGS)

# Two instances behind nginx on PostgreSQL (IMAGEAPI_TEST_DATABASE_URL), moto's
# S3 server and Redis: shared state, oversized uploads, a rolling restart.
# Needs the nginx binary; fails rather than skips when something is missing.
test-cluster: $(STAMP)
	IMAGEAPI_TEST_CLUSTER=required $(BIN)/python -m pytest tests/cluster -n 0

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: $(STAMP)
	$(BIN)/imageapi migrate

# Re-pin every dependency to what a fresh install resolves today.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade "pip>=24"
	.lock-venv/bin/pip install --quiet ".[test]"
	.lock-venv/bin/pip freeze --exclude imageapi > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache
