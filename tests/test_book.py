"""The course site: built for real (warnings fail it), offline, every internal link and every
coverage-map entry resolving, and every page checked in a real headless Chromium."""
from __future__ import annotations

import ast
import copy
import html as htmllib
import importlib
import inspect
import json
import re
import subprocess
import sys
import textwrap
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml
from book_site import ARTIFACTS, EXTERNAL, ROOT, Server, build_book, chrome, toc_pages

from dlcourse.grading import coverage
from dlcourse.grading.notebook import nbgrader_metadata

# the map's rows: book/coverage.yml's and the questions declared with their exercises
COVERAGE = coverage.rows(yaml.safe_load((ROOT / "book" / "coverage.yml").read_text())["questions"])
SYLLABUS = ROOT.parent / "shared" / "course" / "syllabus.md"
# each chapter's theory page, with the pages under it (its lab), as _toc.yml lists them
CHAPTERS = {c["file"]: [s["file"] for s in c.get("sections", [])]
            for part in yaml.safe_load((ROOT / "_toc.yml").read_text())["parts"] if part["caption"] == "Chapters"
            for c in part["chapters"]}


def course_state() -> dict[str, str]:
    """Every file of the course folder (gradebook, release, submissions, sources) by content hash."""
    import hashlib

    course = ROOT / "autograder"
    return {str(p.relative_to(course)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(course.rglob("*")) if p.is_file()}


COURSE_AROUND_THE_BUILD: dict[str, dict[str, str]] = {}


@pytest.fixture(scope="module")
def site() -> Path:
    COURSE_AROUND_THE_BUILD["before"] = course_state()
    built = build_book()
    COURSE_AROUND_THE_BUILD["after"] = course_state()
    return built


def test_building_the_site_never_touches_grading_state(site):
    before, after = COURSE_AROUND_THE_BUILD["before"], COURSE_AROUND_THE_BUILD["after"]
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"the site build changed the course folder: {changed[:10]}"


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
    assert sections == set(range(1, 14))  # the syllabus's 12 sections, and convolutions (13), the course's own
    for s in sections:  # numbered 1..k within each section, none skipped
        nums = sorted(int(i.split(".")[1]) for i in ids if int(i.split(".")[0]) == s)
        assert nums == list(range(1, len(nums) + 1)), f"section {s}: {nums}"
    if SYLLABUS.exists():  # the course's syllabus, where this checkout has it beside it
        headings = re.findall(r"^## (\d+)\. ", SYLLABUS.read_text(), re.MULTILINE)
        assert {int(h) for h in headings} == sections - {13}


def test_every_declared_question_is_on_the_map_and_every_notebook_matches_its_declarations():
    from dlcourse.grading import cells
    from dlcourse.grading.exercises import ASSIGNMENTS, graded_questions

    on_the_map = {q["id"] for q in COVERAGE}
    declared = set(graded_questions())
    assert declared, "no exercise names a question"
    assert declared <= on_the_map, f"declared questions missing from book/coverage.yml: {declared - on_the_map}"
    ungraded = sorted(on_the_map - declared, key=lambda q: tuple(map(int, q.split("."))))
    assert not ungraded, f"questions of book/coverage.yml that no exercise grades: {ungraded}"
    on_disk = sorted(p.name for p in (ROOT / "autograder" / "source").iterdir() if p.is_dir())
    assert sorted(ASSIGNMENTS) == on_disk, "one declaration module per assignment folder"
    for assignment in ASSIGNMENTS:
        # the committed notebook is what `dlcourse release` would make of it
        assert cells.sync_assignment(ROOT / "autograder", assignment, write=False) == [], assignment


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


def _text(fragment: str) -> str:
    """What a reader sees of an HTML fragment, before MathJax: tags dropped, spaces collapsed."""
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def _title_of(page_html: str, anchor: str) -> str:
    """How the coverage map should name ``#anchor``: an equation as "Eq. (n)", else the heading
    of the section the anchor opens (its "#" permalink dropped)."""
    after = page_html.split(f'id="{anchor}"', 1)[1]
    if anchor.startswith("equation-"):
        return "Eq. " + _text(re.search(r'<span class="eqno">(.*?)<a', after, re.DOTALL).group(1))
    heading = re.search(r"<h[1-6][^>]*>(.*?)</h[1-6]>", after, re.DOTALL).group(1)
    return _text(re.sub(r'<a class="headerlink".*?</a>', "", heading, flags=re.DOTALL))


def test_the_coverage_map_names_each_section_by_its_title(site):
    table = (site / "book" / "intro.html").read_text().split("coverage-table", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr.*?</tr>", table, re.DOTALL)[1:]
    assert len(rows) == len(COVERAGE)
    for q, row in zip(COVERAGE, rows, strict=True):
        cells = re.findall(r"<td.*?</td>", row, re.DOTALL)
        for column, cell in (("theory", cells[2]), ("lab", cells[3])):
            doc, anchor = q[column].split("#")
            href, inner = re.search(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', cell, re.DOTALL).groups()
            text = _text(inner)
            assert not re.search(r"\b(equation|check|sec)-", text), f"{q['id']} {column}: raw anchor {text!r}"
            assert href.endswith(f"{doc.removeprefix('book/')}.html#{anchor}"), (q["id"], column, href)
            assert text == _title_of((site / f"{doc}.html").read_text(), anchor), (q["id"], column, text)


def _heading(page_html: str) -> str:
    """A page's title as its reader sees it."""
    return _text(re.sub(r'<a class="headerlink".*?</a>', "", re.search(r"<h1>(.*?)</h1>", page_html, re.DOTALL)[1]))


def _target(page: Path, href: str) -> Path:
    """The file a relative link of ``page`` opens."""
    return (page.parent / unquote(urlparse(href).path)).resolve()


STRAIGHT_QUOTES = str.maketrans("‘’“”", "''\"\"")


def test_every_chapter_is_built_and_linked_from_the_front_page(site, pages):
    intro = site / "book" / "intro.html"
    overview = intro.read_text().split('id="course-overview"', 1)[1].split("</section>", 1)[0]
    in_overview = {_target(intro, href) for href in re.findall(r'href="([^"]*)"', overview)}
    on_the_page = {_target(intro, link) for _, link in pages[intro].links}
    assert "book/13-convolutions/theory" in CHAPTERS, "convolutions missing from _toc.yml"
    for chapter, sections in CHAPTERS.items():
        assert (site / f"{chapter}.html").resolve() in in_overview, f"the overview does not link {chapter}"
        for page in (chapter, *sections):
            built = site / f"{page}.html"
            assert built in pages, f"{page} was not built"
            assert built.resolve() in on_the_page, f"the front page does not link {page}"
            title = re.search(r"^# (.+)$", (ROOT / f"{page}.md").read_text(), re.MULTILINE)[1]
            # Sphinx's smart quotes curl the source's straight ones
            assert _heading(built.read_text()).translate(STRAIGHT_QUOTES) == title, page


ASSIGNMENTS = sorted(p.name for p in (ROOT / "autograder" / "source").iterdir() if p.is_dir())


def _solution_lines(assignment: str) -> list[str]:
    """Every substantial line between the instructor notebook's solution markers."""
    import nbformat

    lines = []
    for nb in (ROOT / "autograder" / "source" / assignment).glob("*.ipynb"):
        for c in nbformat.read(nb, 4).cells:
            for block in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", c.source, re.DOTALL):
                lines += [line.strip() for line in block.splitlines() if len(line.strip()) > 20]
    return lines


def _kit(site: Path, assignment: str) -> Path:
    """The homework's zip as the student site publishes it: the one the homework page links
    (Sphinx keeps older copies of a changed download beside it in _downloads)."""
    page = site / "book" / "exercises" / "index.html"
    links = set(re.findall(rf'href="([^"]*_downloads/[0-9a-f]+/{assignment}\.zip)"', page.read_text()))
    assert len(links) == 1, f"{assignment}: the homework page links {len(links)} zips, expected 1"
    kit = (page.parent / links.pop()).resolve()
    assert kit.is_file(), kit
    return kit


def _kit_files(assignment: str) -> set[str]:
    """What ``dlcourse release`` zips: the student notebook, the check helper, the visible cases."""
    return {f"{assignment}/{assignment}.ipynb", f"{assignment}/hwcheck.py", f"{assignment}/{assignment}_cases.json"}


def _student_text(notebook):
    """Every cell but the task descriptions (which may state the formula to implement)."""
    return "\n".join(c.source for c in notebook.cells
                     if c.cell_type == "code" or not nbgrader_metadata(c).get("locked"))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_site_offers_the_student_kit_without_solutions(assignment, site):
    import nbformat

    kit = _kit(site, assignment)
    with zipfile.ZipFile(kit) as z:
        names = set(z.namelist())
        assert names == _kit_files(assignment), f"{kit.name} holds {sorted(names)}"
        notebook = nbformat.reads(z.read(f"{assignment}/{assignment}.ipynb").decode(), 4)
    text = _student_text(notebook)
    assert "YOUR CODE HERE" in text, f"{assignment}: the zipped notebook is not the student version"
    solutions = _solution_lines(assignment)
    assert len(solutions) >= 3, f"{assignment}: too few solution lines to check against"
    for leak in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "hidden=True", *solutions):
        assert leak not in text, f"{assignment}: the student's notebook holds {leak!r}"
    # the site offers the kit, never the notebook alone (its test cells need hwcheck.py and the cases)
    bare = list((site / "_downloads").rglob(f"{assignment}.ipynb"))
    assert not bare, f"the student site publishes {assignment}.ipynb outside its kit: {bare}"


def test_every_homework_link_of_the_student_site_points_at_its_kit(site, pages):
    kits = {a: _kit(site, a).resolve() for a in ASSIGNMENTS}
    homework = re.compile(r"/(" + "|".join(map(re.escape, ASSIGNMENTS)) + r")\.[a-z]+$")
    linked: dict[str, set[str]] = {}  # page -> the assignments it links
    for page, parsed in pages.items():
        for _, link in parsed.links:
            path = unquote(urlparse(link).path)
            found = homework.search(path)
            if "_downloads/" not in path or not found:
                continue
            target = (page.parent / path).resolve()
            where = f"{page.relative_to(site)} links {link}"
            assert target == kits[found.group(1)], f"{where}, not {kits[found.group(1)].relative_to(site)}"
            linked.setdefault(str(page.relative_to(site)), set()).add(found.group(1))
    index = "book/exercises/index.html"
    assert linked.get(index) == set(ASSIGNMENTS), f"{index} links the kits of {linked.get(index)}"


def test_the_site_offers_the_student_wheel_with_every_open_reference_stubbed(site, pages):
    """The wheel on the site is the student library: no grader, and every function an open
    homework grades is one raise of NotImplementedError naming its section, read from the
    published file itself."""
    import ast

    from dlcourse.grading.student_library import withheld_references

    wheels = list((site / "_downloads").rglob("dlcourse-*.whl"))
    assert len(wheels) == 1, f"the site publishes {wheels}"
    page = site / "book" / "running-labs.html"
    assert any(wheels[0].name in link for _, link in pages[page].links), f"{page} does not link {wheels[0].name}"
    refs = withheld_references(ROOT / "autograder")
    assert refs, "no homework is open: nothing to check"
    with zipfile.ZipFile(wheels[0]) as z:
        assert not [n for n in z.namelist() if n.startswith("dlcourse/grading/")]
        for ref in refs:
            module, _, attr = ref.name.rpartition(".")
            tree = ast.parse(z.read(module.replace(".", "/") + ".py").decode())
            node = next(n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef) and n.name == attr)
            functions = [m for m in node.body if isinstance(m, ast.FunctionDef)] if isinstance(node, ast.ClassDef) \
                else [node]
            for f in functions:
                body = f.body[1:] if ast.get_docstring(f) is not None else f.body
                assert len(body) == 1, f"{ref.name}.{f.name}: {len(body)} statements, not a stub"
                assert isinstance(body[0], ast.Raise), f"{ref.name}.{f.name} is not a stub"
                message = body[0].exc.args[0].value  # raise NotImplementedError("...")
                assert ref.sections[0] in message, f"{ref.name}: the stub does not name its section"


# Runs each code cell of a notebook in one namespace, as Jupyter would: from its folder, with
# that folder first on sys.path (as "" is for a kernel). Argument: the notebook's path.
RUN_CELLS = """
import json, sys, traceback
for cell in json.load(open(sys.argv[1]))["cells"]:
    if cell["cell_type"] != "code":
        continue
    name = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "?")  # no dlcourse here
    try:
        exec(compile("".join(cell["source"]), name, "exec"), globals())
    except BaseException:
        traceback.print_exc(file=sys.stdout)
        print("FAILED CELL", name)
        sys.exit(1)
print("ALL CELLS RAN")
"""


@pytest.fixture(scope="module")
def plain_python(tmp_path_factory) -> Path:
    """A fresh virtual environment with NumPy alone, as a student has: no dlcourse in it
    (the project's .venv has dlcourse installed editable, so it cannot stand in)."""
    venv = tmp_path_factory.mktemp("student") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "numpy"], check=True, capture_output=True)
    return python


