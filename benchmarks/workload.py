"""The benchmark's inputs: the corpus (optionally scaled up) and a fixed-seed query mix drawn from
the corpus's own vocabulary."""

from __future__ import annotations

import gzip
import json
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from search.analysis import STOP_WORDS, analyze_terms
from search.ingest import InputFile, read_records
from search.normalize import build_article

QUERY_CLASSES = (
    "term_high",
    "term_medium",
    "term_low",
    "and_2_3",
    "phrase",
    "term_date",
    "term_source",
)


@dataclass(frozen=True)
class Doc:
    id: str
    title: str
    body: str
    source: str
    day: date | None


@dataclass(frozen=True)
class BenchQuery:
    kind: str
    words: tuple[str, ...]  # raw words, as a user types them
    phrase: bool = False
    date_from: date | None = None
    date_to: date | None = None
    source: str | None = None

    @property
    def morgue_text(self) -> str:
        text = " ".join(self.words)
        return f'"{text}"' if self.phrase else text


def load_docs(corpus: Path) -> list[Doc]:
    docs = []
    for record in read_records(InputFile(corpus)):
        if not hasattr(record, "fields"):
            continue
        article = build_article(record.fields).article
        docs.append(
            Doc(
                article.id,
                article.title,
                article.body,
                article.source,
                article.published.date() if article.published else None,
            )
        )
    return docs


def scaled_corpus(corpus: Path, copies: int, target: Path) -> Path:
    """``copies`` copies of the corpus with distinct ids and dates shifted by whole years."""
    with gzip.open(target, "wt", encoding="utf-8") as out:
        for copy in range(copies):
            opener = gzip.open if corpus.suffix == ".gz" else open
            with opener(corpus, "rt", encoding="utf-8") as source:
                for line in source:
                    row = json.loads(line)
                    if copy:
                        row["id"] = f"{row.get('id', '')}~{copy}"
                        for key in ("date", "timestamp", "published"):
                            value = row.get(key)
                            if isinstance(value, str) and value[:4].isdigit():
                                row[key] = f"{int(value[:4]) + copy:04d}{value[4:]}"
                    out.write(json.dumps(row) + "\n")
    return target


def changed_copy(
    corpus: Path, target: Path, fraction: float = 0.01, seed: int = 7
) -> tuple[Path, int]:
    """The corpus with ``fraction`` of its bodies edited: the incremental-reindex workload."""
    rng = random.Random(seed)
    changed = 0
    opener = gzip.open if corpus.suffix == ".gz" else open
    with (
        opener(corpus, "rt", encoding="utf-8") as source,
        gzip.open(target, "wt", encoding="utf-8") as out,
    ):
        for line in source:
            row = json.loads(line)
            if rng.random() < fraction:
                row["body"] = (row.get("body") or "") + " Corrected."
                changed += 1
            out.write(json.dumps(row) + "\n")
    return target, changed


def make_queries(docs: list[Doc], count: int = 210, seed: int = 42) -> list[BenchQuery]:
    rng = random.Random(seed)
    sample = rng.sample(docs, min(len(docs), 5000))
    df: Counter[str] = Counter()
    surface: dict[str, Counter[str]] = {}
    for doc in sample:
        words = [w for w in (doc.title + " " + doc.body).split() if w.isalpha() and len(w) > 2]
        seen = set()
        for word in words:
            terms = analyze_terms(word)
            if len(terms) != 1 or word.lower() in STOP_WORDS:
                continue
            term = terms[0]
            surface.setdefault(term, Counter())[word.lower()] += 1
            seen.add(term)
        df.update(seen)
    ranked = [t for t, _ in df.most_common() if df[t] >= 2]
    n = len(ranked)
    bands = {
        "term_high": ranked[: max(20, n // 100)],
        "term_medium": ranked[n // 20 : n // 5],
        "term_low": ranked[n // 2 :],
    }

    def word(term: str) -> str:
        return surface[term].most_common(1)[0][0]

    dated = [d.day for d in docs if d.day]
    first, last = min(dated), max(dated)
    sources = Counter(d.source for d in docs)
    per_class = -(-count // len(QUERY_CLASSES))
    queries: list[BenchQuery] = []
    for _ in range(per_class):
        for kind in ("term_high", "term_medium", "term_low"):
            queries.append(BenchQuery(kind, (word(rng.choice(bands[kind])),)))
        doc = rng.choice([d for d in sample if len(d.body) > 200])
        terms = [t for t in dict.fromkeys(analyze_terms(doc.body)) if t in bands["term_medium"]]
        picked = (
            rng.sample(terms, min(len(terms), rng.choice((2, 3))))
            if len(terms) >= 2
            else [rng.choice(bands["term_medium"]) for _ in range(2)]
        )
        queries.append(BenchQuery("and_2_3", tuple(word(t) for t in picked)))
        raw = doc.body.split()
        pairs = [
            (a.lower(), b.lower())
            for a, b in zip(raw, raw[1:], strict=False)
            if a.isalpha()
            and b.isalpha()
            and a.lower() not in STOP_WORDS
            and b.lower() not in STOP_WORDS
        ] or [("oil", "prices")]
        queries.append(BenchQuery("phrase", rng.choice(pairs), phrase=True))
        month = rng.randrange((last.year - first.year) * 12 + last.month - first.month + 1)
        year, mon = first.year + (first.month - 1 + month) // 12, (first.month - 1 + month) % 12 + 1
        queries.append(
            BenchQuery(
                "term_date",
                (word(rng.choice(bands["term_medium"])),),
                date_from=date(year, mon, 1),
                date_to=date(year, mon, 28),
            )
        )
        queries.append(
            BenchQuery(
                "term_source",
                (word(rng.choice(bands["term_high"])),),
                source=sources.most_common(1)[0][0],
            )
        )
    return queries
