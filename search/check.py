"""``check_index``: can this index be trusted? Opens it, counts it, reads every stored article.

A damaged index (a truncated or missing file, a table of contents that does not match its
segments) must be reported as such, with the way out, instead of failing later in a search:
rebuild it from the sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from search.engines import open_engine
from search.errors import IndexNotFoundError, MorgueError


@dataclass
class CheckReport:
    path: str
    ok: bool
    articles: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def advice(self) -> str:
        return (
            f"rebuild it from your sources: `morgue reindex --rebuild PATH... --index {self.path}`"
        )


def check_index(path: str | Path) -> CheckReport:
    report = CheckReport(str(path), ok=False)
    try:
        engine = open_engine(path)
    except IndexNotFoundError as exc:
        report.problems.append(str(exc))
        return report
    except MorgueError as exc:
        report.problems.append(str(exc))
        return report
    try:
        with engine:
            stats = engine.stats()
            hashes = engine.stored_hashes()
            seen: set[str] = set()
            for article in engine.iter_articles():
                if article.id in seen:
                    report.problems.append(f"article id {article.id!r} is stored twice")
                seen.add(article.id)
                if hashes.get(article.id) != article.content_hash:
                    report.problems.append(
                        f"article {article.id!r}: stored fields and columns disagree"
                    )
            report.articles = len(seen)
            if len(seen) != stats.articles:
                report.problems.append(
                    f"{stats.articles:,} articles counted, {len(seen):,} readable"
                )
    except MorgueError as exc:
        report.problems.append(str(exc))
    except Exception as exc:  # any failure to read is damage: say what, never a traceback
        report.problems.append(f"unreadable ({type(exc).__name__}: {exc})")
    report.ok = not report.problems
    return report
