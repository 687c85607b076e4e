"""The course site: built for real (warnings fail it), offline, every internal link and every
coverage-map entry resolving, and every page checked in a real headless Chromium."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml

from book_site import ARTIFACTS, EXTERNAL, ROOT, Server, build_book, chrome, toc_pages

COVERAGE = yaml.safe_load((ROOT / "book" / "coverage.yml").read_text())["questions"]
SYLLABUS = ROOT.parent / "shared" / "course" / "syllabus.md"


@pytest.fixture(scope="module")
def site() -> Path:
    return build_book()


class Anchors(HTMLParser):
    """Collects every id and every href/src of a page."""

    def __init__(self):
        super().__init__()
        self.ids, self.links = set(), []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for key in ("href", "src"):
            if a.get(key):
                self.links.append((tag, a[key]))


@pytest.fixture(scope="module")
def pages(site) -> dict[Path, Anchors]:
    parsed = {}
    for html in site.rglob("*.html"):
        p = Anchors()
        p.feed(html.read_text(errors="replace"))
        parsed[html] = p
    return parsed


# ---------------------------------------------------------------- the coverage map
def test_coverage_map_covers_every_section_with_unique_ids():
    ids = [q["id"] for q in COVERAGE]
    assert len(ids) == len(set(ids)), "duplicate question ids"
    sections = {int(i.split(".")[0]) for i in ids}
    assert sections == set(range(1, 13))
    for s in sections:  # numbered 1..k within each section, none skipped
        nums = sorted(int(i.split(".")[1]) for i in ids if int(i.split(".")[0]) == s)
        assert nums == list(range(1, len(nums) + 1)), f"section {s}: {nums}"
    for q in COVERAGE:
        assert q["exercise"] in ("manual", "pending") or "::" in q["exercise"], q
    if SYLLABUS.exists():  # the course's syllabus, where this checkout has it beside it
        headings = re.findall(r"^## (\d+)\. ", SYLLABUS.read_text(), re.M)
        assert {int(h) for h in headings} == sections


def test_every_named_exercise_test_exists_in_the_instructors_notebook():
    import nbformat

    from dlcourse.grading.specs import SPECS

    named = [q for q in COVERAGE if "::" in q["exercise"]]
    assert named
    for q in named:
        assignment, grade_id = q["exercise"].split("::")
        ids = {c.metadata.get("nbgrader", {}).get("grade_id"): c.metadata.get("nbgrader", {})
               for nb in (ROOT / "autograder" / "source" / assignment).glob("*.ipynb")
               for c in nbformat.read(nb, 4).cells}
        assert grade_id in ids and ids[grade_id].get("grade"), f"question {q['id']}: no graded cell {grade_id}"
        assert grade_id in SPECS or ids[grade_id].get("solution"), f"question {q['id']}: {grade_id} has no spec"


@pytest.mark.parametrize("column", ["theory", "lab"])
def test_every_coverage_anchor_exists_in_the_built_site(column, site, pages):
    for q in COVERAGE:
        doc, anchor = q[column].split("#")
        page = site / f"{doc}.html"
        assert page in pages, f"question {q['id']}: {doc} was not built"
        assert anchor in pages[page].ids, f"question {q['id']}: no #{anchor} in {doc}"


def test_every_lab_anchor_heads_a_cell_tagged_with_it():
    for q in COVERAGE:
        doc, anchor = q["lab"].split("#")
        source = (ROOT / f"{doc}.md").read_text()
        block = source.split(f"({anchor})=", 1)
        assert len(block) == 2, f"question {q['id']}: no label ({anchor})= in {doc}.md"
        following = block[1].split("(check-", 1)[0]
        assert f":tags: [{anchor}]" in following, f"question {q['id']}: no cell tagged {anchor} after its label"


def test_front_page_shows_the_coverage_table(site):
    html = (site / "book" / "intro.html").read_text()
    table = html.split("coverage-table", 1)[1].split("</table>", 1)[0]
    assert table.count("<tr") == len(COVERAGE) + 1
    for q in COVERAGE[:: max(1, len(COVERAGE) // 8)]:
        assert q["lab"].split("#")[1] in table


ASSIGNMENTS = sorted(p.name for p in (ROOT / "autograder" / "source").iterdir() if p.is_dir())


def _solution_lines(assignment: str) -> list[str]:
    """Every substantial line between the instructor notebook's solution markers."""
    import nbformat

    lines = []
    for nb in (ROOT / "autograder" / "source" / assignment).glob("*.ipynb"):
        for c in nbformat.read(nb, 4).cells:
            for block in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", c.source, re.S):
                lines += [line.strip() for line in block.splitlines() if len(line.strip()) > 20]
    return lines


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_site_offers_the_student_version_without_solutions(assignment, site):
    books = list((site / "_downloads").rglob(f"{assignment}.ipynb"))
    assert len(books) == 1
    import nbformat

    # every cell but the task descriptions (which may state the formula to implement)
    text = "\n".join(c.source for c in nbformat.read(books[0], 4).cells
                     if c.cell_type == "code" or not c.metadata.get("nbgrader", {}).get("locked"))
    assert "YOUR CODE HERE" in text
    solutions = _solution_lines(assignment)
    assert len(solutions) >= 3
    for leak in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "hidden=True", *solutions):
        assert leak not in text, leak
    page = (site / "book" / "exercises" / "index.html").read_text()
    assert f"{assignment}.ipynb" in page and "download" in page


