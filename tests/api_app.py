"""The app on a real index of the demo archive, built once per test session for the API tests."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from demo_corpus import copy_demo_corpus
from starlette.applications import Starlette
from starlette.testclient import TestClient

from indexer.editing.writes import NewFile, Outcome
from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import IndexLocation
from indexer.settings import Settings
from webapp.app import create_app

_BUILT: dict[str, Path] = {}


def demo_site(factory: pytest.TempPathFactory) -> Path:
    """A folder holding a copy of the demo articles (`corpus`) and their index (`index`).

    Built on first use in the session and shared: no test may write to it.
    """
    if "demo" not in _BUILT:
        root = factory.mktemp("api-demo")
        update_index(IndexLocation(root / "index"), copy_demo_corpus(root / "corpus"))
        _BUILT["demo"] = root
    return _BUILT["demo"]


def copy_of_site(site: Path, root: Path) -> Path:
    """A copy of a site's corpus and index (such as `demo_site`'s) in `root`, to write to."""
    for part in ("index", "corpus"):
        shutil.copytree(site / part, root / part, symlinks=True)
    return root


def json_upload(article: dict[str, Any]) -> NewFile:
    """An article as an uploaded JSON file named after its id, to be created."""
    data = json.dumps(article).encode()
    return NewFile(f"{article['id']}.json", data, [Outcome("new", article["id"])])


def demo_index(factory: pytest.TempPathFactory) -> Path:
    """The demo archive's index (see `demo_site`)."""
    return demo_site(factory) / "index"


def demo_app(factory: pytest.TempPathFactory, **settings: object) -> Starlette:
    root = demo_site(factory)
    return create_app(Settings(index=root / "index", corpus=root / "corpus", **settings))  # type: ignore[arg-type]


@contextmanager
def running(app: Starlette) -> Iterator[TestClient]:
    """A client with the app's lifespan run (the index opened), errors as responses."""
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def editor_client(site: Path, token: str, **settings: Any) -> TestClient:
    """The app over a site folder (corpus/ and index/) with an editor token; errors as answers."""
    app = create_app(
        Settings(index=site / "index", corpus=site / "corpus", editor_token=token, **settings)
    )
    return TestClient(app, raise_server_exceptions=False)
