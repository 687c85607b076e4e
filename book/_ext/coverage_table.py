"""Sphinx directives over ``book/coverage.yml``: ``coverage-table`` renders every homework
question of the syllabus with the page that teaches it, the lab cell that checks it in
numbers and the exercise test that grades it; ``chapter-exercises``, on a theory page, lists
the homework cells that grade that page's questions, with the student notebook to download."""
from __future__ import annotations

from pathlib import Path

import yaml
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

COVERAGE = Path(__file__).resolve().parents[1] / "coverage.yml"


def load_coverage(path: Path = COVERAGE) -> list[dict]:
    return yaml.safe_load(path.read_text())["questions"]


class CoverageTable(SphinxDirective):
    def run(self):
        self.env.note_dependency(str(COVERAGE))
        table = nodes.table(classes=["coverage-table"])
        group = nodes.tgroup(cols=5)
        table += group
        for width in (6, 40, 18, 18, 18):
            group += nodes.colspec(colwidth=width)
        head, body = nodes.thead(), nodes.tbody()
        group += head
        group += body
        head += self._row(["#", "question", "theory", "lab check", "exercise"])
        for q in load_coverage():
            body += self._row([q["id"], f"{q['question']} ({q['source']})", self._ref(q["theory"]),
                               self._ref(q["lab"]), q["exercise"]])
        return [table]

    def _ref(self, target: str) -> nodes.Node:
        doc, _, anchor = target.partition("#")
        para = nodes.paragraph()
        ref = nodes.reference("", anchor or doc, internal=True,
                              refuri=self.env.app.builder.get_relative_uri(self.env.docname, doc) + f"#{anchor}")
        para += ref
        return para

    @staticmethod
    def _row(cells) -> nodes.row:
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += cell if isinstance(cell, nodes.Node) else nodes.paragraph(text=str(cell))
            row += entry
        return row


class ChapterExercises(SphinxDirective):
    """A note listing, for this page's questions, the homework cell that grades each."""

    def run(self):
        self.env.note_dependency(str(COVERAGE))
        lines = []
        for q in load_coverage():
            if q["theory"].split("#")[0] != self.env.docname or "::" not in q["exercise"]:
                continue
            assignment, cell = q["exercise"].split("::")
            how = "graded by hand" if cell.startswith("proof") else "autograded"
            lines.append(f"- Question {q['id']}, {q['question']}: `{cell}` ({how}) in "
                         f"{{download}}`{assignment}.ipynb </autograder/release/{assignment}/{assignment}.ipynb>`")
        if not lines:
            return []
        note = nodes.admonition(classes=["chapter-exercises", "tip"])
        note += nodes.title(text="Homework")
        self.state.nested_parse(StringList(lines, source=str(COVERAGE)), self.content_offset, note)
        return [note]


def setup(app):
    app.add_directive("coverage-table", CoverageTable)
    app.add_directive("chapter-exercises", ChapterExercises)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
