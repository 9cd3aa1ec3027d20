"""Normalisation rules, each as a table: dates, datelines, bylines, titles, sources, ids."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from search.identity import content_hash
from search.ingest import InputFile, read_records
from search.normalize import (
    build_article,
    canonical_source,
    canonical_url,
    clean_text,
    infer_source,
    parse_dateline,
    split_byline,
    title_from_text,
)
from search.timestamps import parse_date
from tests.conftest import SEEDS

UTC = timezone.utc


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-02-10", datetime(2025, 2, 10, tzinfo=UTC)),
        ("2025-02-10T14:30:00Z", datetime(2025, 2, 10, 14, 30, tzinfo=UTC)),
        ("2025-02-10T14:30:00+02:00", datetime(2025, 2, 10, 12, 30, tzinfo=UTC)),
        ("Mon, 10 Feb 2025 12:00:00 GMT", datetime(2025, 2, 10, 12, 0, tzinfo=UTC)),
        ("Mon, 10 Feb 2025 07:00:00 -0500", datetime(2025, 2, 10, 12, 0, tzinfo=UTC)),
        ("Feb 26, 1987", datetime(1987, 2, 26, tzinfo=UTC)),
        ("26 February 1987", datetime(1987, 2, 26, tzinfo=UTC)),
        ("26-FEB-1987 15:01:01.79", datetime(1987, 2, 26, 15, 1, 1, 790000, tzinfo=UTC)),
        ("03.04.2025", datetime(2025, 4, 3, tzinfo=UTC)),  # dots: day first
        ("3.4.2025 14:00", datetime(2025, 4, 3, 14, 0, tzinfo=UTC)),
        ("03/04/2025", datetime(2025, 3, 4, tzinfo=UTC)),  # slashes: month first, as in the US
        ("", None),
        (None, None),
    ],
)
def test_parse_date(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("yesterday", "no year"),
        ("12", "no year"),
        ("0001-01-01", "implausible"),
        ("2025-02-30", "unparseable"),
    ],
)
def test_parse_date_rejects_with_a_reason(raw, reason):
    with pytest.raises(ValueError, match=reason):
        parse_date(raw)


@pytest.mark.parametrize(
    ("text", "place", "credit"),
    [
        ("WASHINGTON (Reuters) - The U.S.", "Washington", "Reuters"),
        ("NEW YORK, March 3 (Reuters) - Oil", "New York", "Reuters"),
        ("SALVADOR, Feb 26 - Showers", "Salvador", None),
        ("LONDON (AP) \u2014 Prices", "London", "Associated Press"),
        ("The Trump administration - is", None, None),
        ("No dateline here.", None, None),
        ("NEW BEDFORD, Mass., April 7 - The", "New Bedford", None),  # state, then date
        ("RICHMOND, Va. Feb 26 - The", "Richmond", None),
        ("MONTREAL, Feb 26- The", "Montreal", None),
        ("NEW YORK/LONDON (Reuters) - Oil", "New York/London", "Reuters"),
        ("Washington, April 1 (Reuters) - The", "Washington", "Reuters"),  # mixed case, credit
        ("SPRINGFIELD, Ill., April 1 (Reuters) - A", "Springfield", "Reuters"),
        ("Washington, April 1 - The", None, None),  # mixed case without a credit: a sentence
        # a qualifier in lower case is a sentence, not a state or a date
        ("IBM, the computer maker, said on Monday - it would cut jobs", None, None),
        ("OPEC, in a statement - the group said", None, None),
    ],
)
def test_parse_dateline(text, place, credit):
    dateline = parse_dateline(text)
    assert (dateline.place, dateline.credit) == (place, credit)


@pytest.mark.parametrize(
    ("text", "outlet"),
    [
        ("WASHINGTON (Reuters) - x", "Reuters"),
        ("Officials did not respond to Fox News Digital's request.", "Fox News"),
        ("Text.\n\n(Reporting by Ted Hesson; Editing by Matthew Lewis)", "Reuters"),
        ("The Wall Street Journal first reported the letter.", None),
    ],
)
def test_infer_source(text, outlet):
    assert infer_source(text) == outlet


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("REUTERS", "Reuters"),
        (" reuters ", "Reuters"),
        ("The Associated Press", "Associated Press"),
        ("Le  Monde", "Le Monde"),
        ("", ""),
    ],
)
def test_canonical_source(name, canonical):
    assert canonical_source(name) == canonical


def test_split_byline():
    assert split_byline("By Ted Hesson\n\nWASHINGTON (Reuters) - x") == (
        "Ted Hesson",
        "WASHINGTON (Reuters) - x",
    )
    assert split_byline("By the way, nothing") == (None, "By the way, nothing")
    # a byline on the line above the dateline is joined to it as one paragraph
    assert split_byline("By Ted Hesson WASHINGTON (Reuters) - x") == (
        "Ted Hesson",
        "WASHINGTON (Reuters) - x",
    )
    assert split_byline("By Ted Hesson, Reuters\n\nx")[0] == "Ted Hesson"  # the wire is no name
    # "By" opening a sentence, with capitals after it, is no byline without a dateline to end it
    for sentence in ("By Monday U.S.-led forces had taken the city.", "By Noon PARIS had fallen."):
        assert split_byline(sentence) == (None, sentence)


@pytest.mark.parametrize(
    ("fields", "author", "place", "source"),
    [
        (
            {"body": "By Ted Hesson\nWASHINGTON (Reuters) - A rule."},
            "Ted Hesson",
            "Washington",
            "Reuters",
        ),
        ({"body": "A rule.", "dateline": "Toronto, Feb 26 -"}, None, "Toronto", "unknown"),
        (
            {"body": "A rule.", "dateline": "NEW BEDFORD, Mass., April 7 -"},
            None,
            "New Bedford",
            "unknown",
        ),
        ({"body": "A rule.", "place": "Springfield, Ill."}, None, "Springfield", "unknown"),
        ({"body": "A rule.", "author": "By Ann Lee, AP"}, "Ann Lee", None, "unknown"),
        # a byline in capitals on its own line: once joined to the dateline, names and place
        # would run together ("By JANE SMITH BERLIN" was once taken for the place)
        (
            {"body": "By JANE SMITH\nBERLIN (AP) - A rule."},
            "JANE SMITH",
            "Berlin",
            "Associated Press",
        ),
        (
            {"body": "By Jane Smith\nAP Business Writer\nBERLIN (AP) - A rule."},
            "Jane Smith",
            "Berlin",
            "Associated Press",
        ),
        (
            {"body": "By LISA SMITH\nAssociated Press Writer\n\nNEW YORK (AP) \u2014 A rule."},
            "LISA SMITH",
            "New York",
            "Associated Press",
        ),
        ({"body": "By Monday\nU.S.-led forces had moved - north."}, None, None, "unknown"),
        ({"body": "By JANE SMITH BERLIN (AP) - A rule."}, None, None, "unknown"),  # no junk place
    ],
)
def test_bylines_and_places_in_the_layouts_archives_use(fields, author, place, source):
    article = build_article({"title": "t", **fields}).article
    assert (article.author, article.place, article.source) == (author, place, source)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("The U.S. Department wants more. Next sentence.", "The U.S. Department wants more."),
        ("Mr. Smith said so. Then left.", "Mr. Smith said so."),
        ("One sentence without an end", "One sentence without an end"),
        ("word " * 60, " ".join(["word"] * 28) + "\u2026"),
    ],
)
def test_title_from_text(text, title):
    assert title_from_text(text) == title


def test_clean_text_keeps_paragraphs_and_joins_hard_wraps():
    wire = "Showers continued in\nthe Bahia zone.\n    The dry period\nmeans delay.\r\n\r\nEnd\x07."
    assert (
        clean_text(wire)
        == "Showers continued in the Bahia zone.\n\nThe dry period means delay.\n\nEnd."
    )


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://Example.com/a/?utm_source=x&id=3#top", "https://example.com/a?id=3"),
        ("https://example.com/", "https://example.com/"),
        ("", None),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


def test_seeds_normalise_to_fox_news_and_reuters_on_2025_02_10():
    articles = {}
    for path in sorted(SEEDS.iterdir()):
        (record,) = list(read_records(InputFile(path)))
        article = build_article(record.fields).article
        articles[article.source] = article
    assert set(articles) == {"Fox News", "Reuters"}
    for article in articles.values():
        assert article.published == datetime(2025, 2, 10, tzinfo=UTC)
    reuters = articles["Reuters"]
    assert reuters.author == "Ted Hesson"
    assert reuters.place == "Washington"
    assert reuters.title.startswith("The U.S. Department of Homeland Security wants to deputize")
    assert not reuters.body.startswith("By Ted Hesson")
    assert articles["Fox News"].title.startswith("The Trump administration is looking to deputize")


def test_ids_and_hashes_are_stable_and_sensitive():
    base = {"title": "T", "body": "Body text.", "date": "2025-02-10", "source": "X"}
    first, again = build_article(dict(base)).article, build_article(dict(base)).article
    assert first.id == again.id
    assert first.content_hash == again.content_hash
    changed = build_article({**base, "body": "Body text!"}).article
    assert changed.content_hash != first.content_hash
    assert build_article({**base, "id": "given-1"}).article.id == "given-1"
    assert build_article({**base, "url": "https://x.org/a/"}).article.id == "https://x.org/a"


def test_source_falls_back_to_default_then_unknown():
    fields = {"title": "T", "body": "Nothing to go on."}
    assert build_article(dict(fields), default_source="Local Paper").article.source == "Local Paper"
    assert build_article(dict(fields)).article.source == "unknown"


def test_bad_date_is_a_warning_and_the_article_is_undated():
    result = build_article({"title": "T", "body": "b", "date": "someday"})
    assert result.article.published is None
    assert result.warnings == ["stored as undated: date: unparseable date 'someday' (no year)"]


def test_nothing_to_index_is_an_error_but_an_empty_record_with_an_id_is_kept():
    with pytest.raises(ValueError, match="nothing to index"):
        build_article({"title": " ", "body": ""})
    kept = build_article({"id": "r-1", "title": "", "body": "", "date": "1987-04-03"})
    assert kept.article.id == "r-1"
    assert kept.warnings == ["empty article (no title, no text); kept under its id"]


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ("By Ann Lee", "Ann Lee"),
        ("BY ANN LEE", "ANN LEE"),
        (["By Ann Lee", "Bo Yu"], "Ann Lee, Bo Yu"),
        ("Byron Tate", "Byron Tate"),  # a name that begins with "By" keeps it
    ],
)
def test_a_leading_by_belongs_to_the_byline_not_the_name(author, expected):
    built = build_article({"id": "a", "title": "T", "body": "Text.", "author": author})
    assert built.article.author == expected


@pytest.mark.parametrize(
    ("fields", "metadata", "extra"),
    [
        (  # the first alias that holds a section wins; the other stays a field of its own
            {"section": "Politics", "desk": "National", "title": "t"},
            (("section", "Politics"),),
            (("desk", "National"),),
        ),
        (  # tags gather every alias, split one text, keep the first spelling of a repeat
            {"tags": ["Oil", "Iran"], "keywords": "oil; energy | gas", "title": "t"},
            (("tags", "Oil"), ("tags", "Iran"), ("tags", "energy"), ("tags", "gas")),
            (),
        ),
        (  # a feed's categories are dicts with a term; a section is never split at commas
            {"categories": [{"term": "Courts"}, {"label": "Law"}], "category": "U.S., World"},
            (("section", "U.S., World"), ("tags", "Courts"), ("tags", "Law")),
            (),
        ),
        (  # empty values are no value; nested ones are kept as compact JSON; notes are not
            {"lang": "", "language": "de", "n": 0, "x": None, "deep": {"a": [1]}, "_note": "y"},
            (("language", "de"),),
            (("n", "0"), ("deep", '{"a":[1]}')),
        ),
    ],
)
def test_metadata_and_extra_fields(fields, metadata, extra):
    article = build_article({"title": "t", "body": "Some text.", **fields}).article
    assert article.metadata == metadata
    assert article.extra == extra


def test_metadata_changes_the_content_hash_only_when_there_is_some():
    plain = build_article({"id": "a", "title": "t", "body": "Some text."}).article
    tagged = build_article({"id": "a", "title": "t", "body": "Some text.", "tags": "x"}).article
    assert plain.content_hash != tagged.content_hash
    assert plain.content_hash == content_hash(
        title="t",
        body="Some text.",
        source=plain.source,
        published=None,
        url=None,
        author=None,
        place=None,
    )