def _run_plain(python: Path, folder: Path, *args: str) -> subprocess.CompletedProcess:
    # a bare environment: no PYTHONPATH, no VIRTUAL_ENV, nothing that leads back to the repository
    env = {"PATH": f"{python.parent}:/usr/bin:/bin", "HOME": str(folder), "LANG": "C.UTF-8"}
    return subprocess.run([str(python), *args], cwd=folder, env=env, capture_output=True, text=True, timeout=600,
                          check=False)


def _solve(notebook: dict, assignment: str) -> dict:
    """The student notebook with each code solution cell replaced by the instructor's, by grade id."""
    import nbformat

    answers = {nbgrader_metadata(c)["grade_id"]: c.source
               for nb in (ROOT / "autograder" / "source" / assignment).glob("*.ipynb")
               for c in nbformat.read(nb, 4).cells if nbgrader_metadata(c).get("solution")}
    for cell in notebook["cells"]:
        grading = nbgrader_metadata(cell)
        if cell["cell_type"] == "code" and grading.get("solution"):
            assert grading["grade_id"] in answers, f"{assignment}: no instructor cell {grading['grade_id']}"
            cell["source"] = answers[grading["grade_id"]]
    return notebook


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_downloaded_kit_checks_the_homework_without_dlcourse(assignment, site, plain_python, tmp_path):
    with zipfile.ZipFile(_kit(site, assignment)) as z:
        z.extractall(tmp_path)
    folder = tmp_path / assignment
    blank = json.loads((folder / f"{assignment}.ipynb").read_text())
    cases = json.loads((folder / f"{assignment}_cases.json").read_text())["tests"]

    no_library = _run_plain(plain_python, folder, "-c", "import dlcourse")
    assert no_library.returncode != 0, "dlcourse is importable in the student's environment: the test proves nothing"
    assert "No module named 'dlcourse'" in no_library.stderr, no_library.stderr

    # an outcome exercise trains a network on MNIST-1D: its check needs the student library (below)
    outcomes = {grade_id: test["function"] for grade_id, test in cases.items() if test.get("outcome")}
    solved_nb = _solve(copy.deepcopy(blank), assignment)
    solved_nb["cells"] = [c for c in solved_nb["cells"]
                          if nbgrader_metadata(c).get("grade_id") not in {*outcomes, *outcomes.values()}]
    (folder / "solved.ipynb").write_text(json.dumps(solved_nb))
    solved = _run_plain(plain_python, folder, "-c", RUN_CELLS, "solved.ipynb")
    assert solved.returncode == 0, f"{assignment} with the instructor's answers:\n{solved.stdout}{solved.stderr}"
    for grade_id, test in cases.items():
        if grade_id in outcomes:
            continue
        passed = f"{test['function']}: {len(test['cases'])} visible case(s) passed"
        assert passed in solved.stdout, f"{assignment}: no {passed!r} in\n{solved.stdout}"
    for grade_id, function in outcomes.items():
        check = f"import hwcheck\ndef {function}(X, y, seed):\n    pass\nhwcheck.check({grade_id!r}, {function})"
        needs = _run_plain(plain_python, folder, "-c", check)
        assert needs.returncode != 0, needs.stdout
        assert "which the course's student library makes: install it" in needs.stderr, needs.stderr

    # unanswered, the first test cell stops the notebook, naming the stub's NotImplementedError
    first_test = next(nbgrader_metadata(c)["grade_id"] for c in blank["cells"]
                      if c["cell_type"] == "code" and nbgrader_metadata(c).get("grade"))
    unanswered = _run_plain(plain_python, folder, "-c", RUN_CELLS, f"{assignment}.ipynb")
    assert unanswered.returncode != 0, f"{assignment}: the unanswered notebook passed its checks"
    assert f"FAILED CELL {first_test}" in unanswered.stdout, unanswered.stdout
    assert "NotImplementedError" in unanswered.stdout, unanswered.stdout


