"""36 cross-site-scripting vectors in titles, bodies, bylines, sources and URLs, searched and
rendered in headless Chromium: no script runs, snippets hold only text and bare ``<mark>``, and no
link leaves for a non-http(s) address."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from search.indexer import update_index
from tests.conftest import SEEDS
from tests.servers import running_server
from tests.test_browser import CHROMIUM, LAUNCH_ARGS

pytestmark = [pytest.mark.usefixtures("engine_name"), pytest.mark.browser]

if not Path(CHROMIUM).exists():
    pytest.skip("no chromium installed (apt-get install chromium)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

VECTORS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<a href=javascript:alert(1)>click</a>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "</mark><script>alert(1)</script><mark>",
    "<mark onclick=alert(1) style=x>marked</mark>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "<scr<script>ipt>alert(1)</script>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<style>@import 'javascript:alert(1)';</style>",
    "<link rel=stylesheet href=javascript:alert(1)>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<base href=javascript:alert(1)//>",
    '<div style="background:url(javascript:alert(1))">styled</div>',
    "{{7*7}} {% raw %} ${alert(1)}",
    "<!--<script>alert(1)//-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<img src="x" onerror="alert(String.fromCharCode(88,83,83))">',
    "<isindex type=image src=1 onerror=alert(1)>",
    "\u003cscript\u003ealert(1)\u003c/script\u003e",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    "<x onmouseover=alert(1)>hover me</x>",
]
URLS = ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)"]


def articles() -> list[dict]:
    out = []
    for i, vector in enumerate(VECTORS):
        out.append(
            {
                "id": f"xss-{i:02d}",
                "title": f"Quay{i} {vector} quayside",
                "body": f"Before quayside {vector} between quay{i} {vector} after.\n\n{vector}",
                "author": f"{vector} Reporter",
                "source": f"Wire {vector}"[:200],
                "url": URLS[i % len(URLS)] if i % 2 else f"https://example.org/a?x={vector}",
                "date": f"2025-03-{1 + i % 28:02d}",
            }
        )
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory, engine_name):
    root = tmp_path_factory.mktemp(f"xss-{engine_name}")
    source = root / "xss.jsonl"
    source.write_text("".join(json.dumps(a) + "\n" for a in articles()), encoding="utf-8")
    shutil.copytree(SEEDS, root / "seeds")
    report = update_index(root / "index", [root / "seeds", source], engine=engine_name)
    assert report.added == len(VECTORS) + 2
    with running_server(root, root / "index") as (base, _process):
        yield base


CHECK_PAGE = """() => {
  const bad = [];
  const areas = '.snippet, .hit-title a, article h1, .article-body p';
  for (const area of document.querySelectorAll(areas)) {
    for (const el of area.querySelectorAll('*')) {
      if (el.tagName !== 'MARK' || el.attributes.length) bad.push(el.outerHTML.slice(0, 80));
    }
  }
  const links = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))
    .filter(h => !/^(\\/|\\?|#|https?:\\/\\/)/.test(h));
  const scripts = [...document.scripts].map(s => s.getAttribute('src'));
  return {bad, links, scripts, marks: document.querySelectorAll('mark').length};
}"""


def test_no_vector_runs_and_snippets_hold_only_text_and_mark(server):
    dialogs: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page()
        console: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: console.append(str(e)))
        article_links: list[str] = []
        for number in range(1, 5):  # every article listed: their copies are not collapsed
            page.goto(f"{server}/search?q=quayside&collapse=none&page={number}")
            found = page.evaluate(CHECK_PAGE)
            assert found["bad"] == [], found["bad"]
            assert found["links"] == []
            assert found["scripts"] == ["/static/app.js"]
            article_links += page.eval_on_selector_all(
                ".hit-title a", "els => els.map(e => e.getAttribute('href'))"
            )
        assert len(article_links) == len(VECTORS)
        visible = page.goto(f"{server}/search?q=quayside&page=1")
        assert visible.status == 200
        for href in article_links:
            page.goto(server + href)
            found = page.evaluate(CHECK_PAGE)
            assert found["bad"] == [], (href, found["bad"])
            assert found["links"] == [], (href, found["links"])
            assert found["marks"] >= 1  # the query's words are still marked
            assert "quay" in page.inner_text(".article-body").lower()
            # its story's page (titles, outlets and word diffs of its copies), by article id
            story = page.goto(server + href.split("?")[0].replace("/article/", "/story/", 1))
            assert story.status == 200
            found = page.evaluate(CHECK_PAGE)
            assert found["bad"] == [], (href, found["bad"])
            assert found["links"] == [], (href, found["links"])
        browser.close()
    assert dialogs == []
    assert console == [], console  # a CSP refusal would show here: escaping must come first


def test_payload_text_is_shown_as_text(server):
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page()
        page.goto(f"{server}/search?q=quay0")
        title = page.inner_text(".hit-title")
        assert "<script>alert(1)</script>" in title
        page.goto(f"{server}/search?q=%3Cscript%3Ealert(1)%3C/script%3E+quay1")
        assert page.input_value("#q") == "<script>alert(1)</script> quay1"
        browser.close()
