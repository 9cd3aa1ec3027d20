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
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from search.analysis import fold, term_of, tokens
from search.types import Engine

FILE_NAME = "words.sqlite"
_LETTER = re.compile(r"[^\W\d_]")
MAX_FORM_CHARS = 40
MAX_TOKENS = 50_000
SCHEMA = """
CREATE TABLE IF NOT EXISTS form (
    form TEXT PRIMARY KEY,   -- as written, lower case, accents folded: "reagan"
    term TEXT NOT NULL,      -- its index term: "reagan"
    n INTEGER NOT NULL,      -- articles it was added in (a spelling counts once an article)
    caps INTEGER NOT NULL    -- of those, how many wrote it with a capital first letter
);
CREATE INDEX IF NOT EXISTS form_term ON form (term, n);
"""


def _form(token: str) -> str:
    return token.lower() if token.isascii() else (fold(token) or token.casefold())


class VocabularyBuilder:
    """Counts the written forms of the articles a run writes; ``commit`` with the engine's."""

    def __init__(self, index_dir: Path) -> None:
        self.path = Path(index_dir) / FILE_NAME
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.pending: Counter[str] = Counter()  # token as written -> articles it was in

    def sync(self, engine: Engine, stored: dict[str, str]) -> None:
        """An index made before this file existed: its words, read once from the articles."""
        (count,) = self.db.execute("SELECT count(*) FROM form").fetchone()
        if count or not stored:
            return
        for number, article in enumerate(engine.iter_articles(), 1):
            self.stage(tokens(article.title))
            self.stage(tokens(article.body))
            if number % 5_000 == 0:
                self.commit()
        self.commit()

    def stage(self, written: list[str]) -> None:
        """One text's tokens as written (each counted once per text; a giant text's first
        ``MAX_TOKENS`` only: a news article is a few thousand, and memory stays flat)."""
        self.pending.update(set(written[:MAX_TOKENS]))

    def commit(self) -> None:
        """Folds the batch's tokens into forms (one Python step per distinct token of the
        batch, not per token of each article) and adds them to the file."""
        if not self.pending:
            return
        counts: Counter[str] = Counter()
        capital: Counter[str] = Counter()
        terms: dict[str, str] = {}
        for token, n in self.pending.items():
            term = term_of(token)
            if not term or (
                not token.isalpha() and (len(token) > MAX_FORM_CHARS or not _LETTER.search(token))
            ):
                continue
            form = _form(token)
            counts[form] += n
            if token[:1].isupper() and not token.isupper():
                capital[form] += n
            terms.setdefault(form, term)
        with self.db:
            self.db.executemany(
                "INSERT INTO form (form, term, n, caps) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (form) DO UPDATE SET n = n + excluded.n, caps = caps + excluded.caps",
                ((form, terms[form], n, capital.get(form, 0)) for form, n in counts.items()),
            )
        self.cancel()

    def cancel(self) -> None:
        self.pending = Counter()

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
    """The written forms of one index, read from its file as needed (a big archive has a
    million forms: only those sharing a typed word's first letter and near its length are read,
    through the file's own index on the form)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Vocabulary:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close_forms(self, word: str, edits: int) -> list[tuple[Form, int]]:
        """Forms within ``edits`` of ``word`` (an edit may swap two neighbours) sharing its
        first letter, with their distance."""
        if not word:
            return []
        first = word[:1]
        rows = self.db.execute(
            "SELECT form, term, n, caps FROM form WHERE form >= ? AND form < ? "
            "AND length(form) BETWEEN ? AND ?",
            (first, first + "\U0010ffff", len(word) - edits, len(word) + edits),
        ).fetchall()
        found = process.extract(
            word, [row[0] for row in rows], scorer=OSA.distance, score_cutoff=edits, limit=None
        )
        return [(Form(*rows[index]), distance) for _, distance, index in found]

    def commonest(self, term: str) -> Form | None:
        row = self.db.execute(
            "SELECT form, term, n, caps FROM form WHERE term = ? ORDER BY n DESC LIMIT 1", (term,)
        ).fetchone()
        return Form(*row) if row else None


def load(index_dir: Path) -> Vocabulary | None:
    """The index's vocabulary, read-only (close it); None when the index has none."""
    path = Path(index_dir) / FILE_NAME
    if not path.exists():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        db.execute("SELECT 1 FROM form LIMIT 1")
    except sqlite3.Error:
        return None
    return Vocabulary(db)
