"""Keeping an index's groups up to date, for the indexer: stage each written article's
fingerprint beside the engine's batch, commit with it, and group what is new once the run's
articles are all committed.

The groups file is checked against the engine first (``sync``): an article the engine holds and
the file does not know, or knows with another content hash (a run interrupted between the two
commits, or an index made before grouping existed), is fingerprinted again from its stored text.
A change of algorithm or of a threshold groups everything again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from search.analysis import index_text
from search.config import Settings, load_settings
from search.groups.copies import group_copies
from search.groups.fingerprints import Fingerprint, algorithm_version, fingerprint
from search.groups.store import HASH_CHARS, GroupStore
from search.groups.stories import group_stories
from search.types import Article, Engine, IndexDocument


@dataclass(frozen=True)
class GroupingSettings:
    """Thresholds, chosen on labelled Reuters-21578 pairs (benchmarks/RESULTS.md, "Stories");
    the defaults are ``search.config.Settings``'s."""

    copy_threshold: float = Settings.copy_threshold  # estimated Jaccard of word shingles
    copy_days: int = Settings.copy_days  # copies are published at most this far apart
    story_threshold: float = Settings.story_threshold  # cosine of title and lead tf-idf
    story_days: int = Settings.story_days  # a story takes articles this long after its first

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> GroupingSettings:
        settings = settings or load_settings()
        return cls(
            settings.copy_threshold,
            settings.copy_days,
            settings.story_threshold,
            settings.story_days,
        )


@dataclass
class GroupReport:
    fingerprinted: int = 0  # articles fingerprinted from their stored text (sync)
    copies: int = 0  # articles given a copy group
    stories: int = 0  # articles given a story
    everything: bool = False  # the algorithm or a threshold changed: all grouped again
    seconds: float = 0.0  # all grouping work of the run: checking, fingerprinting, grouping


def text_frequencies(engine: Engine) -> Callable[[list[str]], list[int]]:
    """How many articles hold each term in their text, about: the body field's count less the
    title field's (the body field holds the headline too). Headline words tell a story apart;
    counted with the headlines they weighed less, and story recall on the labelled Reuters pairs
    fell from 79% to 77% at 71% precision; counted this way it is 83% at 71% (RESULTS.md).
    The title field is asked only of the words some headline holds: a lookup costs tens of
    microseconds on a Whoosh index of many segments, and most words of a lead are in no title."""
    headline_words: set[str] | None = None

    def frequencies(terms: list[str]) -> list[int]:
        nonlocal headline_words
        if headline_words is None:
            headline_words = set(engine.terms_with_prefix("title", ""))
        body = engine.doc_frequencies("body", terms)
        asked = [t for t in terms if t in headline_words]
        title = dict(zip(asked, engine.doc_frequencies("title", asked), strict=True))
        return [max(b - title.get(t, 0), 0) for t, b in zip(terms, body, strict=True)]

    return frequencies


def epoch_seconds(published: datetime | None) -> int | None:
    return int(published.timestamp()) if published else None


class GroupBuilder:
    def __init__(self, index_dir: Path, settings: GroupingSettings | None = None) -> None:
        self.settings = settings or GroupingSettings.from_settings()
        self.store = GroupStore.of_index(index_dir)
        self.report = GroupReport()
        self.pending: list[tuple] = []  # staged with the engine's batch, written at commit

    def close(self) -> None:
        self.store.close()

    def sync(self, engine: Engine, stored: dict[str, str]) -> None:
        """Make the file agree with the engine's ``stored`` id -> content hash map, reading the
        articles it lacks from the engine."""
        started = time.perf_counter()
        store = self.store
        version = algorithm_version()
        params = json.dumps(asdict(self.settings), sort_keys=True)
        known = store.hashes()
        if store.meta("algorithm") != version:
            known = {}  # signatures from another algorithm cannot be compared with new ones
            self.report.everything = bool(stored)
        elif store.meta("settings") != params:
            store.ungroup_all()
            self.report.everything = bool(stored)
        store.remove([article_id for article_id in known if article_id not in stored])
        missing = [i for i, h in stored.items() if known.get(i) != h[:HASH_CHARS]]
        for start in range(0, len(missing), 1000):
            for article in filter(None, map(engine.get, missing[start : start + 1000])):
                self.add_article(article)
            self._flush()
            self.report.fingerprinted += len(missing[start : start + 1000])
        if store.meta("algorithm") != version:
            store.set_meta("algorithm", version)
        if store.meta("settings") != params:
            store.set_meta("settings", params)
        store.commit()
        self.report.seconds += time.perf_counter() - started

    def add_article(self, article: Article) -> None:
        self._stage(IndexDocument(article, index_text(article.title), index_text(article.body)))

    def stage(self, document: IndexDocument, made: Fingerprint | None = None) -> None:
        """Fingerprint an article the engine is about to commit (written with ``commit``);
        ``made``: its fingerprint, made already by a worker."""
        started = time.perf_counter()
        self._stage(document, made)
        self.report.seconds += time.perf_counter() - started

    def _stage(self, document: IndexDocument, made: Fingerprint | None = None) -> None:
        article = document.article
        self.pending.append(
            (
                article.id,
                article.content_hash,
                epoch_seconds(article.published),
                article.source,
                made or fingerprint(document.title_terms, document.body_terms),
            )
        )

    def commit(self) -> None:
        started = time.perf_counter()
        self._flush()
        self.report.seconds += time.perf_counter() - started

    def _flush(self) -> None:
        if self.pending:
            self.store.put_many(self.pending)
            self.pending = []
        self.store.commit()

    def cancel(self) -> None:
        self.pending = []
        self.store.db.rollback()

    def ungroup_all(self) -> None:
        self.store.ungroup_all()
        self.report.everything = True

    def group(self, engine: Engine) -> GroupReport:
        """Group every article not yet grouped, then commit. Stories weigh words by the
        engine's document frequencies, read on its newest commit."""
        started = time.perf_counter()
        settings = self.settings
        if self.store.meta("grouped") and not self.store.ungrouped():
            return self.report  # nothing new: the file is left untouched
        self.report.copies = group_copies(self.store, settings.copy_threshold, settings.copy_days)
        self.store.commit()
        self.report.stories = group_stories(
            self.store,
            threshold=settings.story_threshold,
            days=settings.story_days,
            articles=engine.stats().articles,
            document_frequencies=text_frequencies(engine),
        )
        self.store.set_meta("grouped", datetime.now(timezone.utc).isoformat(timespec="seconds"))
        self.store.commit()
        self.report.seconds += time.perf_counter() - started
        return self.report
