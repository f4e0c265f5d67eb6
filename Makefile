# The README's two commands are `make run` and `make test`; CI calls `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench
# axe-core (npm), which the browser tests inject into each page; pinned by package-lock.json.
NPM_STAMP := node_modules/.installed

.PHONY: run test check-fast test-opensearch lint check audit index bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install whenever pyproject.toml changes.
$(STAMP): pyproject.toml | $(BIN)/python
	@# The setuptools that python -m venv bundles (65.5 with 3.11) has known advisories.
	$(BIN)/pip install --quiet --upgrade pip "setuptools==84.2.1"
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[test,gazetteer]'
	touch $@

# The benchmarks' dependencies (peers, load client, profiler); `make test` does not need them.
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@

# Without npm the accessibility tests skip on a developer's machine (and fail under CI=true).
$(NPM_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: the browser tests' axe-core checks will not run"; \
	fi

run: $(STAMP)
	@# A port in use is said first, before the build prints anything.
	@$(BIN)/vindex serve --check-address
	@# Incremental: builds the index on a fresh machine, a no-op when it is up to date.
	@# A corpus file that fails is named but does not stop the server.
	-$(BIN)/vindex index
	$(BIN)/vindex serve

index: $(STAMP)
	$(BIN)/vindex index

test: check $(NPM_STAMP)
	$(BIN)/python -m pytest

# Lint, types and the tests that are neither slow nor a browser's (see the markers in
# pyproject.toml): the check to run while working. `make test` still runs everything.
check-fast: check
	$(BIN)/python -m pytest -m "not slow and not browser"

# The behaviour suite against an OpenSearch cluster, for whoever has one (the embedded
# backend runs it in every `make test`), with the translation and client tests:
#   VINDEX_TEST_OPENSEARCH_URL=https://localhost:9200 make test-opensearch
# Credentials and TLS are the usual VINDEX_OPENSEARCH_* settings.
test-opensearch: $(TEST_STAMP)
	@test -n "$$VINDEX_TEST_OPENSEARCH_URL" || \
		{ echo "set VINDEX_TEST_OPENSEARCH_URL to the cluster's address"; exit 2; }
	$(BIN)/python -m pytest tests/test_behaviour.py tests/test_opensearch_*.py tests/test_query_tree.py

# Code checks, and the dependency audit (which needs PyPI; `make test` does not run it).
lint: check audit

check: $(TEST_STAMP)
	$(BIN)/ruff check indexer webapp tests bench scripts
	$(BIN)/ruff format --check indexer webapp tests bench scripts
	$(BIN)/mypy
	$(BIN)/mypy --strict scripts/audit.py

audit: $(TEST_STAMP)
	$(BIN)/python scripts/audit.py

bench: $(BENCH_STAMP)
	$(BIN)/python bench/index.py
	$(BIN)/python bench/relevance.py

clean:
	rm -rf $(VENV) build *.egg-info
