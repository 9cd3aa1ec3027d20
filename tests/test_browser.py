"""A real headless Chromium against ``morgue serve`` on a free port: what a researcher does.

Needs Debian's ``chromium`` (never a downloaded browser); skipped with a reason without it.
A screenshot of the results page is saved to ``test-artifacts/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REUTERS_SLICE, ROOT, SEEDS, build_index
from tests.servers import running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = [pytest.mark.usefixtures("engine_name"), pytest.mark.browser]

if not Path(CHROMIUM).exists():
    pytest.skip("no chromium installed (apt-get install chromium)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory, engine_name):
    root = tmp_path_factory.mktemp(f"browser-{engine_name}")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    build_index(root / "index", [seeds, REUTERS_SLICE], engine_name)
    with running_server(root, root / "index") as (base, _process):
        yield base


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors  # a test that expects an error status clears it
    yield page
    context.close()
    assert errors == [], f"errors in the page: {errors}"


def test_search_facet_article_and_back(server, page):
    page.goto(server + "/")
    page.fill("#q", "IRS agents")
    page.press("#q", "Enter")
    page.wait_for_selector(".hits li.hit")
    assert page.locator(".hits li.hit").count() == 2
    marks = [m.lower() for m in page.locator(".snippet mark").all_inner_texts()]
    assert "irs" in marks
    assert "agents" in marks

    def facet(name: str) -> dict[str, str]:
        section = page.locator(f"section[aria-labelledby=facet-{name}]")
        return dict(
            zip(
                section.locator(".facet-value").all_inner_texts(),
                section.locator(".facet-count").all_inner_texts(),
                strict=True,
            )
        )

    assert facet("sources") == {"Fox News": "1", "Reuters": "1"}
    assert facet("author") == {"Ted Hesson": "1"}  # the Reuters seed's byline
    assert facet("place") == {"Washington": "1"}
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "results.png"), full_page=True)

    page.click(".facet-link:has-text('Reuters')")
    page.wait_for_url("**source=Reuters**")
    assert page.locator(".hits li.hit").count() == 1
    assert "Reuters" in page.locator(".chip").first.inner_text()

    title = page.locator(".hits li.hit h2 a").first.inner_text()
    page.click(".hits li.hit h2 a")
    page.wait_for_selector("article.article h1")
    assert page.locator("article.article h1").inner_text() == title
    assert page.locator(".article-body mark").count() > 0

    page.go_back()
    page.wait_for_selector(".hits li.hit")
    assert "source=Reuters" in page.url
    assert page.locator(".hits li.hit").count() == 1
    assert page.input_value("#q") == "IRS agents"


def test_stories_fold_the_list_and_the_story_page_shows_who_was_first(server, page):
    page.goto(server + "/search?q=IRS+agents")
    page.wait_for_selector(".hits li.hit")
    assert page.locator("#results-title").inner_text().startswith("2 articles · 1 story")
    assert page.locator(".hits li.hit").count() == 2
    page.select_option("#collapse", "stories")
    page.wait_for_url("**collapse=stories**")
    assert page.locator(".hits li.hit").count() == 1
    assert page.locator(".hit-groups .folded").inner_text() == "+1 more article from 1 outlet"
    assert page.locator("#results-title").inner_text().startswith("2 articles · 1 story")
    page.click(".hit-groups a:has-text('Story')")
    page.wait_for_selector("article.story h1")
    outlets = page.locator("table.outlets th[scope=row]").all_inner_texts()
    assert sorted(outlets) == ["Fox News", "Reuters"]
    assert page.locator("svg.story-timeline circle").count() == 2
    assert page.locator(".story-articles li").count() == 2
    page.go_back()
    page.wait_for_selector(".hits li.hit")
    assert "collapse=stories" in page.url
    assert page.locator(".hits li.hit").count() == 1


def test_sort_changes_on_select_and_pages_are_keyboard_reachable(server, page):
    page.goto(server + "/search?q=cocoa")
    page.select_option("#sort", "newest")
    page.wait_for_url("**sort=newest**")
    dates = page.locator(".hit-meta time").evaluate_all(
        "els => els.map(e => e.getAttribute('datetime'))"
    )
    assert dates == sorted(dates, reverse=True)
    page.focus("#q")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('rel')") == "next":
            break
    else:
        pytest.fail("the Next link was not reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**page=2**")
    assert page.locator('.pagination a[aria-current="page"]').inner_text() == "2"


def test_timeline_bar_narrows_dates(server, page):
    page.goto(server + "/search?q=cocoa")
    bar = page.locator(".timeline svg a").first
    label = bar.get_attribute("aria-label")
    bar.click()
    page.wait_for_url("**from=**")
    assert page.locator(".chip").count() == 2
    count = int(label.split(": ")[1].split()[0].replace(",", ""))
    assert page.locator(".hits li.hit").count() == min(count, 10)


def test_phone_width_has_no_horizontal_scroll(server, browser):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(server + "/search?q=oil+prices")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    context.close()
    assert overflow <= 0


def test_on_a_phone_the_results_come_before_the_filters(server, browser):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(server + "/search?q=oil+prices")
    first_hit = page.locator(".hits li.hit").first.bounding_box()
    filters = page.locator("#filters").bounding_box()
    assert first_hit["y"] < 800  # a result on the first screen
    assert first_hit["y"] < filters["y"]
    page.click(".to-filters a")  # and the filters one tap away
    page.wait_for_function("location.hash === '#filters'")
    assert 0 <= page.locator("#filters").bounding_box()["y"] < 800  # now on screen
    context.close()


def test_run_now_says_what_it_did_and_delete_asks_first(server, page):
    page.goto(server + "/search?q=cocoa")
    page.click("details.save summary")
    page.fill("#save-name", "Cocoa check")
    page.click("details.save button[type=submit]")
    page.wait_for_selector("#saved-name")
    page.click("text=Run now")
    page.wait_for_selector(".flash")
    assert "the baseline for what is new" in page.inner_text(".flash")
    page.click("text=Delete…")
    page.wait_for_selector("#delete-title")
    assert "30 days" in page.inner_text(".delete-saved")
    page.click(".delete-saved button.danger")
    page.wait_for_selector(".flash")
    assert "Deleted 'Cocoa check'" in page.inner_text(".flash")
    page.click(".deleted button")
    page.wait_for_selector("#saved-name")
    assert page.inner_text("#saved-name") == "Cocoa check"


def test_malformed_query_shows_the_message(server, page):
    page.goto(server + "/")
    page.fill("#q", '"unbalanced (AND')
    page.press("#q", "Enter")
    page.wait_for_selector("#query-error")
    assert "unbalanced quote" in page.inner_text("#query-error")
    # The page itself comes with status 400, which Chromium logs; that is the point here.
    assert page.console_errors == [
        "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"
    ]
    page.console_errors.clear()


def test_save_a_search_and_find_it_on_the_saved_page(server, page):
    page.goto(server + "/search?q=cocoa&sort=newest")
    page.click("details.save summary")
    page.fill("#save-name", "Cocoa in the browser")
    page.fill("#save-notes", "saved from a test")
    page.click("details.save button[type=submit]")
    page.wait_for_url("**/saved/cocoa-in-the-browser")
    assert page.inner_text("h1") == "Cocoa in the browser"
    page.click("text=Run now")
    page.wait_for_selector(".runs li")
    page.click(".topnav >> text=Saved searches")
    page.wait_for_url("**/saved")
    row = page.locator(".saved-table tbody tr", has_text="Cocoa in the browser")
    assert row.count() == 1
    assert int(row.locator("td").nth(3).inner_text().replace(",", "")) > 10
