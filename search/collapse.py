"""Groups in search results: each hit carries its copy group and story, the totals count stories
beside articles, and a collapsed list shows one hit per group (its best-ranked member) with what
it folds.

The groups come from the index's groups file (``search.groups``), joined to the engine's matches
by article id, so this works the same on every engine. Counting groups needs every match's id;
past ``COUNT_LIMIT`` matches the counts are left out (a collapsed list still works: it reads the
ranked hits only as far as its page needs).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from search.groups.store import GroupStore, Member
from search.query.tree import Node
from search.types import Engine, FacetCount, Hit, MatchedArticle, SearchRequest

COUNT_LIMIT = 100_000
COLUMN = {"copies": "copy_group", "stories": "story"}


@dataclass
class MatchGroups:
    """The groups of every match of a search."""

    members: list[Member]
    copy_groups: int
    stories: int
    matches: dict[tuple[str, int], int] = field(default_factory=dict)  # (column, group) -> count
    source_stories: list[FacetCount] = field(default_factory=list)

    def outlets(self, keys: set[tuple[str, int]]) -> dict[tuple[str, int], Counter[str]]:
        """The outlets of the matches in each of ``keys``' groups: asked only for the groups a
        page shows (a Counter for every group of 15,000 matches was most of a search's time)."""
        found: dict[tuple[str, int], Counter[str]] = {key: Counter() for key in keys}
        columns = {column for column, _ in keys}
        for member in self.members:
            for column in columns:
                if (key := (column, _group(member, column))) in found:
                    found[key][member.source] += 1
        return found


def matched_members(
    store: GroupStore, engine: Engine, query: Node, request: SearchRequest
) -> list[Member]:
    """The groups of every match: joined on ``id_hash`` (the engine reads it from a column,
    2 ms for 15,000 matches where their ids took 23), or on the ids past the reader's snapshot
    limit."""
    members = store.lookup_hashes(engine.match_hashes(query, request))
    if members is None:
        members = list(store.lookup(engine.match_keys(query, request)).values())
    return members


def match_groups(members: list[Member]) -> MatchGroups:
    # Counted by C loops (Counter over lists, a set of pairs): 15,000 matches in a few ms.
    copies = Counter(m.copy_group if m.copy_group is not None else -m.num for m in members)
    stories_of = [m.story if m.story is not None else -m.num for m in members]
    stories = Counter(stories_of)
    pairs = set(zip([m.source for m in members], stories_of, strict=True))
    outlets = Counter(source for source, _ in pairs)
    source_stories = sorted(
        (FacetCount(source, n) for source, n in outlets.items()),
        key=lambda f: (-f.count, f.value.casefold()),
    )
    matches = {("copy_group", group): n for group, n in copies.items()}
    matches.update((("story", group), n) for group, n in stories.items())
    return MatchGroups(
        members,
        copy_groups=len(copies),
        stories=len(stories),
        matches=matches,
        source_stories=source_stories,
    )


def _group(member: Member | None, column: str) -> int | None:
    if member is None:
        return None
    group = member.copy_group if column == "copy_group" else member.story
    return group if group is not None else -member.num  # not grouped yet: a group of its own


def collapsed(
    ranked: Iterator[MatchedArticle],
    store: GroupStore,
    known: MatchGroups | None,
    collapse: str,
    first: int,
    count: int,
    shown: Iterable[Member] = (),
) -> list[MatchedArticle]:
    """Entries ``first`` to ``first + count`` of the ranked matches with one entry per group:
    the best-ranked member of each. Reads the ranking only as far as those entries. The groups
    of ``shown`` (listed elsewhere on the page) get no entry."""
    column = COLUMN[collapse]
    skipped = {_group(member, column) for member in shown}
    seen: set[int | str] = set()
    page: list[MatchedArticle] = []
    for chunk in chunked(ranked, 100):
        members = store.lookup(m.article.id for m in chunk)
        for match in chunk:
            group = _group(members.get(match.article.id), column)
            key = group if group is not None else match.article.id
            if key in seen or key in skipped:
                continue
            seen.add(key)
            if len(seen) > first:
                page.append(match)
                if len(page) == count:
                    return page
    return page


def chunked(items: Iterable, size: int) -> Iterator[list]:
    """Lists of ``size`` items, the last one shorter (``itertools.batched`` from Python 3.12)."""
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def annotate(
    hits: list[Hit],
    store: GroupStore,
    known: MatchGroups | None = None,
    collapse: str = "none",
) -> list[Hit]:
    """The hits with their groups (names, sizes) and, when collapsed, what each one folds."""
    members = store.lookup(h.id for h in hits)
    found = [members.get(h.id) for h in hits]
    copy_nums = [m.copy_group for m in found if m and m.copy_group is not None]
    story_nums = [m.story for m in found if m and m.story is not None]
    names = store.ids(copy_nums + story_nums)
    copy_sizes = store.sizes("copy_group", copy_nums)
    story_sizes = store.sizes("story", story_nums)
    column = COLUMN.get(collapse)
    outlets = {}
    if column and known:
        outlets = known.outlets({(column, _group(m, column)) for m in found if m is not None})
    annotated = []
    for hit, member in zip(hits, found, strict=True):
        if member is None:  # written after the groups were last made
            annotated.append(hit)
            continue
        values = {
            "copy_group": names.get(member.copy_group),
            "copies": copy_sizes.get(member.copy_group, 1),
            "story": names.get(member.story),
            "story_size": story_sizes.get(member.story, 1),
        }
        if column and known:
            key = (column, _group(member, column))
            values["collapsed"] = known.matches.get(key, 1) - 1
            others = outlets[key].copy()
            others[member.source] -= 1
            values["collapsed_outlets"] = sum(1 for n in others.values() if n > 0)
        annotated.append(replace(hit, **values))
    return annotated
