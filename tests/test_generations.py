"""Generations on disk: only the served one stays, with what readers still hold.

At the Reuters import's size a generation is 74 MB; a rebuild killed half way
leaves a half-built one, and each rebuild used to keep the one before.
"""

from __future__ import annotations

import gc
import shutil
import signal
from pathlib import Path

from build_processes import BACKSTOP, children, small_index, vindex_index, wait_until

from indexer.embedded.index.build import update_index
from indexer.embedded.index.store import BUILDING, IndexLocation, LiveIndex


def test_old_generations_do_not_pile_up_but_a_reader_keeps_its_own(
    corpus: Path, tmp_path: Path
) -> None:
    location = IndexLocation(tmp_path / "index")
    update_index(location, corpus)
    for _ in range(3):
        update_index(location, corpus, rebuild=True)
    assert location.generations() == [location.current()]

    # A reader (a server's search core, a long export) holds the generation it opened.
    live = LiveIndex(location)
    searcher = live.get().searcher()
    held = location.current()
    update_index(location, corpus, rebuild=True)
    assert location.current() != held
    assert location.generations() == [held, location.current()]
    # It reads on, although `current` moved on.
    assert searcher.document(id="osce-conference") is not None
    assert live.get().doc_count() == 5

    # Once it let go, the next build (or start-up) removes it.
    searcher.close()
    del searcher
    gc.collect()
    update_index(location, corpus)
    assert location.generations() == [location.current()]
    live.close()


def test_a_plain_index_after_a_killed_rebuild_removes_its_half_built_generation(
    tmp_path: Path, big_files: list[Path]
) -> None:
    index, corpus = small_index(tmp_path, big_files)
    location = IndexLocation(index)
    served = location.current()
    for path in big_files[1:]:
        shutil.copy(path, corpus)
    cli = vindex_index(index, corpus, "--rebuild")
    wait_until(
        lambda: (
            len(children(cli.pid)) >= 2
            and any((g / BUILDING).exists() for g in location.generations())
        ),
        "the rebuild never started",
    )
    cli.send_signal(signal.SIGKILL)
    cli.wait()
    for pipe in (cli.stdout, cli.stderr):
        assert pipe is not None
        pipe.close()
    assert len(location.generations()) == 2
    after = vindex_index(index, corpus)
    _out, err = after.communicate(timeout=BACKSTOP)
    assert after.returncode == 0, err
    assert location.current() == served
    assert location.generations() == [served]
