"""The HTML page in a real browser: Chromium (Debian's `chromium`, driven by Playwright through
`executable_path`, no browser download) opens the rendered page at a laptop's and a phone's width
and checks what a reader meets: no console errors, no request leaving the page, every image
decoded and described, no sideways scrolling of the page, headings in order, a table of contents
(beside the text on a laptop, above it on a phone) and every link within the page leading somewhere."""

from __future__ import annotations

import shutil

import pytest

import reportgen

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
pytestmark = [pytest.mark.slow,  # Chromium
              pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)")]

WIDTHS = [1280, 390]  # a laptop, a phone

CHECKS = """() => {
  const imgs = [...document.images];
  const levels = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1]);
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    images: imgs.length,
    undecoded: imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt || i.src.slice(0, 40)),
    withoutAlt: imgs.filter(i => !i.hasAttribute('alt') || (!i.alt.trim() && !i.classList.contains('logo'))).length,
    skipped: levels.filter((level, k) => k > 0 && level > levels[k - 1] + 1).length,
    firstHeading: levels[0],
    wideTables: [...document.querySelectorAll('table')].filter(t => t.scrollWidth > t.parentElement.clientWidth)
                  .filter(t => getComputedStyle(t.parentElement).overflowX !== 'auto').length,
    links: [...document.querySelectorAll('nav.toc a, a.ref')].map(a => a.getAttribute('href')),
    unresolved: [...document.querySelectorAll('nav.toc a, a.ref')]
                  .filter(a => !document.getElementById(a.getAttribute('href').slice(1))).length,
    toc: document.querySelector('nav.toc') && getComputedStyle(document.querySelector('nav.toc')).position,
  };
}"""


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def open_page(browser, path, width: int):
    """The page at `width`, with every console error, page error and request recorded."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    seen = {"errors": [], "requests": []}
    page.on("console", lambda msg: msg.type == "error" and seen["errors"].append(msg.text))
    page.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
    page.on("request", lambda req: req.url.startswith("data:") or seen["requests"].append(req.url))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, seen


@pytest.mark.parametrize("width", WIDTHS)
def test_page_in_chromium(browser, analysed_run, width):
    out = reportgen.render(analysed_run, "html")
    page, seen = open_page(browser, out, width)
    result = page.evaluate(CHECKS)
    page.close()
    assert seen["errors"] == []
    assert [url for url in seen["requests"] if url != out.as_uri()] == []  # only the page itself is loaded
    assert result["images"] > 5 and result["undecoded"] == []
    assert result["withoutAlt"] == 0
    assert result["firstHeading"] == 1 and result["skipped"] == 0
    assert result["scrollWidth"] <= result["innerWidth"]  # the page never scrolls sideways
    assert result["wideTables"] == 0  # a table wider than the page scrolls inside its own box
    # the table of contents and every "Lampiran B" lead to a part of the page: beside the text where
    # there is room, above it on a phone
    assert len(result["links"]) > 20 and result["unresolved"] == 0
    assert result["toc"] == ("fixed" if width == 1280 else "static")


def test_the_check_sees_a_page_that_scrolls_sideways(browser, tmp_path):
    """The measure itself: a page with a wide unwrapped table and a skipped heading level fails it."""
    path = tmp_path / "wide.html"
    path.write_text("<!DOCTYPE html><html><body><h1>x</h1><h3>y</h3><div><table><tr>"
                    + "<td>kata</td>" * 200 + "</tr></table></div><img src='data:,' alt=''>"
                    "<a class='ref' href='#nowhere'>Lampiran Z</a></body></html>")
    page, _ = open_page(browser, path, 390)
    result = page.evaluate(CHECKS)
    page.close()
    assert result["scrollWidth"] > result["innerWidth"]
    assert result["wideTables"] == 1 and result["skipped"] == 1 and result["withoutAlt"] == 1
    assert result["undecoded"] and result["toc"] is None and result["unresolved"] == 1