def test_the_instructor_edition_offers_the_solutions_and_says_so(site):
    instructor = build_book(instructor=True)
    for assignment in ASSIGNMENTS:
        books = list((instructor / "_downloads").rglob(f"{assignment}.ipynb"))
        assert len(books) == 1 and "### BEGIN SOLUTION" in books[0].read_text(), assignment
    assert "Instructor edition" in (instructor / "book" / "exercises" / "index.html").read_text()
    assert "Instructor edition" not in (site / "book" / "exercises" / "index.html").read_text()


def test_each_chapter_links_the_homework_that_grades_it(site):
    import nbformat

    by_hand = {(a, c.metadata["nbgrader"]["grade_id"]) for a in ASSIGNMENTS
               for nb in (ROOT / "autograder" / "source" / a).glob("*.ipynb") for c in nbformat.read(nb, 4).cells
               if c.metadata.get("nbgrader", {}).get("grade") and c.metadata["nbgrader"].get("solution")}
    graded: dict[str, set[str]] = {}
    for q in COVERAGE:
        if "::" in q["exercise"]:
            graded.setdefault(q["theory"].split("#")[0], set()).add(q["exercise"])
    theory_pages = {q["theory"].split("#")[0] for q in COVERAGE}
    assert set(graded) == theory_pages  # every chapter has homework
    assert by_hand & {tuple(e.split("::")) for es in graded.values() for e in es}  # some proofs are listed
    for doc, exercises in graded.items():
        html = (site / f"{doc}.html").read_text()
        note = html.split("chapter-exercises", 1)[1].split("</div>", 1)[0]
        linked = set(re.findall(r'href="[^"]*_downloads/[0-9a-f]+/(hw\d+)\.ipynb"', note))
        assert linked == {e.split("::")[0] for e in exercises}, (doc, linked, exercises)
        text = re.sub(r"<[^>]+>", "", note)
        for e in exercises:
            assignment, cell = e.split("::")
            how = "graded by hand" if (assignment, cell) in by_hand else "autograded"
            assert f"{cell} ({how})" in text, (doc, e)


# ---------------------------------------------------------------- offline, links, noise
def test_no_page_loads_or_links_anything_from_another_host(site):
    offenders = []
    for html in site.rglob("*.html"):
        text = html.read_text(errors="replace")
        offenders += [(html.relative_to(site), m) for m in EXTERNAL.findall(text)]
        # nor an inline script that holds an address to fetch later (sphinx-thebe's CDN URL did)
        for script in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", text, re.S):
            offenders += [(html.relative_to(site), u) for u in re.findall(r"https?://[^\s\"']+", script)]
    assert not offenders, offenders[:10]


def test_math_renders_from_the_local_mathjax(site):
    intro = (site / "book" / "01-matrix-calculus" / "theory.html").read_text()
    src = re.search(r'<script[^>]+src="([^"]*tex-chtml[^"]*)"', intro).group(1)
    assert not urlparse(src).netloc
    assert (site / "book" / "01-matrix-calculus" / src.split("?")[0]).resolve().is_file()


def test_every_internal_link_resolves(site, pages):
    broken = []
    for html, parsed in pages.items():
        if "_static" in html.parts or html.name in ("genindex.html", "search.html"):
            continue
        for tag, link in parsed.links:
            url = urlparse(link)
            if url.scheme or url.netloc or link.startswith(("mailto:", "javascript:", "data:")):
                continue
            target = (html.parent / unquote(url.path)).resolve() if url.path else html
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append((str(html.relative_to(site)), link))
            elif url.fragment and target.suffix == ".html" and target in pages and url.fragment not in pages[target].ids:
                broken.append((str(html.relative_to(site)), link))
    assert not broken, broken[:20]


def test_tensorflow_noise_never_reaches_a_page(site):
    for html in site.rglob("*.html"):
        text = html.read_text(errors="replace")
        for noise in ("oneDNN", "absl::InitializeLog", "cpu_feature_guard", "TqdmWarning"):
            assert noise not in text, f"{noise} in {html.relative_to(site)}"


# ---------------------------------------------------------------- a real browser
@pytest.fixture(scope="module")
def browser(site):
    driver = chrome()
    with Server(site) as server:
        driver.server_url = server.url
        yield driver
    driver.quit()


def _wait_for_mathjax(driver) -> None:
    driver.set_script_timeout(60)
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "if (!window.MathJax || !MathJax.startup) { done(null); return; }"
        "MathJax.startup.promise.then(() => done(true)).catch(() => done(false));")


@pytest.mark.parametrize("page", toc_pages())
def test_page_in_chromium(page, browser):
    browser.get(f"{browser.server_url}/{page}.html")
    _wait_for_mathjax(browser)
    state = browser.execute_script("""
        const body = document.querySelector('main') || document.body;
        const imgs = Array.from(document.images);
        return {
          title: document.title,
          mathSource: document.querySelectorAll('.math, .MathJax_Preview, mjx-container').length,
          typeset: document.querySelectorAll('mjx-container').length,
          rawDisplay: body.innerText.includes('$$'),
          images: imgs.length,
          broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
        };""")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / (page.replace("/", "__") + ".png")))
    assert not errors, errors
    assert not state["broken"], state["broken"]
    assert not state["rawDisplay"], "raw $$ left in the page"
    if state["mathSource"]:
        assert state["typeset"] > 0, "math on the page was not typeset by MathJax"
    if page.endswith("/lab"):
        assert state["images"] > 0, "a lab page without its plots"


def test_search_finds_a_chapter_by_a_word_in_it(browser):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{browser.server_url}/search.html?q=Beale")
    WebDriverWait(browser, 60).until(
        lambda d: d.execute_script("return document.querySelectorAll('#search-results li').length") > 0)
    hits = browser.execute_script(
        "return Array.from(document.querySelectorAll('#search-results li a')).map(a => a.getAttribute('href'))")
    assert any("04-gradient-descent" in h for h in hits), hits
