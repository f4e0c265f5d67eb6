"""Articles in: the article model, dates, language, the corpus folder, formats, importers.

Everything that turns files into validated `Article`s (SPEC §3, §4) and
research corpora into corpus files. May import `indexer.system` only; knows
nothing of entities, indexes or searching.
"""
