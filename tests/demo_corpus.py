"""The demo articles of corpus/, copied into a test's own folder: never the live corpus itself.

`corpus/` is also where `make run`'s editor writes (`corpus/uploads/`, and
`corpus/.trash/` for what it removed), so a developer's one upload changed
every count the tests pinned on the demo archive. The demo articles are the
files git tracks under corpus/; without git (a source archive), every file
there but the editor's two folders and hidden files. Tests index a copy, so
no test reads the live folder or writes to it (an app's start-up
reconciliation would index uploads, an editor test would write there).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from indexer.editing.trash import TRASH
from indexer.editing.uploads import UPLOADS

ROOT = Path(__file__).resolve().parents[1]
CORPUS = "corpus"


def demo_files(root: Path = ROOT) -> list[Path]:
    """The demo articles' paths relative to `root / "corpus"`, sorted."""
    folder = root / CORPUS
    candidates = tracked_files(root)
    if not candidates:
        # Not a git checkout: the editor's folders and hidden files are not demo articles.
        candidates = [p.relative_to(folder) for p in folder.rglob("*") if p.is_file()]
    return sorted(
        path
        for path in candidates
        if path.parts[0] not in (UPLOADS, TRASH)
        and not any(part.startswith(".") for part in path.parts)
        # A tracked file deleted in the working tree is not there to copy.
        and (folder / path).is_file()
    )


def tracked_files(root: Path = ROOT) -> list[Path]:
    """The files git tracks under `root / "corpus"`, relative to it; none without git."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", CORPUS],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        return []
    return [Path(name).relative_to(CORPUS) for name in listed.split("\0") if name]


def copy_demo_corpus(target: Path, root: Path = ROOT) -> Path:
    """Copy the demo articles into the new folder `target`; returns it."""
    target.mkdir(parents=True)
    for path in demo_files(root):
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / CORPUS / path, target / path)
    return target
