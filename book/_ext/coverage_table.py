"""Sphinx directives over the coverage map (``book/coverage.yml`` and the questions declared
with their exercises: ``dlcourse.grading.coverage``): ``coverage-table`` renders every homework
question of the syllabus with the section that teaches it and the lab cell that checks it in
numbers, linked by their titles, and the homework exercise that grades it (from the exercises'
declarations in ``dlcourse/grading/exercises/``, never typed into the map);
``chapter-exercises``, on a theory page, lists the homework cells that grade that page's
questions; ``homework-table`` lists every homework with the chapters it grades.

Both link the homework to download. The student edition offers the kit that
``dlcourse site-kits`` zips into ``_build/kits/<a>.zip`` (the same as ``dlcourse release``
gives the course, made without touching it): the student notebook,
``hwcheck.py`` and ``<a>_cases.json``, so that a student who unzips it can run the notebook's
test cells with nothing but NumPy. The instructor edition (``DLCOURSE_BOOK_EDITION=instructor``)
links the source notebook with the solutions instead."""
from __future__ import annotations

import json
import os
from pathlib import Path

import yaml
from docutils import nodes
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

from dlcourse.grading import coverage
from dlcourse.grading.exercise import Written
from dlcourse.grading.exercises import graded_questions

ROOT = Path(__file__).resolve().parents[2]
COVERAGE = ROOT / "book" / "coverage.yml"
SOURCE = ROOT / "autograder" / "source"
EXERCISES = ROOT / "dlcourse" / "grading" / "exercises"


def load_coverage(path: Path = COVERAGE) -> list[dict]:
    """The map's rows: those of ``path`` and the questions declared with their exercises."""
    return coverage.rows(yaml.safe_load(path.read_text())["questions"], str(path))


def instructor_edition() -> bool:
    return os.environ.get("DLCOURSE_BOOK_EDITION", "student") == "instructor"


def notebook_download(assignment: str) -> str:
    """A MyST download link to the homework of this edition: the student's kit, or the source
    notebook with the solutions."""
    if instructor_edition():
        source = f"/autograder/source/{assignment}/{assignment}.ipynb"
        return f"{{download}}`{assignment}.ipynb <{source}>`"
    # the notebook alone could not check anything: its test cells import hwcheck and read the cases
    return f"{{download}}`{assignment}.zip </_build/kits/{assignment}.zip>`"


def _cells(assignment: str) -> list[dict]:
    notebooks = sorted((SOURCE / assignment).glob("*.ipynb"))
    return [cell for nb in notebooks for cell in json.loads(nb.read_text())["cells"]]


def _title(assignment: str) -> str:
    """The first heading of the instructor's notebook, e.g. "Homework 2: matrix calculus"."""
    for cell in _cells(assignment):
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and text.startswith("# "):
            return text.splitlines()[0][2:]
    return assignment


NOT_ASSIGNED = "not assigned yet"


def exercise_names(question_id: str) -> str:
    """The homework cells grading a question, as ``hw1::test_adam_step``, for the map's column."""
    graded = graded_questions().get(question_id, [])
    return ", ".join(f"{a}::{e.grade_id}" for a, e in graded) or NOT_ASSIGNED


class _MarkdownDirective(SphinxDirective):
    def _parse(self, lines: list[str], into: nodes.Element) -> nodes.Element:
        # a page is rebuilt when the map, a notebook or this extension (which writes its links) changes
        for dep in [COVERAGE, *SOURCE.glob("*/*.ipynb"), *EXERCISES.glob("*.py"), Path(__file__)]:
            self.env.note_dependency(str(dep))
        self.state.nested_parse(StringList(lines, source=str(COVERAGE)), self.content_offset, into)
        return into