def test_the_instructor_edition_offers_the_solutions_and_says_so(site):
    instructor = build_book(instructor=True)
    for assignment in ASSIGNMENTS:
        books = list((instructor / "_downloads").rglob(f"{assignment}.ipynb"))
        assert len(books) == 1, (assignment, books)
        assert "### BEGIN SOLUTION" in books[0].read_text(), assignment
    assert "Instructor edition" in (instructor / "book" / "exercises" / "index.html").read_text()
    assert "Instructor edition" not in (site / "book" / "exercises" / "index.html").read_text()


def test_each_chapter_links_the_homework_that_grades_it(site):
    import nbformat

    from dlcourse.grading.exercises import graded_questions

    # what the notebooks themselves say is graded by hand: a cell both graded and a solution
    by_hand = {(a, m["grade_id"]) for a in ASSIGNMENTS
               for nb in (ROOT / "autograder" / "source" / a).glob("*.ipynb") for c in nbformat.read(nb, 4).cells
               if (m := nbgrader_metadata(c)).get("grade") and m.get("solution")}
    graded: dict[str, set[str]] = {}
    questions = graded_questions()
    for q in COVERAGE:
        for assignment, exercise in questions.get(q["id"], []):
            graded.setdefault(q["theory"].split("#")[0], set()).add(f"{assignment}::{exercise.grade_id}")
    theory_pages = {q["theory"].split("#")[0] for q in COVERAGE}
    assert set(graded) == theory_pages  # every chapter has homework
    assert by_hand & {tuple(e.split("::")) for es in graded.values() for e in es}  # some proofs are listed
    for doc, exercises in graded.items():
        html = (site / f"{doc}.html").read_text()
        note = html.split("chapter-exercises", 1)[1].split("</div>", 1)[0]
        linked = set(re.findall(r'href="[^"]*_downloads/[0-9a-f]+/(hw\d+)\.zip"', note))
        assert linked == {e.split("::")[0] for e in exercises}, (doc, linked, exercises)
        text = re.sub(r"<[^>]+>", "", note)
        for e in exercises:
            assignment, cell = e.split("::")
            how = "graded by hand" if (assignment, cell) in by_hand else "autograded"
            assert f"{cell} ({how})" in text, (doc, e)


