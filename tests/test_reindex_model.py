"""Whole reindex runs against a plain dict model, per engine: what a user does over a month.

Each step is one ``reindex`` of a freshly written input in a randomly chosen format (plain text,
JSON Lines, CSV, TSV, RSS, Atom, HTML, each optionally gzipped): new articles, new versions of
stored ones, a file indexed before, the same id in two files of one run, files with bad records.
After every step the index must hold exactly the model's articles, its stored hashes and raw
digests must cover every document, ``morgue check`` must pass, and a search for each article's
own words must find it. A single run of one format proves little; sequences are what broke.

How the model predicts ids: JSON Lines, CSV, TSV, RSS (``<guid>``) and Atom (``<id>``) carry the
id ``art-K``, so a newer version in any of them replaces the stored one; a web page's id is its
canonical URL; a plain-text file has no id, so each version of its text is an article of its own
(the indexer never deletes). Within one run the first record read (in path order) wins.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from search.archive import open_archive, read_meta
from search.check import check_index
from search.indexer import update_index
from search.searching import run_search
from search.types import SearchRequest
from tests.conftest import ENGINES
from tests.formats import (
    FORMATS,
    SUFFIX,
    WITH_IDS,
    Item,
    jsonl_text,
    model_key,
    table_text,
    write_input,
)

# ------------------------------------------------------------------------------------- machine

FORMAT = st.sampled_from(FORMATS)
GZ = st.booleans()


class ReindexModel(RuleBasedStateMachine):
    engine_name = "whoosh"

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="morgue-reindex-model-"))
        self.index = self.root / "index"
        self.model: dict[str, Item] = {}
        self.next_k = 0
        self.step = 0
        self.runs: list[list[tuple[str, Item]]] = []  # what each earlier input holds, in order
        self.inputs: list[list[Path]] = []

    # ---------------------------------------------------------------------------- helpers

    def _fresh(self, count: int) -> list[Item]:
        items = [Item(self.next_k + n, 0) for n in range(count)]
        self.next_k += count
        return items

    def _folder(self) -> Path:
        self.step += 1
        return self.root / "inputs" / f"step-{self.step:03d}"

    def _reindex(self, paths: list[Path], records: list[tuple[str, Item]]) -> None:
        report = update_index(self.index, paths, engine=self.engine_name)
        self._apply(records)
        assert report.added + report.updated + report.unchanged + report.duplicates >= len(
            {key for key, _ in records}
        )

    def _apply(self, records: list[tuple[str, Item]]) -> None:
        """The model of one run: in read order, the first record with a key wins."""
        seen: set[str] = set()
        for key, item in records:
            if key in seen:
                continue
            seen.add(key)
            self.model[key] = item

    def _keys_of(self, fmt: str) -> list[str]:
        if fmt in WITH_IDS:
            return sorted(k for k in self.model if k.startswith("art-"))
        if fmt == "html":
            return sorted(k for k in self.model if k.startswith("https://"))
        return sorted(k for k in self.model if k.startswith("text:"))

    def _write_run(self, fmt: str, items: list[Item], gz: bool) -> None:
        folder = self._folder()
        paths = write_input(folder, "in", fmt, items, gz)
        records = [(model_key(fmt, i), i) for i in items]
        self.runs.append(records)
        self.inputs.append(paths)
        self._reindex(paths, records)

    # ---------------------------------------------------------------------------- steps

    @rule(fmt=FORMAT, gz=GZ, count=st.integers(1, 4))
    def new_articles(self, fmt, gz, count):
        self._write_run(fmt, self._fresh(count), gz)

    @rule(fmt=FORMAT, gz=GZ, data=st.data())
    def changed_and_unchanged_articles(self, fmt, gz, data):
        keys = self._keys_of(fmt)
        if not keys:
            self._write_run(fmt, self._fresh(1), gz)
            return
        chosen = data.draw(st.lists(st.sampled_from(keys), min_size=1, max_size=4, unique=True))
        items = []
        for key in chosen:
            current = self.model[key]
            bump = data.draw(st.booleans())  # False: the same version again (unchanged)
            items.append(Item(current.k, current.v + 1) if bump else current)
        self._write_run(fmt, items, gz)

    @precondition(lambda self: self.inputs)
    @rule(data=st.data())
    def an_earlier_input_again(self, data):
        index = data.draw(st.integers(0, len(self.inputs) - 1))
        self._reindex(self.inputs[index], self.runs[index])

    @rule(first=st.sampled_from(WITH_IDS), second=st.sampled_from(WITH_IDS), gz=GZ)
    def one_id_in_two_files_of_one_run(self, first, second, gz):
        keys = self._keys_of("jsonl")
        base = self.model[keys[0]] if keys else self._fresh(1)[0]
        older, newer = Item(base.k, base.v + 1), Item(base.k, base.v + 2)
        folder = self._folder()
        # Files are read in path order: "a-..." before "b-...", so ``older`` must win.
        paths = write_input(folder, "a-first", first, [older], gz)
        paths += write_input(folder, "b-second", second, [newer], gz)
        records = [(model_key(first, older), older), (model_key(second, newer), newer)]
        self.runs.append(records)
        self.inputs.append(paths)
        self._reindex(paths[::-1], records)  # named in the other order on purpose

    @rule(fmt=st.sampled_from(("jsonl", "csv", "text", "rss")), gz=GZ)
    def bad_records_beside_good_ones(self, fmt, gz):
        items = self._fresh(2)
        folder = self._folder()
        paths = write_input(folder, "good", fmt, items, gz)
        bad = folder / f"bad{SUFFIX[fmt]}"
        if fmt == "jsonl":
            extra_item = self._fresh(1)[0]
            items.append(extra_item)
            good_line = jsonl_text([extra_item]).strip()
            bad.write_text('{"id": "broken", "title": \n' + good_line + "\n[1, 2]\n")
        elif fmt == "csv":
            extra_item = self._fresh(1)[0]
            items.append(extra_item)
            table = table_text([extra_item], ",")
            bad.write_text(table + "only,three,fields\n")
        elif fmt == "text":
            bad.write_text("")  # an empty file: rejected
        else:
            bad.write_bytes(b"\x00\x01 not a feed \xff")
        paths.append(bad)
        records = [(model_key(fmt, i), i) for i in items]
        report = update_index(self.index, paths, engine=self.engine_name)
        assert report.rejected >= 1
        self._apply(records)

    # ---------------------------------------------------------------------------- invariants

    @invariant()
    def the_index_holds_exactly_the_model(self):
        if not self.index.exists():
            assert not self.model
            return
        assert read_meta(self.index)["engine"] == self.engine_name
        with open_archive(self.index) as engine:
            hashes = engine.stored_hashes()
            digests = engine.stored_digests()
            stored = list(engine.iter_articles())
            assert engine.stats().articles == len(self.model)
            assert len(hashes) == len(self.model)
            assert set(digests.values()) <= set(hashes)
            named = {k for k in self.model if not k.startswith("text:")}
            assert named <= set(hashes)
            found = Counter()
            for article in stored:
                k = int(article.body.split("tok", 1)[1].split()[0])
                v = int(article.body.split("marker ver", 1)[1].split()[0])
                found[(k, v)] += 1
                assert hashes[article.id] == article.content_hash
            assert found == Counter((i.k, i.v) for i in self.model.values())
            for item, copies in Counter(self.model.values()).items():
                results = run_search(
                    engine, SearchRequest(query=f"tok{item.k} ver{item.v}", page_size=100)
                )
                assert results.total == copies, (item, results.total)
                assert sum(f.count for f in results.source_facets) == copies
                dated = copies if item.dated else 0
                assert sum(b.count for b in results.date_facets) == dated
                if item.dated:  # the day column agrees with the stored date
                    assert [b.start for b in results.date_facets if b.count] == [item.day]
                    assert {h.date for h in results.hits} == {item.day.isoformat()}
                else:
                    assert {h.date for h in results.hits} == {None}
        report = check_index(self.index)
        assert report.ok, report.problems

    def teardown(self):
        shutil.rmtree(self.root, ignore_errors=True)


def run_machine(engine: str, examples: int, steps: int) -> None:
    machine = type(f"{engine.title()}ReindexModel", (ReindexModel,), {"engine_name": engine})
    machine.TestCase.settings = settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    machine.TestCase().runTest()


@pytest.mark.parametrize("engine", ENGINES)
def test_reindex_runs_of_mixed_formats_keep_the_index_exact(engine):
    run_machine(engine, examples=12, steps=8)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_long_sequences_of_reindex_runs_keep_the_index_exact(engine):
    run_machine(engine, examples=40, steps=20)
