"""The search core's modules import only from the layers below their own (its package docstring)."""

from __future__ import annotations

import ast
from pathlib import Path

import indexer.embedded.search as package

# The layers of indexer/embedded/search/__init__.py's docstring, bottom first.
LAYERS = (
    {
        "textquery",
        "expand",
        "prune",
        "highlight",
        "lexicon",
        "facets",
        "filter_values",
        "documents",
    },
    {"engine", "spelling", "hits", "reading"},
    {"title_matches"},
    {"suggest"},
    {"states"},
    {"restrictions", "did_you_mean", "related"},
    {"result_facets"},
    {"core"},
    {"entity_report", "facet_search", "export", "stats"},
)
PREFIX = "indexer.embedded.search."


def _layer(module: str) -> int:
    return next(number for number, names in enumerate(LAYERS) if module in names)


def _imported(path: Path) -> set[str]:
    """The search modules a module imports (`from indexer.embedded.search import x` too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith(PREFIX):
                found.add(node.module.removeprefix(PREFIX).split(".")[0])
            elif node.module == PREFIX.rstrip("."):
                found.update(alias.name for alias in node.names)
    return found


def test_every_module_is_in_a_layer() -> None:
    folder = Path(package.__file__).parent
    modules = {path.stem for path in folder.glob("*.py")} - {"__init__"}
    assert modules == set().union(*LAYERS)


def test_imports_point_down() -> None:
    folder = Path(package.__file__).parent
    offenders = [
        f"{path.stem} -> {name}"
        for path in sorted(folder.glob("*.py"))
        if path.stem != "__init__"
        for name in sorted(_imported(path))
        if _layer(name) >= _layer(path.stem)
    ]
    assert offenders == []