MIN_SOURCE_LINE = 25  # shorter lines ("return dx", "for _ in range(n):") are common to any code


def _calls_a_graded_function(node: ast.AST, namespace: dict, graded: set[str]) -> bool:
    """A statement like ``loss, dz = losses.softmax_cross_entropy(z, y)``: one call, on plain
    arguments, of a library function that is itself a graded reference. A lab that uses the
    library writes the same line; it shows how to call the function, not how it works."""
    value = getattr(node, "value", None)
    if not isinstance(node, (ast.Assign, ast.Expr, ast.Return)) or not isinstance(value, ast.Call):
        return False
    if any(isinstance(n, (ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare)) for n in ast.walk(value)):
        return False
    path, func = [], value.func
    while isinstance(func, ast.Attribute):
        path.insert(0, func.attr)
        func = func.value
    if not isinstance(func, ast.Name) or func.id not in namespace:
        return False
    target = namespace[func.id]
    for attr in path:
        target = getattr(target, attr, None)
    return f"{getattr(target, '__module__', '')}.{getattr(target, '__qualname__', '')}" in graded


def _reference_lines(qualname: str, graded: set[str]) -> list[str]:
    """The substantial body lines of a library function or class, e.g.
    ``dlcourse.layers.affine_backward``: stripped, without docstrings, comments, signatures,
    decorators, ``with`` headers, short lines, or plain calls of the ``graded`` functions."""
    module_name, _, name = qualname.rpartition(".")
    module = importlib.import_module(module_name)
    source = textwrap.dedent(inspect.getsource(getattr(module, name)))
    lines = source.splitlines()
    body, dropped = set(), set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body.update(range(node.body[0].lineno, node.end_lineno + 1))
            # a nested function's signature and decorators
            dropped.update(range(node.lineno, node.body[0].lineno))
            for decorator in node.decorator_list:
                dropped.update(range(decorator.lineno, decorator.end_lineno + 1))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = node.body[0]
            docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            if docstring and isinstance(first.value.value, str):
                dropped.update(range(first.lineno, first.end_lineno + 1))
        if isinstance(node, ast.With):  # its header opens a context (a gradient tape); the answer is in its body
            dropped.update(range(node.lineno, node.body[0].lineno))
        if _calls_a_graded_function(node, vars(module), graded):
            dropped.update(range(node.lineno, node.end_lineno + 1))
    kept = (lines[n - 1].strip() for n in sorted(body - dropped))
    return [line for line in kept if len(line) >= MIN_SOURCE_LINE and not line.startswith("#")]


