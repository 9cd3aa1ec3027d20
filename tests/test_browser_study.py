"""Studying coverage in a real headless Chromium: the compare page, the results timeline's
switches, the words panel, the concordance and the coverage page, by mouse and by keyboard, on a
desktop and at phone width. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import re

import pytest

import tests.test_browser as shared
from tests.test_browser import ARTIFACTS

# The browser module's fixtures, used here too (a module-scoped server per module).
server, browser, page = shared.server, shared.browser, shared.page

pytestmark = [pytest.mark.usefixtures("engine_name"), pytest.mark.browser]


def shot(page, name: str, engine_name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{engine_name}.png"), full_page=True)


def test_compare_started_from_a_results_page_by_keyboard(server, page, engine_name):
    page.goto(server + "/search?q=oil")
    page.get_by_role("link", name="Compare with…").click()
    page.wait_for_url("**/compare?**")
    assert page.input_value("#cq1") == "oil"
    page.focus("#cq2")
    page.keyboard.type("wheat")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=wheat**")
    legend = page.locator(".legend li a").all_inner_texts()
    assert legend == ["oil", "wheat"]
    assert page.locator("svg.linechart polyline.series").count() >= 2
    assert "share of all articles" in page.locator(".chart-meta").inner_text()
    summary = page.locator("details.chart-data summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("details.chart-data table").is_visible()
    first_count = page.locator("details.chart-data tbody a").first
    first_count.focus()
    assert page.evaluate("document.activeElement.tagName") == "A"
    page.check("input[name=normalize][value=count]")
    page.locator(".compare-form button[type=submit]").click()
    page.wait_for_url("**normalize=count**")
    assert "share" not in page.locator(".chart-meta").inner_text()
    shot(page, "compare", engine_name)


def test_a_point_of_the_chart_opens_its_bucket_search(server, page):
    page.goto(server + "/compare?q=cocoa&interval=month")
    point = page.locator("svg.linechart a").first
    label = point.get_attribute("aria-label")
    count = int(re.search(r"\((\d[\d,]*) of", label).group(1).replace(",", ""))
    point.click()
    page.wait_for_url("**/search?**")
    assert "from=" in page.url
    assert "to=" in page.url
    heading = page.locator("#results-title").inner_text()
    assert heading.startswith(f"{count:,} article")


def test_results_timeline_switches_interval_and_measure(server, page, engine_name):
    page.goto(server + "/search?q=oil")
    page.locator(".timeline-switch a", has_text="week").click()
    page.wait_for_url("**interval=week**")
    assert "by week" in page.locator(".timeline figcaption").inner_text()
    share = page.locator(".timeline-switch a", has_text="share of all articles")
    share.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**measure=share**")
    assert page.locator(".timeline figcaption").inner_text().startswith("Share of all articles")
    labels = page.locator(".timeline svg a").evaluate_all(
        "els => els.map(e => e.getAttribute('aria-label'))"
    )
    assert labels
    assert all("% of all articles" in label for label in labels)
    shot(page, "timeline-share", engine_name)


def test_words_panel_loads_when_opened_and_a_word_narrows_the_search(server, page, engine_name):
    page.goto(server + "/search?q=oil")
    summary = page.locator("details.terms-panel summary")
    summary.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".term-list a")
    word = page.locator(".term-list a").first
    text = word.inner_text()
    shot(page, "terms-panel", engine_name)
    word.click()
    page.wait_for_url("**q=oil+**")
    assert text.split()[0].lower() in page.input_value("#q").lower()


def test_concordance_sorts_by_context_and_shows_only_our_marks(server, page, engine_name):
    page.goto(server + '/kwic?q="oil prices"')
    rows = page.locator("table.kwic-lines tbody tr")
    assert rows.count() > 5
    assert page.locator("table.kwic-lines script").count() == 0
    marks = page.locator("td.match mark").all_inner_texts()
    assert all(m.lower().startswith("oil pric") for m in marks)
    page.select_option("#korder", "right")
    page.focus("#kwidth")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**order=right**")
    rights = page.locator("td.right").all_inner_texts()
    keys = [tuple(w.lower() for w in re.findall(r"\w+", r)) for r in rights]
    assert keys == sorted(keys)
    shot(page, "concordance", engine_name)


def test_coverage_page_shows_each_source_per_bucket(server, page, engine_name):
    page.goto(server + "/coverage?interval=month")
    headers = page.locator("table.volume thead th").all_inner_texts()
    assert "Reuters" in headers
    region = page.locator(".table-scroll[role=region]")
    region.focus()
    assert page.evaluate("document.activeElement.getAttribute('role')") == "region"
    shot(page, "coverage", engine_name)


@pytest.mark.parametrize(
    "path", ["/compare?q=oil&q=wheat&q=cocoa", '/kwic?q="oil prices"', "/coverage?interval=day"]
)
def test_study_pages_fit_a_phone(server, browser, path, engine_name):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    phone = context.new_page()
    phone.goto(server + path)
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    name = path.split("?")[0].strip("/")
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / f"phone-{name}-{engine_name}.png"), full_page=True)
    context.close()
    assert overflow <= 0


def test_keyboard_shortcuts_move_open_save_and_list_themselves(server, page, engine_name):
    page.goto(server + "/search?q=oil")
    links = page.locator("li.hit .hit-title a")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.closest('li.hit') !== null")
    first = page.evaluate("document.activeElement.getAttribute('href')")
    assert first == links.nth(0).get_attribute("href")
    page.keyboard.press("j")
    second = page.evaluate("document.activeElement.getAttribute('href')")
    assert second == links.nth(1).get_attribute("href")
    assert page.locator("li.hit.is-current").count() == 1
    assert page.locator("#shortcut-status").inner_text() == f"Result 2 of {links.count()}"
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.getAttribute('href')") == first
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("?")
    dialog = page.locator("dialog#shortcuts")
    assert dialog.is_visible()
    assert "next / previous result" in dialog.inner_text()
    shot(page, "shortcuts", engine_name)
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    page.keyboard.press("s")
    assert page.locator("details.save").get_attribute("open") is not None
    assert page.evaluate("document.activeElement.id") == "save-name"
    page.keyboard.type("js")  # typing in a field is never a shortcut
    assert page.input_value("#save-name") == "js"  # the suggested name was selected
    page.locator("#q").focus()
    page.keyboard.press("Escape")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("j")
    page.keyboard.press("o")
    page.wait_for_url("**/article/**")
    assert page.url.split(server)[1] == first
