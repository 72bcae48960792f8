VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 4567

.PHONY: install install-browser test run demo bench clean

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

test: install
	$(BIN)/python -m pytest -q

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

clean:
	rm -rf $(VENV) *.egg-info