def test_no_page_of_the_student_site_shows_a_reference_implementation(site):
    from dlcourse.grading.exercises import SPECS

    references = sorted({r for spec in SPECS.values() for r in spec.references})
    assert references, "no spec names its references"
    lines = {r: _reference_lines(r, set(references)) for r in references}
    assert sum(map(len, lines.values())) >= 20, "too few reference lines to scan for"
    # a page's text as a reader sees it: highlighted code is split into tags, and quotes escaped
    texts = {page.relative_to(site): htmllib.unescape(re.sub(r"<[^>]+>", "", page.read_text(errors="replace")))
             for page in site.rglob("*.html")}
    leaks = [f"{page}: {line!r} (from {ref})" for ref, ls in lines.items() for line in ls
             for page, text in texts.items() if line in text]
    assert not leaks, "the student site shows reference code of graded functions:\n" + "\n".join(leaks)


# ---------------------------------------------------------------- offline, links, noise
def test_no_page_loads_or_links_anything_from_another_host(site):
    offenders = []
    for html in site.rglob("*.html"):
        text = html.read_text(errors="replace")
        offenders += [(html.relative_to(site), m) for m in EXTERNAL.findall(text)]
        # nor an inline script that holds an address to fetch later (sphinx-thebe's CDN URL did)
        for script in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", text, re.DOTALL):
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
        for _, link in parsed.links:
            url = urlparse(link)
            if url.scheme or url.netloc or link.startswith(("mailto:", "javascript:", "data:")):
                continue
            target = (html.parent / unquote(url.path)).resolve() if url.path else html
            if target.is_dir():
                target = target / "index.html"
            missing_anchor = (url.fragment and target.suffix == ".html" and target in pages
                              and url.fragment not in pages[target].ids)
            if not target.exists() or missing_anchor:
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


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_theory_page_shows_a_figure_drawn_by_its_code(chapter, browser):
    browser.get(f"{browser.server_url}/{chapter}.html")
    outputs = browser.execute_script("""
        return Array.from(document.querySelectorAll('.cell_output img')).map(i => ({
          src: i.getAttribute('src') || '', loaded: i.complete && i.naturalWidth > 0}));""")
    # a PNG that a code cell drew while the site was built: inline, or written to _images/
    drawn = [o for o in outputs if o["src"].startswith("data:image/png")
             or ("_images/" in o["src"] and o["src"].endswith(".png"))]
    assert drawn, f"{chapter}: no figure in a code cell's output (images there: {outputs})"
    assert all(o["loaded"] for o in drawn), f"{chapter}: a figure did not load: {drawn}"


