"""Schemathesis fuzzes the app against its own OpenAPI document: no 5xx, every answer as described.

The app runs in-process (ASGI) on the demo archive's index. The seed and the
example count are fixed, so `make test` is repeatable and quick; a longer run:
`VINDEX_SCHEMATHESIS_EXAMPLES=2000 .venv/bin/python -m pytest tests/test_schemathesis.py`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from api_app import demo_site, running
from hypothesis import HealthCheck, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from indexer.settings import Settings
from webapp.app import create_app

# Fuzzing the running app against its OpenAPI document.
pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("VINDEX_SCHEMATHESIS_EXAMPLES", "30"))
# Requests made, by operation and status: printed at the end (`pytest -s`) to report a run.
CALLS: Counter[tuple[str, int]] = Counter()
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# The app is made before its index and corpus exist (it opens them in its lifespan):
# schemathesis reads /openapi.json, which needs neither, when the module loads.
SITE = Path(tempfile.gettempdir()) / f"vindex-schemathesis-{os.getpid()}"
APP = create_app(Settings(index=SITE / "index", corpus=SITE / "corpus"))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _index_open(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    SITE.mkdir(parents=True, exist_ok=True)
    for name in ("index", "corpus"):
        (SITE / name).symlink_to(demo_site(tmp_path_factory) / name)
    try:
        with running(APP):
            yield
        total = sum(CALLS.values())
        print(f"\nschemathesis: {total} requests; by operation and status:")
        for (operation, status), count in sorted(CALLS.items()):
            print(f"  {count:>6}  {status}  {operation}")
    finally:
        shutil.rmtree(SITE)


@schema.parametrize()
@seed(20261129)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=False,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_contract(case: schemathesis.Case) -> None:
    response = case.call_and_validate(checks=CHECKS)
    CALLS[(case.operation.label, response.status_code)] += 1
