"""The app on a real index of the demo archive, built once per test session for the API tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ROOT
from starlette.applications import Starlette
from starlette.testclient import TestClient

from indexer.build import update_index
from indexer.settings import Settings
from indexer.store import IndexLocation
from webapp.app import create_app

_BUILT: dict[str, Path] = {}


def demo_index(factory: pytest.TempPathFactory) -> Path:
    """The demo archive's index, built on first use in the session."""
    if "demo" not in _BUILT:
        root = factory.mktemp("api-demo")
        update_index(IndexLocation(root / "index"), ROOT / "corpus")
        _BUILT["demo"] = root / "index"
    return _BUILT["demo"]


def demo_app(factory: pytest.TempPathFactory, **settings: object) -> Starlette:
    return create_app(Settings(index=demo_index(factory), corpus=ROOT / "corpus", **settings))  # type: ignore[arg-type]


@contextmanager
def running(app: Starlette) -> Iterator[TestClient]:
    """A client with the app's lifespan run (the index opened), errors as responses."""
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
