"""The query layer: from what a researcher types to a tree every engine can run.

``tree`` is what a query means (the nodes engines translate, and the proximity rule); ``parser``
reads the query language into a tree; ``modes`` decides how strictly the words must all match;
``dates`` reads the dates of the ``date:`` field and of from/to filters; ``wildcards`` expands
patterns into the terms an engine holds. Import the modules themselves: this package loads nothing
on its own, so an engine importing the tree does not load the parser and its analyzer.
"""
