"""Grouping: copies (near-identical texts: wire copies, corrections, updated versions) and stories
(the coverage of one event across outlets, in their own words), made at index time, kept in a
file beside the engine's and the same on every engine.

``fingerprints`` (what is kept of an article), ``store`` (the file), ``copies`` and ``stories``
(the two groupings), ``builder`` (what the indexer calls), ``views`` (what searching reads).
"""
