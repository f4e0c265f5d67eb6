"""Who holds which id, followed from one index state to the next (`track`, `follow`).

Under `vindex serve --workers 2` the workers' writers take turns at the
index, so each upload came after another writer's commit, and each read
every document's columns again to learn who holds which id. `follow`
brings a writer's owners up to date from what changed in the segments: it
must give exactly what reading them whole gives, whatever the other
writer did in between (adds, replacements, moves, deletes, merges), and
it must not read them whole.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import synthetic_article
from waiting import HANG

from indexer.editing.owners import Owners
from indexer.editing.writes import NewFile, Outcome
from indexer.embedded.index.store import IndexLocation
from indexer.embedded.owners import Tracked, follow, load_owners, track
from indexer.embedded.writer import Writer


def new_file(name: str, *articles: dict[str, object]) -> NewFile:
    lines = "".join(json.dumps(a) + "\n" for a in articles)
    return NewFile(name, lines.encode(), [Outcome("pending", str(a["id"])) for a in articles])


def whole(location: IndexLocation) -> Owners:
    return load_owners(location)


def same(followed: Tracked | None, location: IndexLocation) -> None:
    assert followed is not None
    read = whole(location)
    assert followed.owners.holder == read.holder
    assert {k: v for k, v in followed.owners.files.items() if v} == read.files
    assert followed.key == location.state_key()


def test_following_another_writers_commits_gives_what_reading_whole_gives(site: Path) -> None:
    location = IndexLocation(site / "index")
    tracked = track(location)
    assert tracked is not None
    owners = tracked.owners
    other = Writer(location, site / "corpus")
    other.start()
    try:
        other.upload([new_file("a.jsonl", synthetic_article(501), synthetic_article(502))])
        # A replacement moves t-1 out of the JSONL file that held it with two others.
        other.upload([new_file("t-1.json", {**synthetic_article(1), "title": "Moved"})])
        other.delete("t-100")
        other.delete("t-501").result(HANG)
        followed = follow(tracked, location)
        same(followed, location)
        assert followed is not None and followed.owners is owners  # followed, not read whole
        assert followed.owners.holder["t-1"] == "uploads/t-1.json"
        assert "t-100" not in followed.owners.holder and "t-501" not in followed.owners.holder
        # Followed again from there, after more commits.
        other.upload([new_file("b.jsonl", synthetic_article(503))]).result(HANG)
        same(follow(followed, location), location)
    finally:
        other.stop()


def test_segments_merged_away_are_followed(site: Path) -> None:
    location = IndexLocation(site / "index")
    tracked = track(location)
    assert tracked is not None
    ix = location.open()
    try:
        # A commit that merges every segment into one: none of the tracked segments is left.
        writer = ix.writer()
        writer.delete_by_term("id", "t-2")
        writer.commit(optimize=True)
        with ix.reader() as reader:
            now = {leaf.segment().segment_id() for leaf, _ in reader.leaf_readers()}
    finally:
        ix.close()
    assert not now & set(tracked.segments)
    same(follow(tracked, location), location)


def test_a_rebuild_is_not_followed(writer: Writer, site: Path) -> None:
    location = IndexLocation(site / "index")
    tracked = track(location)
    assert tracked is not None
    writer.reindex()
    # One queue, taken in order: the answer to a write queued after the job comes after it.
    writer.delete("nobody").result(HANG)
    assert follow(tracked, location) is None


def test_each_writer_keeps_the_index_owners_when_two_take_turns(site: Path) -> None:
    """Two writers as two workers' would: each upload after the other's commit.

    An id that the first writer added and the second deleted is no longer held
    in the first one's owners: its next upload of that id creates it again.
    """
    location = IndexLocation(site / "index")
    one, two = Writer(location, site / "corpus"), Writer(location, site / "corpus")
    one.start()
    two.start()
    try:
        created = one.upload([new_file("x.jsonl", synthetic_article(601))]).result(HANG)
        assert [o.status for o in created] == ["created"]
        assert two.delete("t-601").result(HANG).status == "deleted"
        again = one.upload([new_file("y.jsonl", synthetic_article(601))]).result(HANG)
        assert [(o.status, o.file) for o in again] == [("created", "uploads/y.jsonl")]
        two.upload([new_file("z.jsonl", synthetic_article(602))]).result(HANG)
        one.upload([new_file("w.jsonl", {**synthetic_article(602), "title": "Again"})])
        one.delete("t-0").result(HANG)
        assert whole(location).holder["t-602"] == "uploads/w.jsonl"
        for writer in (one, two):
            kept = writer._owners  # the owners each keeps for its next batch
            if kept is not None:
                same(follow(kept, location), location)
    finally:
        one.stop()
        two.stop()
