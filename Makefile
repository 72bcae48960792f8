VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 4567

.PHONY: install install-browser test typecheck test-oldest run demo bench clean

install: $(STAMP)

# Re-install only when the package's requirements change.
$(STAMP): setup.cfg setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The console's tests drive Debian's Chromium headless (never a browser Playwright downloads); as root, or
# install chromium your own way. Without it `make test` skips them (PERSONALIZE_LOCAL_REQUIRE_BROWSER=1 fails them).
install-browser:
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

# On every core (pytest-xdist), an idle worker taking tests from a busy one; OpenBLAS on one thread a worker, whose
# threads would otherwise spin against the other workers'.
test: install
	OPENBLAS_NUM_THREADS=1 $(BIN)/python -m pytest -q -n auto --dist worksteal

# mypy over the package, as setup.cfg's [mypy] configures it (CI runs it before the tests).
typecheck: install
	$(BIN)/python -m mypy

# The lowest version of every dependency setup.cfg allows (its >= bounds pinned as pip constraints) in a venv
# of their own, running the tests of an import from S3, training, recommendations, the server and moto's internals.
OLDEST_VENV ?= .venv-oldest
OLDEST_TESTS ?= tests/test_moto_contract.py tests/test_older_sdk.py tests/test_getting_started.py tests/test_server.py \
	tests/test_import_jobs.py tests/test_runtime.py tests/test_recipes.py tests/test_filters.py tests/test_snapshots.py \
	tests/test_metric_attribution.py tests/test_pytest_plugin.py

$(OLDEST_VENV)/.installed: setup.cfg setup.py tools/oldest_constraints.py
	$(PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_VENV)/bin/python -m pip install --quiet --upgrade pip setuptools wheel
	$(PYTHON) tools/oldest_constraints.py > $(OLDEST_VENV)/constraints.txt
	$(OLDEST_VENV)/bin/python -m pip install --quiet --constraint $(OLDEST_VENV)/constraints.txt -e . pytest
	touch $@

test-oldest: $(OLDEST_VENV)/.installed
	$(OLDEST_VENV)/bin/python -m pytest -q $(OLDEST_TESTS)

run: install
	$(BIN)/personalize-local server --host $(HOST) --port $(PORT)

# The whole workflow in-process on generated data: what to try first.
demo: install
	$(BIN)/personalize-local demo

bench: install
	$(BIN)/python bench/bench_describe.py
	$(BIN)/python bench/bench_training.py
	$(BIN)/python bench/bench_recipes.py
	$(BIN)/python bench/bench_sample.py
	$(BIN)/python bench/bench_actions.py
	$(BIN)/python bench/bench_filters.py
	$(BIN)/python bench/bench_signals.py
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/bench_scale.py
	$(BIN)/python bench/bench_recommenders.py
	$(BIN)/python bench/bench_batch.py
	$(BIN)/python bench/bench_s3_jobs.py
	$(BIN)/python bench/bench_snapshots.py
	$(BIN)/python bench/runtime.py
	$(BIN)/python bench/bench_durable.py
	$(BIN)/python bench/server.py
	$(BIN)/python bench/bench_busy.py

clean:
	rm -rf $(VENV) $(OLDEST_VENV) *.egg-info
