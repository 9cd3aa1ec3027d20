"""The peers a Python user would pick instead of Morgue, used directly: SQLite FTS5 (standard
library, porter tokenizer) and tantivy (``tantivy`` on PyPI, ``en_stem`` tokenizer).

Each peer answers the same request Morgue's ``search()`` answers for the UI: the top 10 with a
snippet, the exact total, the source counts and a month histogram over all matches.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from benchmarks.workload import BenchQuery, Doc


def _ymd(day) -> int:
    return day.year * 10000 + day.month * 100 + day.day if day else 0


class Fts5Peer:
    name = "fts5"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path)

    def build(self, docs: list[Doc]) -> None:
        db = self.db
        db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter unicode61')")
        db.execute(
            "CREATE TABLE meta (rowid INTEGER PRIMARY KEY, id TEXT, source TEXT, day INTEGER)"
        )
        with db:
            for rowid, doc in enumerate(docs, start=1):
                db.execute(
                    "INSERT INTO docs (rowid, title, body) VALUES (?, ?, ?)",
                    (rowid, doc.title, doc.body),
                )
                db.execute(
                    "INSERT INTO meta VALUES (?, ?, ?, ?)",
                    (rowid, doc.id, doc.source, _ymd(doc.day)),
                )
        db.execute("CREATE INDEX meta_day ON meta(day)")
        db.execute("CREATE INDEX meta_source ON meta(source)")
        db.commit()

    def _where(self, query: BenchQuery) -> tuple[str, list]:
        quoted = ['"' + w.replace('"', '""') + '"' for w in query.words]
        match = (
            '"' + " ".join(query.words).replace('"', '""') + '"'
            if query.phrase
            else " AND ".join(quoted)
        )
        clauses, args = ["docs MATCH ?"], [match]
        if query.date_from:
            clauses.append("meta.day BETWEEN ? AND ?")
            args += [_ymd(query.date_from), _ymd(query.date_to)]
        if query.source:
            clauses.append("meta.source = ?")
            args.append(query.source)
        return " AND ".join(clauses), args

    def search(self, query: BenchQuery) -> int:
        where, args = self._where(query)
        # CROSS JOIN keeps the full-text match as the outer loop (SQLite would otherwise scan meta
        # by source and run the MATCH once a row).
        base = f"FROM docs CROSS JOIN meta ON meta.rowid = docs.rowid WHERE {where}"
        total = self.db.execute(f"SELECT count(*) {base}", args).fetchone()[0]
        self.db.execute(
            f"SELECT meta.source, count(*) {base} GROUP BY 1 ORDER BY 2 DESC LIMIT 20", args
        ).fetchall()
        self.db.execute(f"SELECT meta.day / 100, count(*) {base} GROUP BY 1", args).fetchall()
        self.db.execute(
            "SELECT meta.id, snippet(docs, 1, '[', ']', '...', 32), bm25(docs, 2.0, 1.0) AS rank "
            f"{base} "
            "ORDER BY rank LIMIT 10",
            args,
        ).fetchall()
        return total

    def size(self) -> int:
        return self.path.stat().st_size

    def close(self) -> None:
        self.db.close()


class TantivyPeer:
    name = "tantivy"

    def __init__(self, path: Path) -> None:
        import tantivy

        self.tantivy = tantivy
        path.mkdir(parents=True, exist_ok=True)
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
        builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
        builder.add_text_field("source", stored=True, tokenizer_name="raw", fast=True)
        builder.add_integer_field("day", indexed=True, fast=True)
        builder.add_integer_field("month", fast=True)
        self.schema = builder.build()
        self.path = path
        self.index = tantivy.Index(self.schema, path=str(path))

    def build(self, docs: list[Doc]) -> None:
        writer = self.index.writer(heap_size=256_000_000, num_threads=2)
        for doc in docs:
            day = _ymd(doc.day)
            writer.add_document(
                self.tantivy.Document(
                    id=doc.id,
                    title=doc.title,
                    body=doc.body,
                    source=doc.source,
                    day=day,
                    month=day // 100,
                )
            )
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()

    def _query(self, query: BenchQuery):
        def esc(word: str) -> str:
            return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'

        text = (
            esc(" ".join(query.words))
            if query.phrase
            else " ".join("+" + esc(w) for w in query.words)
        )
        if query.phrase:
            text = "+" + text
        if query.date_from:
            text += f" +day:[{_ymd(query.date_from)} TO {_ymd(query.date_to)}]"
        if query.source:
            text += f" +source:{esc(query.source)}"
        return self.index.parse_query(text, ["title", "body"], field_boosts={"title": 2.0})

    def search(self, query: BenchQuery) -> int:
        searcher = self.index.searcher()
        parsed = self._query(query)
        result = searcher.search(parsed, 10, count=True)
        searcher.aggregate(
            parsed,
            {
                "sources": {"terms": {"field": "source", "size": 20}},
                "months": {"terms": {"field": "month", "size": 1000}},
            },
        )
        snippets = self.tantivy.SnippetGenerator.create(searcher, parsed, self.schema, "body")
        for _score, address in result.hits:
            snippets.snippet_from_doc(searcher.doc(address)).to_html()
        return result.count

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())

    def close(self) -> None:
        pass
