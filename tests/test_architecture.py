"""The architecture as rules: who may import whom, and the backend's one interface.

The folder listing says how Vindex is layered (see README, "Architecture");
these tests keep it true. Imports are read from the source (every import
statement, those only for type checking included), not by importing.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from indexer.archive.backend import Backend
from indexer.embedded.backend import EmbeddedBackend
from indexer.opensearch.backend import OpenSearchBackend

ROOT = Path(__file__).resolve().parents[1]

# indexer's subsystems from the bottom up: a module may import its own layer and
# the layers below it, never one above.
LAYERS = [
    ("indexer.settings", "indexer.system"),
    ("indexer.ingest",),
    ("indexer.entities",),
    ("indexer.editing",),
    ("indexer.archive",),
    # The embedded backend: its index (building, storage), then its search, then
    # the backend and the writer over both.
    ("indexer.embedded.index",),
    ("indexer.embedded.search",),
    # The OpenSearch backend sits beside the embedded one (neither imports the other).
    ("indexer.embedded", "indexer.opensearch"),
    ("indexer.archives", "indexer.cli", "indexer"),
]


def _modules(package: str) -> list[tuple[str, Path]]:
    folder = ROOT / package
    found = []
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found.append((".".join(parts), path))
    return found


def _imports(path: Path) -> set[str]:
    """Every module the file imports, absolute names (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _layer(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (length of the matching prefix, layer)
    for number, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), number)
    return best[1] if best else None


def _own(names: set[str], top: str) -> set[str]:
    return {n for n in names if n == top or n.startswith(top + ".")}


def test_only_the_embedded_backend_imports_whoosh() -> None:
    offenders = [
        f"{module} imports {sorted(_own(_imports(path), 'whoosh'))}"
        for package in ("indexer", "webapp")
        for module, path in _modules(package)
        if not module.startswith("indexer.embedded") and _own(_imports(path), "whoosh")
    ]
    assert offenders == []


def test_only_the_opensearch_backend_imports_its_client() -> None:
    offenders = [
        f"{module} imports {sorted(_own(_imports(path), 'opensearchpy'))}"
        for package in ("indexer", "webapp")
        for module, path in _modules(package)
        if not module.startswith("indexer.opensearch") and _own(_imports(path), "opensearchpy")
    ]
    assert offenders == []


def test_the_two_backends_never_import_each_other() -> None:
    offenders = [
        f"{module} -> {name}"
        for mine, other in (
            ("indexer.embedded", "indexer.opensearch"),
            ("indexer.opensearch", "indexer.embedded"),
        )
        for module, path in _modules(mine.replace(".", "/"))
        for name in _own(_imports(path), other)
    ]
    assert offenders == []


def test_the_library_never_imports_the_web_app() -> None:
    offenders = [module for module, path in _modules("indexer") if _own(_imports(path), "webapp")]
    assert offenders == []


def test_imports_only_point_down() -> None:
    offenders = []
    for module, path in _modules("indexer"):
        own = _layer(module)
        assert own is not None, f"{module} is in no layer: add its package to LAYERS"
        for name in _own(_imports(path), "indexer"):
            target = _layer(name)
            if target is not None and target > own and name != "indexer":
                offenders.append(f"{module} -> {name}")
    assert offenders == []


def test_the_web_app_reaches_the_archive_only_through_the_backend() -> None:
    """No view knows how the archive is stored: not the embedded backend, not its index."""
    offenders = [
        f"{module} -> {name}"
        for module, path in _modules("webapp")
        for name in _own(_imports(path), "indexer.embedded")
    ]
    assert offenders == []


@pytest.mark.parametrize("backend", [EmbeddedBackend, OpenSearchBackend])
@pytest.mark.parametrize(
    "name",
    [name for name, member in vars(Backend).items() if callable(member) and name[0] != "_"],
)
def test_each_backend_implements_every_method_of_the_protocol(backend: type, name: str) -> None:
    """Same names and parameters (mypy checks the types where the backend is opened)."""
    wanted = inspect.signature(getattr(Backend, name))
    implemented = getattr(backend, name, None)
    assert implemented is not None, f"{backend.__name__} has no {name}"
    got = inspect.signature(implemented)
    assert list(got.parameters) == list(wanted.parameters)
    for param in wanted.parameters.values():
        assert got.parameters[param.name].kind == param.kind, param.name
