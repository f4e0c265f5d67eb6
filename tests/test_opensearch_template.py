"""The index template: analyzers equivalent to the embedded ones, mappings, alias swaps."""

from __future__ import annotations

from datetime import UTC, datetime

from indexer.embedded.index.analysis import WORD_PATTERN as EMBEDDED_PATTERN
from indexer.embedded.index.analysis import stop_words as embedded_stop_words
from indexer.embedded.index.schema import FIELD_BOOSTS as EMBEDDED_BOOSTS
from indexer.embedded.index.schema import SEARCH_FIELDS
from indexer.opensearch import aliases
from indexer.opensearch.template import (
    FIELD_BOOSTS,
    analysis,
    index_body,
    mappings,
    stop_words,
    template_body,
)


def test_the_stop_words_are_the_embedded_analyzers() -> None:
    for language in ("en", "de"):
        assert set(stop_words()[language]) == embedded_stop_words(language)


def test_each_language_group_is_analysed_as_the_embedded_index_does() -> None:
    settings = analysis()
    assert settings["analyzer"]["vindex_en"] == {
        "type": "custom",
        "tokenizer": "vindex_words",
        "filter": ["lowercase", "vindex_fold", "vindex_keep_en", "vindex_stem_en"],
    }
    # No stemming and no stop words for the other languages, only folding.
    assert settings["analyzer"]["vindex_xx"]["filter"] == ["lowercase", "vindex_fold"]
    assert settings["filter"]["vindex_stem_de"] == {"type": "snowball", "language": "German"}
    # Stop words are kept from the stemmer, never removed (no stop filter anywhere).
    assert settings["filter"]["vindex_keep_en"]["type"] == "keyword_marker"
    assert all(f["type"] != "stop" for f in settings["filter"].values())
    assert settings["filter"]["vindex_fold"] == {"type": "asciifolding", "preserve_original": False}
    tokenizer = settings["tokenizer"]["vindex_words"]
    assert tokenizer["flags"] == "UNICODE_CHARACTER_CLASS"
    # Whoosh's pattern, in the Unicode word characters that the flag gives Java's `\w`.
    assert EMBEDDED_PATTERN.startswith("[\\w") and tokenizer["pattern"] == r"\w+(?:\.?\w+)*"


def test_the_mappings_have_the_embedded_search_fields_and_keyword_facets() -> None:
    properties = mappings()["properties"]
    for name in SEARCH_FIELDS:
        group = name.rsplit("_", 1)[1]
        assert properties[name]["analyzer"] == f"vindex_{group}"
    assert FIELD_BOOSTS == EMBEDDED_BOOSTS
    for name in ("section", "sections", "person", "organization", "place", "language", "source"):
        assert properties[name] == {
            "type": "keyword",
            "fields": {"folded": {"type": "keyword", "normalizer": "vindex_folded"}},
        }
    assert properties["published"] == {"type": "date"}
    assert properties["title_en"]["copy_to"] == "spelling"
    assert "copy_to" not in properties["body_en"]
    assert mappings()["dynamic"] == "strict"


def test_every_version_is_made_from_one_template() -> None:
    body = template_body("vindex", shards=3, replicas=2)
    assert body["index_patterns"] == ["vindex-*"]
    assert body["template"] == index_body(3, 2)
    assert body["template"]["settings"]["number_of_shards"] == 3


def test_a_rebuild_swaps_the_alias_in_one_request_old_indexes_named() -> None:
    new = aliases.version_name("vindex", datetime(2026, 12, 4, 6, 15, tzinfo=UTC))
    assert new == "vindex-20261204t061500000000"
    assert aliases.is_version("vindex", new)
    assert not aliases.is_version("vindex", "vindex-other-20261204t061500000000")
    assert not aliases.is_version("vindex", "vindexfoo")
    assert aliases.swap_actions("vindex", new, ["vindex-20261201t000000000000"]) == {
        "actions": [
            {"add": {"index": new, "alias": "vindex"}},
            {
                "remove": {
                    "index": "vindex-20261201t000000000000",
                    "alias": "vindex",
                    "must_exist": True,
                }
            },
        ]
    }
    # The first build: nothing to remove.
    assert aliases.swap_actions("vindex", new, []) == {
        "actions": [{"add": {"index": new, "alias": "vindex"}}]
    }


def test_a_version_is_filled_without_refreshes_or_replicas_then_served() -> None:
    assert aliases.build_settings() == {
        "index": {"refresh_interval": "-1", "number_of_replicas": 0}
    }
    assert aliases.serve_settings(2) == {
        "index": {"refresh_interval": "1s", "number_of_replicas": 2}
    }
