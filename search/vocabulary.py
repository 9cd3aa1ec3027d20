"""The archive's words as people write them: what "did you mean" compares a typed word with.

The engines index stems ("investor" and "investors" are "investor", but "invest" and
"investments" are "invest"), and a typo is a typo of a written word, so suggestions compare the
typed word with written words. ``INDEX/words.sqlite`` holds each written form (lower case,
accents folded: how the analyser sees a token before stemming), its index term, in how many
articles it was added, and in how many of those it was capitalised (so "Reagan" is shown as
written). It is built at index time beside the engine's writes and committed with them
(``VocabularyBuilder``), and made from the stored articles once when an index has none yet.

Counts only grow: an article that is replaced adds its words again, and a deleted article does not
take its words away. That is deliberate: a count here only ranks candidates and chooses how a word
is shown; whether a candidate still exists is always asked of the engine, which is exact.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from search.analysis import fold, written_terms
from search.types import Engine, IndexDocument

FILE_NAME = "words.sqlite"
_LETTER = re.compile(r"[^\W\d_]")
MAX_FORM_CHARS = 40
SCHEMA = """
CREATE TABLE IF NOT EXISTS form (
    form TEXT PRIMARY KEY,   -- as written, lower case, accents folded: "reagan"
    term TEXT NOT NULL,      -- its index term: "reagan"
    n INTEGER NOT NULL,      -- articles it was added in
    caps INTEGER NOT NULL    -- of those, how many wrote it with a capital first letter
);
CREATE INDEX IF NOT EXISTS form_term ON form (term, n);
"""


def article_forms(texts: Iterable[str]) -> dict[str, tuple[str, bool]]:
    """Each written form of an article's texts with its term and whether it was capitalised
    (stop words, tokens without a letter and very long tokens left out)."""
    forms: dict[str, tuple[str, bool]] = {}
    for text in texts:
        for spelling, term in written_terms(text).items():
            if not term:
                continue
            if not spelling.isalpha() and (
                len(spelling) > MAX_FORM_CHARS or not _LETTER.search(spelling)
            ):
                continue
            form = spelling.lower() if spelling.isascii() else _fold(spelling)
            if form not in forms:
                forms[form] = (term, spelling[:1].isupper() and not spelling.isupper())
    return forms


def _fold(written: str) -> str:
    return fold(written) or written.casefold()


class VocabularyBuilder:
    """Counts the written forms of the articles a run writes; ``commit`` with the engine's."""

    def __init__(self, index_dir: Path) -> None:
        self.path = Path(index_dir) / FILE_NAME
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.pending: Counter[str] = Counter()
        self.capital: Counter[str] = Counter()
        self.terms: dict[str, str] = {}

    def sync(self, engine: Engine, stored: dict[str, str]) -> None:
        """An index made before this file existed: its words, read once from the articles."""
        (count,) = self.db.execute("SELECT count(*) FROM form").fetchone()
        if count or not stored:
            return
        for number, article in enumerate(engine.iter_articles(), 1):
            self._add(article.title, article.body)
            if number % 5_000 == 0:
                self.commit()
        self.commit()

    def stage(self, document: IndexDocument) -> None:
        self._add(document.article.title, document.article.body)

    def _add(self, title: str, body: str) -> None:
        for form, (term, capitalised) in article_forms((title, body)).items():
            self.pending[form] += 1
            if capitalised:
                self.capital[form] += 1
            self.terms[form] = term

    def commit(self) -> None:
        if not self.pending:
            return
        with self.db:
            self.db.executemany(
                "INSERT INTO form (form, term, n, caps) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (form) DO UPDATE SET n = n + excluded.n, caps = caps + excluded.caps",
                (
                    (form, self.terms[form], n, self.capital.get(form, 0))
                    for form, n in self.pending.items()
                ),
            )
        self.cancel()

    def cancel(self) -> None:
        self.pending, self.capital, self.terms = Counter(), Counter(), {}

    def close(self) -> None:
        self.db.close()


@dataclass(frozen=True)
class Form:
    form: str
    term: str
    n: int
    caps: int

    @property
    def shown(self) -> str:
        """As most articles write it: "Reagan", "oil"."""
        return self.form.capitalize() if self.caps * 2 > self.n else self.form


class Vocabulary:
    """The written forms of one index, held in memory by first letter for fast scans."""

    def __init__(self, rows: list[tuple[str, str, int, int]]) -> None:
        self.by_letter: dict[str, list[Form]] = {}
        self.by_term: dict[str, list[Form]] = {}
        for row in rows:
            form = Form(*row)
            self.by_letter.setdefault(form.form[:1], []).append(form)
            self.by_term.setdefault(form.term, []).append(form)
        self.choices = {k: [f.form for f in v] for k, v in self.by_letter.items()}

    def close_forms(self, word: str, edits: int) -> list[tuple[Form, int]]:
        """Forms within ``edits`` of ``word`` (an edit may swap two neighbours) sharing its
        first letter, with their distance."""
        forms = self.by_letter.get(word[:1], [])
        found = process.extract(
            word,
            self.choices.get(word[:1], []),
            scorer=OSA.distance,
            score_cutoff=edits,
            limit=None,
        )
        return [(forms[index], distance) for _, distance, index in found]

    def commonest(self, term: str) -> Form | None:
        forms = self.by_term.get(term)
        return max(forms, key=lambda f: f.n) if forms else None


_CACHE: dict[Path, tuple[tuple, Vocabulary]] = {}
_LOCK = threading.Lock()


def load(index_dir: Path) -> Vocabulary | None:
    """The index's vocabulary, read once per change of its file; None when it has none."""
    path = Path(index_dir) / FILE_NAME
    try:
        info = path.stat()
        wal = path.with_name(path.name + "-wal")
        stamp = (info.st_mtime_ns, info.st_size, wal.stat().st_mtime_ns if wal.exists() else 0)
    except OSError:
        return None
    with _LOCK:
        cached = _CACHE.get(path)
        if cached and cached[0] == stamp:
            return cached[1]
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = db.execute("SELECT form, term, n, caps FROM form").fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return None
    vocabulary = Vocabulary(rows)
    with _LOCK:
        if len(_CACHE) > 3:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[path] = (stamp, vocabulary)
    return vocabulary
