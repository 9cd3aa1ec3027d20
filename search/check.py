"""``check_index``: can this index be trusted? Opens it, counts it, reads every stored article.

A damaged index (a truncated or missing file, a table of contents that does not match its
segments) must be reported as such, with the way out, instead of failing later in a search:
rebuild it from the sources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from search.archive import is_cluster, open_archive
from search.errors import IndexNotFoundError, MorgueError
from search.groups.views import open_groups
from search.ingest.base import DIGEST_BYTES

_DIGEST = re.compile(f"[0-9a-f]{{{2 * DIGEST_BYTES}}}")  # as ``Known.digest`` writes them


@dataclass
class CheckReport:
    path: str
    ok: bool
    articles: int = 0
    problems: list[str] = field(default_factory=list)
    missing: bool = False  # no index at all: nothing is damaged, there is nothing yet
    notes: list[str] = field(default_factory=list)  # not damage: what the next run completes

    @property
    def advice(self) -> str:
        if is_cluster(self.path):
            return (
                "rebuild it from your sources into empty shards: `morgue cluster init NEW "
                "--shard ...`, then `morgue reindex PATH... --index NEW`"
            )
        return (
            f"rebuild it from your sources: `morgue reindex --rebuild PATH... --index {self.path}`"
        )


def check_index(path: str | Path) -> CheckReport:
    report = CheckReport(str(path), ok=False)
    try:
        engine = open_archive(path)
    except IndexNotFoundError as exc:
        report.problems.append(str(exc))
        report.missing = True
        return report
    except MorgueError as exc:
        report.problems.append(str(exc))
        return report
    try:
        with engine:
            _check_engine(engine, report)
            _check_groups(engine, report)
    except MorgueError as exc:
        report.problems.append(str(exc))
    except Exception as exc:  # any failure to read is damage: say what, never a traceback
        report.problems.append(f"unreadable ({type(exc).__name__}: {exc})")
    report.ok = not report.problems
    return report


def _check_groups(engine, report: CheckReport) -> None:
    """Groups are derived data: a file that lags the index (a run stopped between the two
    commits) or is missing is no damage, and the next reindex or ``morgue regroup`` completes
    it; the user is told so."""
    store = open_groups(engine.path)
    if store is None:
        report.notes.append("no copies or stories grouped yet: run `morgue regroup`")
        return
    with store:
        known, grouped = store.count()
    if known != report.articles or grouped != known:
        report.notes.append(
            f"copies and stories cover {grouped:,} of {report.articles:,} articles: the next "
            "`morgue reindex` or `morgue regroup` completes them"
        )


def _check_engine(engine, report: CheckReport) -> None:
    """The engine's own check, counts, the per-document columns a reindex relies on, and every
    stored article."""
    report.problems.extend(engine.verify())
    stats = engine.stats()
    hashes = engine.stored_hashes()
    digests = engine.stored_digests()
    if len(hashes) != stats.articles:
        report.problems.append(
            f"the id and content-hash column covers {len(hashes):,} of {stats.articles:,} articles"
        )
    strays = [d for d, article_id in digests.items() if article_id not in hashes]
    malformed = [d for d in digests if not _DIGEST.fullmatch(d)]
    if strays or malformed:
        report.problems.append(
            f"the raw-digest column does not match the articles ({len(strays):,} digests of "
            f"unknown articles, {len(malformed):,} unreadable digests)"
        )
    seen: set[str] = set()
    for article in engine.iter_articles():
        if article.id in seen:
            report.problems.append(f"article id {article.id!r} is stored twice")
        seen.add(article.id)
        if hashes.get(article.id) != article.content_hash:
            report.problems.append(f"article {article.id!r}: stored fields and columns disagree")
    report.articles = len(seen)
    if len(seen) != stats.articles:
        report.problems.append(f"{stats.articles:,} articles counted, {len(seen):,} readable")
