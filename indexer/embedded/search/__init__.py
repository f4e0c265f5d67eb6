"""The embedded search core: requests answered from a Whoosh index and numpy arrays.

Its modules, in layers; a module imports only from the layers below its own
(tests/test_search_layers.py checks it):

0. The parts: `textquery` (the `q` syntax into a Whoosh tree), `expand`
   (names also find the articles about them), `prune` (a tree without what
   an index lacks), `highlight` (marking words), `lexicon` (each field's
   words in memory: expansions and their budget), `facets` (the facet kinds
   and their per-state arrays), `filter_values` (filter values matched
   folded, closest values to unknown ones), `documents` (stored fields
   decoded once per segment).
1. Built on those: `engine` (a tree evaluated over posting lists as arrays,
   BM25F scores), `spelling` (the closest well-attested word), `hits` (a hit
   from stored fields), `reading` (an article with a search's words marked).
2. `title_matches` (typed words' title matches, scored as the engine does).
3. `suggest` (completions while typing).
4. `states` (the index state a request reads, and its lifecycle).
5. The steps of a request over a state: `restrictions` (filter and date
   masks), `did_you_mean`, `related`;
6. and `result_facets` (counted over the restrictions but their own).
7. `core` (`SearchCore`: the request pipeline).
8. Over the core: `entity_report`, `facet_search`, `export`; and `stats`
   (what the index holds, read without a search core).

Only `indexer.embedded.backend` and the benchmarks use it from outside; the
rest of Vindex sees `indexer.archive`'s types. May import
`indexer.embedded.index`, `indexer.archive` and below.
"""