def test_front_page_opens_with_the_course_overview_before_the_map(browser):
    browser.get(f"{browser.server_url}/book/intro.html")
    layout = browser.execute_script("""
        // a MyST label is an empty span at the top of the section it names
        const section = id => document.getElementById(id).closest('section');
        const top = e => e.getBoundingClientRect().top + window.scrollY;
        const article = document.querySelector('main article') || document.querySelector('main');
        const map = section('coverage-map');
        return {
          firstIsOverview: article.querySelector('section section') === section('course-overview'),
          overview: top(section('course-overview')),
          map: top(map),
          table: top(document.querySelector('table.coverage-table')),
          homeworkBeforeMap: Array.from(article.querySelectorAll('section section'))
            .some(s => top(s) < top(map) && s.textContent.includes('hwcheck.py')),
        };""")
    assert layout["firstIsOverview"], "the front page's first section is not the course overview"
    assert layout["overview"] < layout["map"] <= layout["table"], layout
    assert layout["homeworkBeforeMap"], "no section before the map says how homework is checked (hwcheck.py)"


def test_search_finds_a_chapter_by_a_word_in_it(browser):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{browser.server_url}/search.html?q=Beale")
    WebDriverWait(browser, 60).until(
        lambda d: d.execute_script("return document.querySelectorAll('#search-results li').length") > 0)
    hits = browser.execute_script(
        "return Array.from(document.querySelectorAll('#search-results li a')).map(a => a.getAttribute('href'))")
    assert any("04-gradient-descent" in h for h in hits), hits
