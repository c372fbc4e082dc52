# Two commands for a new user: `make run` (the app on the sample data) and `make test` (everything).
# Each installs what it needs by itself: a .venv from pyproject.toml and, for tests, Debian's chromium.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
# Re-install when pyproject.toml changes.
APP_STAMP  := $(VENV)/.app-installed
TEST_STAMP := $(VENV)/.test-installed
SPARK_STAMP := $(VENV)/.spark-installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-spark lint typecheck unit browser bench sample clean chromium java

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(APP_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(APP_STAMP) $@

# The engine path's Spark tests: PySpark (the spark extra) and Java 17; without Java they skip and say why.
$(SPARK_STAMP): pyproject.toml | $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,spark]"
	touch $@

java:
	@command -v java >/dev/null 2>&1 || echo "Java is missing, so the Spark tests will be skipped. Install Java 17: \
	  $(SUDO) apt-get install -y openjdk-17-jre-headless (Debian/Ubuntu) or brew install openjdk@17 (macOS)."

## run: start the app on http://localhost:8501 with the sample data loaded (headless: no first-run e-mail prompt)
run: $(APP_STAMP)
	@echo "Starting the app: open http://localhost:$(PORT) in your browser (Ctrl+C stops it)."
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true

## chromium: install Debian's chromium for the browser tests if it is missing
chromium:
	@test -x /usr/bin/chromium || { echo "Installing Debian's chromium for the browser tests…"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

## test: lint, type-check and run the whole suite (unit, app, CLI, browser, and Spark on local[2])
test: $(TEST_STAMP) $(SPARK_STAMP) chromium java lint typecheck
	$(BIN)/python -m pytest -n 2 --dist loadgroup

## test-spark: only the engine path's Spark equivalence tests (installs PySpark; needs Java 17)
test-spark: $(SPARK_STAMP) java
	$(BIN)/python -m pytest tests/test_engine_spark.py

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

## unit: the suite without the browser tests and the slow runs (real CLI processes, Spark; faster while working)
unit: $(TEST_STAMP)
	$(BIN)/python -m pytest -n 2 -m "not browser and not slow"

browser: $(TEST_STAMP) chromium
	$(BIN)/python -m pytest -m browser

## bench: the speed and memory benchmarks (prints figures; not part of `make test`)
bench: $(APP_STAMP)
	$(BIN)/python benchmarks/bench_pipeline.py

## sample: regenerate the bundled sample data (the committed files are its output)
sample: $(APP_STAMP)
	$(BIN)/python sample_data/generate.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
