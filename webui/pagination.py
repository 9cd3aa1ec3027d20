"""Which page numbers a results page links to: the first, the last and a few around the current,
with gaps marked, so a long result never gets a wall of numbers."""

from __future__ import annotations


def page_window(page: int, pages: int, around: int = 2) -> list[int | None]:
    """Page numbers to show: the first, the last and a few around the current; None is a gap."""
    wanted = {1, pages, *range(page - around, page + around + 1)}
    shown: list[int | None] = []
    for number in sorted(n for n in wanted if 1 <= n <= pages):
        if shown and number - shown[-1] > 1:  # type: ignore[operator]
            shown.append(None)
        shown.append(number)
    return shown
