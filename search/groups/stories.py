"""Stories: the articles about one event, from every outlet, within a few days.

Articles are taken in publication order. Each one joins the open story it is most like, when
that likeness reaches the threshold, or opens a story of its own. A story is open for
``days`` after its first article (its leader), so coverage of one event cannot drift, one
similar article at a time, into weeks of a running subject: daily market reports are each their
own story. Likeness is the cosine of tf-idf vectors over the title and lead (the first terms of
the text) against the story's centroid (the sum of its members' vectors), so a story is joined
by what is like it as a whole, not by a chain of articles each like only the last; a copy of an
article already in an open story joins that story. Only stories that share at least
``MIN_SHARED`` of an article's most telling words (its heaviest terms) are compared with it, at
most ``MAX_COMPARED`` of them, and only those that name one of its rare words (a company, a
person, a place: the same earnings flash about another company shares every other word).

Taking articles in time order makes the groups a function of the articles, not of the order
they were indexed in, as long as each decision sees the same earlier articles: a run that adds
only later articles decides only for them; a run that adds or changes an earlier one decides
again for everything from that time on. The weights (idf) are those of the archive when the
decision is made, so an archive that grows may word a later decision differently from an
earlier one; ``morgue regroup`` decides everything again with today's weights.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain

from search.groups.store import GroupStore, unpack_lead

DAY_SECONDS = 86_400
TOP_TERMS = 12
MIN_SHARED = 3  # of an article's TOP_TERMS a story must hold to be compared with it
MAX_COMPARED = 4  # stories compared with an article at most: those sharing most of them
RARE_SHARE = 0.002  # a word in at most this share of the articles is a name, for stories
SMALL_ARCHIVE = 1000  # an article's most telling terms: how candidate stories are found


@dataclass
class _Story:
    name: int  # its first article's number
    leader_at: int
    centroid: dict[str, float] = field(default_factory=dict)  # the sum of its members' vectors
    norm2: float = 0.0  # the centroid's squared length
    terms: set[str] = field(default_factory=set)
    copies: set[int] = field(default_factory=set)

    def include(self, vector: dict[str, float]) -> None:
        centroid, norm2 = self.centroid, self.norm2
        for term, weight in vector.items():
            old = centroid.get(term, 0.0)
            centroid[term] = old + weight
            norm2 += 2 * old * weight + weight * weight
        self.norm2 = norm2

    def likeness(self, vector: dict[str, float]) -> float:
        """Cosine of ``vector`` and the story's centroid: how like the story as a whole, so
        that a story cannot grow by a chain of articles each like only the last one."""
        if self.norm2 <= 0:
            return 0.0
        return cosine(vector, self.centroid) / math.sqrt(self.norm2)


class _Open:
    """The stories still open at the article being decided, and how to find them by term."""

    def __init__(self, window: int) -> None:
        self.window = window
        self.stories: dict[int, _Story] = {}
        self.by_leader: deque[_Story] = deque()
        self.by_term: dict[str, set[int]] = {}
        self.by_copy: dict[int, int] = {}

    def close_before(self, at: int) -> None:
        while self.by_leader and self.by_leader[0].leader_at < at - self.window:
            story = self.by_leader.popleft()
            del self.stories[story.name]
            for term in story.terms:
                names = self.by_term[term]
                names.discard(story.name)
                if not names:
                    del self.by_term[term]
            for copy_group in story.copies:
                if self.by_copy.get(copy_group) == story.name:
                    del self.by_copy[copy_group]

    def open(self, name: int, leader_at: int) -> _Story:
        story = self.stories.get(name)
        if story is None:
            story = self.stories[name] = _Story(name, leader_at)
            self.by_leader.append(story)
        return story

    def add(self, story: _Story, vector: dict[str, float], copy_group: int | None) -> None:
        story.include(vector)
        by_term = self.by_term
        for term in vector.keys() - story.terms:
            story.terms.add(term)
            by_term.setdefault(term, set()).add(story.name)
        if copy_group:
            story.copies.add(copy_group)
            self.by_copy.setdefault(copy_group, story.name)

    def best(self, vector: dict[str, float], threshold: float, names_of: set[str]) -> _Story | None:
        """The open story most like ``vector``, at least ``threshold`` alike (the earliest
        story on a tie), among those that hold one of ``names_of``, the article's rare words
        (when it has any): the same report about another company, market or fund shares
        every word but the names."""
        top = _top(vector)
        by_term = self.by_term
        shared = Counter(chain.from_iterable(by_term.get(term, ()) for term in top))
        # A story whose words hold fewer than MIN_SHARED of the article's most telling words
        # rarely reaches the threshold; comparing with those too cost most of the grouping time.
        least = min(MIN_SHARED, len(top))
        names = [name for name, count in shared.items() if count >= least]
        if len(names) > MAX_COMPARED:  # those that share the most, then the earliest
            stories = self.stories
            names.sort(key=lambda n: (-shared[n], stories[n].leader_at, n))
            names = names[:MAX_COMPARED]
        best, best_score = None, threshold
        for name in sorted(names, key=lambda n: (self.stories[n].leader_at, n)):
            story = self.stories[name]
            if names_of and names_of.isdisjoint(story.terms):
                continue
            score = story.likeness(vector)
            if score > best_score or (best is None and score >= threshold):
                best, best_score = story, score
        return best


class _Weights:
    """tf-idf vectors over lead terms, with the archive's document frequencies at this run."""

    def __init__(
        self, articles: int, document_frequencies: Callable[[list[str]], list[int]]
    ) -> None:
        # A small archive says little about which words are common: it is weighed as if it were
        # a larger one, which makes its weights nearly even instead of favouring every word
        # that happens to occur once.
        self.articles = max(articles, SMALL_ARCHIVE)
        self.document_frequencies = document_frequencies
        self.idf: dict[str, float] = {}
        self.rare: set[str] = set()  # words in at most RARE_SHARE of the articles: names
        self.rare_df = max(2, int(self.articles * RARE_SHARE))

    def learn(self, leads: list[str]) -> None:
        """Look up the weights of every new term of ``leads`` at once (one index lookup per
        chunk of articles, not per article)."""
        idf = self.idf
        unknown = list({term for lead in leads for term in lead.split() if term not in idf})
        if unknown:
            for term, df in zip(unknown, self.document_frequencies(unknown), strict=True):
                idf[term] = math.log(1 + self.articles / max(df, 1))
                if df <= self.rare_df and term.isalpha():
                    self.rare.add(term)

    def vector(self, lead: str) -> dict[str, float]:
        counts = Counter(lead.split())
        idf = self.idf
        if any(term not in idf for term in counts):
            self.learn([lead])
        weights = {
            term: idf[term] if count == 1 else (1 + math.log(count)) * idf[term]
            for term, count in counts.items()
        }
        norm = math.sqrt(sum([w * w for w in weights.values()])) or 1.0
        return {t: w / norm for t, w in weights.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum([w * b[t] for t, w in a.items() if t in b])


def _top(vector: dict[str, float]) -> list[str]:
    """The heaviest terms; equal weights keep the lead's order (a stable sort), so the choice
    depends on the article alone."""
    return sorted(vector, key=vector.__getitem__, reverse=True)[:TOP_TERMS]


def group_stories(
    store: GroupStore,
    *,
    threshold: float,
    days: int,
    articles: int,
    document_frequencies: Callable[[list[str]], list[int]],
) -> int:
    """Give every article without a story its story, deciding again from the earliest of them
    on; returns how many articles' stories were written.

    Deciding again stops once a whole window after the last article without a story has come
    out as before: the stories open from then on are the ones stored, so every later decision
    would be too. Only changed rows are written, a chunk at a time."""
    db = store.db
    # an undated article is a story of its own
    db.execute("UPDATE article SET story = num WHERE story IS NULL AND at IS NULL")
    start, last_new = db.execute(
        "SELECT MIN(at), MAX(at) FROM article WHERE story IS NULL"
    ).fetchone()
    if start is None:
        return 0
    window = days * DAY_SECONDS
    leaders = dict(  # the stories open when the change begins, and when each began
        db.execute(
            "SELECT story, MIN(at) FROM article WHERE story IN (SELECT story FROM article "
            "WHERE at >= ? AND at < ?) GROUP BY story",
            (start - window, start),
        ).fetchall()
    )
    weights = _Weights(articles, document_frequencies)
    opened = _Open(window)
    written = 0
    agreeing_since = None  # after last_new: since when every decision matched the stored one
    for rows in _in_time_order(store, start - window):
        updates = []
        leads = [unpack_lead(row[3]) for row in rows]
        weights.learn(leads)
        for (num, _id, at, _lead, copy_group, story_name), lead in zip(rows, leads, strict=True):
            opened.close_before(at)
            vector = weights.vector(lead)
            if at < start:  # before the change: its story stands, and may still gain members
                leader_at = leaders.get(story_name)
                if leader_at is None or leader_at < at - window:
                    continue
                story = opened.open(story_name, leader_at)
            else:
                sibling = opened.by_copy.get(copy_group) if copy_group else None
                story = (
                    opened.stories[sibling]
                    if sibling
                    else opened.best(vector, threshold, weights.rare.intersection(vector))
                )
                if story is None:
                    story = opened.open(num, at)
                if story.name != story_name:
                    updates.append((story.name, num))
                    agreeing_since = None
                elif at > last_new and agreeing_since is None:
                    agreeing_since = at
            opened.add(story, vector, copy_group)
            if agreeing_since is not None and at - agreeing_since > window:
                break
        db.executemany("UPDATE article SET story = ? WHERE num = ?", updates)
        store.commit()
        written += len(updates)
        if agreeing_since is not None and rows and at - agreeing_since > window:
            break
    return written


def _in_time_order(store: GroupStore, since: int, chunk: int = 5000):
    """Dated articles from ``since`` on, by (time, id), a chunk at a time (a million articles'
    leads are not held at once)."""
    last_at, last_id = since, ""
    while True:
        rows = store.db.execute(
            "SELECT num, id, at, lead, copy_group, story FROM article "
            "WHERE at >= ? AND (at > ? OR id > ?) ORDER BY at, id LIMIT ?",
            (last_at, last_at, last_id, chunk),
        ).fetchall()
        if not rows:
            return
        yield rows
        last_at, last_id = rows[-1][2], rows[-1][1]