class CoverageTable(SphinxDirective):
    def run(self):
        questions = load_coverage()
        # the link texts are the pages' own titles: a retitled section rewrites the map
        pages = {ROOT / f"{q[column].split('#')[0]}.md" for q in questions for column in ("theory", "lab")}
        for dep in [COVERAGE, *EXERCISES.glob("*.py"), *sorted(pages), Path(__file__)]:
            self.env.note_dependency(str(dep))
        table = nodes.table(classes=["coverage-table"])
        group = nodes.tgroup(cols=5)
        table += group
        for width in (6, 40, 18, 18, 18):
            group += nodes.colspec(colwidth=width)
        head, body = nodes.thead(), nodes.tbody()
        group += head
        group += body
        head += self._row(["#", "question", "theory", "lab check", "exercise"])
        for q in questions:
            body += self._row([q["id"], f"{q['question']} ({q['source']})", self._link(q["theory"]),
                               self._link(q["lab"]), exercise_names(q["id"])])
        return [table]

    def _link(self, target: str) -> nodes.paragraph:
        """A cross-reference to ``page#anchor`` for Sphinx to resolve (see ``CoverageLinks``): an
        equation's anchor ``equation-<label>`` through the math domain, any other through the std
        domain's labels."""
        anchor = target.partition("#")[2]
        if anchor.startswith("equation-"):
            domain, role, label = "math", "eq", anchor.removeprefix("equation-")
        else:
            domain, role, label = "std", "ref", anchor
        xref = addnodes.pending_xref("", nodes.inline(text=label), refdomain=domain, reftype=role,
                                     reftarget=label, refexplicit=False, refwarn=True, refdoc=self.env.docname)
        return nodes.paragraph("", "", xref)

    @staticmethod
    def _row(cells) -> nodes.row:
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += cell if isinstance(cell, nodes.Node) else nodes.paragraph(text=str(cell))
            row += entry
        return row


class CoverageLinks(SphinxPostTransform):
    """Resolves the coverage table's links with Sphinx's own domains, just before Sphinx's generic
    resolver would: a section's link reads its title as the page typesets it (the std domain alone
    would flatten a title's maths to its LaTeX source), an equation's link reads "Eq. (n)". A label
    no domain knows is left to Sphinx, whose warning fails the build."""

    default_priority = 9  # Sphinx's ReferencesResolver runs at 10

    def run(self, **kwargs) -> None:
        for table in self.document.findall(nodes.table):
            if "coverage-table" not in table["classes"]:
                continue
            for xref in list(table.findall(addnodes.pending_xref)):
                link = self._resolve(xref)
                if link is not None:
                    xref.replace_self(link)

    def _resolve(self, xref: addnodes.pending_xref) -> nodes.Element | None:
        domain = self.env.get_domain(xref["refdomain"])
        link = domain.resolve_xref(self.env, self.env.docname, self.app.builder, xref["reftype"],
                                   xref["reftarget"], xref, xref[0].deepcopy())
        if link is None:
            return None
        if xref["refdomain"] == "math":
            link.insert(0, nodes.Text("Eq. "))
            return link
        docname, labelid, _ = domain.labels[xref["reftarget"]]
        section = self.env.get_doctree(docname).ids.get(labelid)
        if isinstance(section, nodes.section):
            title = link.next_node(nodes.inline)
            title[:] = [child.deepcopy() for child in section[0].children]
        return link


class ChapterExercises(_MarkdownDirective):
    """A note listing, for this page's questions, the homework cell that grades each."""

    def run(self):
        lines = []
        graded = graded_questions()
        for q in load_coverage():
            if q["theory"].split("#")[0] != self.env.docname:
                continue
            for assignment, exercise in graded.get(q["id"], []):
                how = "graded by hand" if isinstance(exercise, Written) else "autograded"
                lines.append(f"- Question {q['id']}, {q['question']}: `{exercise.grade_id}` ({how}) in "
                             f"{notebook_download(assignment)}")
        if not lines:
            return []
        note = nodes.admonition(classes=["chapter-exercises", "tip"])
        note += nodes.title(text="Homework")
        return [self._parse(lines, note)]


class HomeworkTable(_MarkdownDirective):
    """Every homework of autograder/source, the chapters whose questions it grades, its download."""

    def run(self):
        chapters: dict[str, set[str]] = {}
        graded = graded_questions()
        for q in load_coverage():
            for assignment, _ in graded.get(q["id"], []):
                chapters.setdefault(assignment, set()).add(q["theory"].split("#")[0])
        lines = ["| homework | chapters it grades | download |", "|---|---|---|"]
        for assignment in sorted(p.name for p in SOURCE.iterdir() if p.is_dir()):
            links = ", ".join(f"{{doc}}`/{d}`" for d in sorted(chapters.get(assignment, [])))
            lines.append(f"| {_title(assignment)} | {links} | {notebook_download(assignment)} |")
        wrapper = nodes.container(classes=["homework-table"])
        if instructor_edition():
            warning = ("**Instructor edition**: these are the source notebooks, with the solutions, "
                       "not the students' kits. Do not publish this build.")
            lines = [warning, "", *lines]
        return [self._parse(lines, wrapper)]


def setup(app):
    app.add_directive("coverage-table", CoverageTable)
    app.add_post_transform(CoverageLinks)
    app.add_directive("chapter-exercises", ChapterExercises)
    app.add_directive("homework-table", HomeworkTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
