"""A story's coverage, for its page and ``morgue story``: its articles in time order, which came
first, each outlet's first report, and for each group of copies what every copy changed from
the earliest (a word-level diff: what an outlet cut, added or rewrote)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from search.groups.store import Member
from search.groups.views import open_groups
from search.types import Article, Engine

DIFF_WORDS = 5000  # longer texts are compared on their first this many words


@dataclass(frozen=True)
class Change:
    """One step of a diff: ``equal``, ``insert`` (words the copy added), ``delete`` (words it
    cut) or ``replace`` (``before`` became ``after``)."""

    op: str
    before: str = ""
    after: str = ""


@dataclass
class CopyDiff:
    article: Article
    changes: list[Change]
    added: int  # words
    removed: int

    @property
    def identical(self) -> bool:
        return not (self.added or self.removed)


@dataclass
class CopyGroup:
    id: str  # its first article's id
    first: Article
    copies: list[CopyDiff] = field(default_factory=list)


@dataclass
class OutletCoverage:
    source: str
    first: Article
    articles: int


@dataclass
class Story:
    id: str  # its first article's id
    articles: list[Article]  # in time order (undated last)
    copy_groups: list[CopyGroup]  # those with more than one article
    outlets: list[OutletCoverage]  # by first report

    @property
    def first(self) -> Article:
        return self.articles[0]

    @property
    def sources(self) -> list[str]:
        return [o.source for o in self.outlets]

    @property
    def tied_with_first(self) -> list[Article]:
        """The other articles published at the first one's time (for articles known only by
        their day: the same day), so that "first" is not claimed on the order of ids."""
        first = self.first
        if first.published is None:
            return []
        return [a for a in self.articles[1:] if a.published == first.published]


def article_groups(engine: Engine, article_id: str) -> tuple[list[Article], Story | None]:
    """The other copies of an article (first one first) and its story (None when it is alone
    or the index has no groups)."""
    store = open_groups(engine.path)
    if store is None:
        return [], None
    with store:
        member = store.member(article_id)
        if member is None:
            return [], None
        copies = [m for m in store.members("copy_group", member.copy_group) if m.id != article_id]
        story_members = store.members("story", member.story)
    copies_found = _articles(engine, copies)
    story = _story(engine, story_members) if len(story_members) > 1 else None
    return copies_found, story


NO_GROUPS = "this index has no copies or stories grouped yet: run `morgue regroup`"


def groups_ready(engine: Engine) -> bool:
    """Whether the index has been grouped (an index made before grouping has not)."""
    store = open_groups(engine.path)
    if store is None:
        return False
    store.close()
    return True


def story_by_id(engine: Engine, story_id: str) -> Story | None:
    """The story named ``story_id`` (its first article's id); an article's id that is not a
    story's name finds the story it belongs to."""
    store = open_groups(engine.path)
    if store is None:
        return None
    with store:
        member = store.member(story_id)
        if member is None or member.story is None:
            return None
        members = store.members("story", member.story)
    return _story(engine, members)


def _articles(engine: Engine, members: list[Member]) -> list[Article]:
    return [a for a in (engine.get(m.id) for m in members) if a is not None]


def _story(engine: Engine, members: list[Member]) -> Story:
    articles = _articles(engine, members)
    by_copy: dict[int, list[Article]] = {}
    ids = {m.id: m for m in members}
    for article in articles:
        member = ids[article.id]
        by_copy.setdefault(member.copy_group or -member.num, []).append(article)
    copy_groups = [
        CopyGroup(group[0].id, group[0], [diff(group[0], copy) for copy in group[1:]])
        for group in by_copy.values()
        if len(group) > 1
    ]
    outlets: dict[str, OutletCoverage] = {}
    for article in articles:
        seen = outlets.get(article.source)
        if seen is None:
            outlets[article.source] = OutletCoverage(article.source, article, 1)
        else:
            seen.articles += 1
    return Story(articles[0].id if articles else "", articles, copy_groups, list(outlets.values()))


def diff(first: Article, copy: Article) -> CopyDiff:
    """What ``copy`` changed from ``first``, word by word (title and text)."""
    before = f"{first.title}\n{first.body}".split()[:DIFF_WORDS]
    after = f"{copy.title}\n{copy.body}".split()[:DIFF_WORDS]
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    changes, added, removed = [], 0, 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        changes.append(Change(op, " ".join(before[i1:i2]), " ".join(after[j1:j2])))
        removed += i2 - i1 if op in ("delete", "replace") else 0
        added += j2 - j1 if op in ("insert", "replace") else 0
    return CopyDiff(copy, changes, added, removed)


def tie_note(story: Story) -> str:
    """ "" or " (the same day as Fox News)": what a reader must know before calling one first."""
    tied = story.tied_with_first
    if not tied:
        return ""
    published = story.first.published
    moment = "day" if (published.hour, published.minute) == (0, 0) else "time"
    names = ", ".join(dict.fromkeys(a.source for a in tied))
    return f" (the same {moment} as {names})"


def when(article: Article) -> str:
    """The publication time as a reader wants it: the day, and the time when one is known."""
    if article.published is None:
        return "undated"
    if (article.published.hour, article.published.minute) == (0, 0):
        return article.date_text or ""
    return article.published.strftime("%Y-%m-%d %H:%M UTC")
