"""What a run of the indexer reports: counts of what it did with every record and file, the first
problems, and the one-line summary ``morgue reindex`` prints."""

from __future__ import annotations

from dataclasses import dataclass, field

from search.groups.builder import GroupReport


@dataclass
class IndexReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0
    versions: int = 0  # records kept as another version of a page read earlier in the run
    warnings: int = 0
    skipped: int = 0  # files in a folder that were not read (not an article format, dangling)
    skipped_records: int = 0  # records that hold no article (a web archive's images, revisits)
    commits: int = 0
    seconds: float = 0.0
    groups: GroupReport = field(default_factory=GroupReport)
    problems: list[str] = field(default_factory=list)  # the first ones, for callers that show them
    skipped_files: list[str] = field(default_factory=list)  # the first ones, with the reason
    shards: dict[str, int] = field(default_factory=dict)  # a cluster: articles written per shard

    @property
    def kept_nothing(self) -> bool:
        """Nothing was indexed and nothing already indexed was found: every input failed, or
        there was none. Scripts rely on the exit status of such a run being a failure."""
        return not (self.added or self.updated or self.unchanged)

    @property
    def rate(self) -> float:
        """Articles read per second over the whole run, commits and merges included."""
        handled = self.added + self.updated + self.unchanged + self.duplicates
        return handled / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        text = (
            f"{self.added:,} added, {self.updated:,} updated, {self.unchanged:,} unchanged, "
            f"{self.rejected:,} rejected"
        )
        if self.duplicates:
            text += f", {counted(self.duplicates, 'duplicate id')} skipped"
        if self.versions:
            text += f", {counted(self.versions, 'later version')} of a page kept beside the first"
        if self.warnings:
            text += f", {counted(self.warnings, 'warning')}"
        if self.skipped:
            text += f", {counted(self.skipped, 'file')} skipped"
        if self.skipped_records:
            text += f", {counted(self.skipped_records, 'record')} without an article skipped"
        if self.groups.everything:
            text += ", every article grouped again (new grouping settings)"
        text += f" in {self.seconds:.1f} s"
        if self.seconds >= 1 and self.rate:
            text += f" ({self.rate:,.0f} articles/s)"
        if self.shards:
            each = ", ".join(f"{address} {n:,}" for address, n in self.shards.items())
            text += f"; written per shard: {each}"
        return text


def counted(n: int, noun: str) -> str:
    """``n`` and the noun, plural unless one: "1 record", "7 records"."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
