"""The progress of a long reindex on a terminal: a bar over the bytes read, then the commits."""

from __future__ import annotations

import sys
import threading

from search.indexer import Progress


class TqdmProgress(Progress):
    """A progress bar over input bytes, then a line per commit; draws nothing when disabled.

    While a commit runs (the bulk writer merges segments at the end, which can take longer than
    reading did) the bar says so and keeps its clock moving, so it never sits silent at 100%.
    """

    TICK_SECONDS = 0.5

    def __init__(self, enabled: bool, file=None) -> None:
        self.enabled = enabled
        self.file = file
        self._bar = None
        self._articles = 0
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self, total_bytes: int) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        self._bar = tqdm(
            total=total_bytes,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc="reading",
            file=self.file or sys.stderr,
            dynamic_ncols=True,
            leave=False,
        )

    def advance(self, done_bytes: int, articles: int) -> None:
        if self._bar is None:
            return
        self._articles = articles
        self._bar.n = min(done_bytes, self._bar.total or done_bytes)
        elapsed = self._bar.format_dict.get("elapsed") or 0
        rate = articles / elapsed if elapsed else 0
        self._bar.set_postfix_str(f"{articles:,} articles read, {rate:,.0f}/s", refresh=False)
        self._bar.refresh()

    def committing(self, articles: int) -> None:
        self._phase("committing", f"writing {articles:,} articles, merging segments")

    def grouping(self) -> None:
        self._phase("grouping", "copies and stories")

    def _phase(self, name: str, doing: str) -> None:
        """A step that reads no input: said on the bar, whose clock keeps moving."""
        if self._bar is None:
            return
        self._bar.set_description_str(name, refresh=False)
        self._bar.set_postfix_str(doing, refresh=False)
        self._bar.refresh()
        self._stop.clear()
        self._ticker = threading.Thread(target=self._tick, daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.wait(self.TICK_SECONDS):
            bar = self._bar
            if bar is not None:
                bar.refresh()

    def committed(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        if self._bar is not None:
            self._bar.set_description_str("reading", refresh=False)
            self.advance(self._bar.n, self._articles)

    def clear(self) -> None:
        """Make room for a message line above the bar."""
        if self._bar is not None:
            self._bar.clear()

    def finish(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        if self._bar is not None:
            self._bar.close()
            self._bar = None
