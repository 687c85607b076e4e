"""Lints the code cells of the book's pages (the labs, and any page with code cells) as the code
students copy: jupytext turns each page into py:percent in a temporary folder, and ruff checks it
with the project's rules at 100 characters a line. Each finding names the page's .md file and the
line there, not the temporary file's.

    python scripts/lint_pages.py [PAGE.md ...]    (default: every page of book/ with code cells)

Exit status: 0 when every page is clean, 1 when there are findings.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parents[1]
LINE_LENGTH = 100  # lab lines are copied into students' notebooks
# E402: a notebook imports in the cell that first needs a module, not at the top of the file
IGNORED = ["E402"]
PAGE_CODE_CELL = re.compile(r"^```\{code-cell\}")
PY_CODE_CELL = re.compile(r"^# %%(?! \[(markdown|md|raw)\])")  # py:percent marks a code cell this way


def pages_with_code_cells() -> list[Path]:
    return sorted(p for p in (ROOT / "book").rglob("*.md")
                  if any(PAGE_CODE_CELL.match(line) for line in p.read_text().splitlines()))


def page_cell_starts(page_lines: list[str]) -> list[int]:
    """The line number (from 1) of each code cell's first line of code in a MyST page: after the
    ```{code-cell} line and the cell's options (``:tags: [...]`` lines, or a ``---`` YAML block)."""
    starts = []
    for i, line in enumerate(page_lines):
        if not PAGE_CODE_CELL.match(line):
            continue
        j = i + 1
        if j < len(page_lines) and page_lines[j] == "---":
            j = page_lines.index("---", j + 1) + 1
        while j < len(page_lines) and page_lines[j].startswith(":"):
            j += 1
        starts.append(j + 1)
    return starts


def python_cell_starts(python_lines: list[str]) -> list[int]:
    """The line number (from 1) of each code cell's first line of code in py:percent."""
    return [i + 2 for i, line in enumerate(python_lines) if PY_CODE_CELL.match(line)]


def page_line(python_line: int, python_starts: list[int], page_starts: list[int]) -> int:
    """The page's line for a line of its py:percent form: the same offset into the same cell
    (jupytext copies a cell's code line for line). Lines before the first cell map to line 1."""
    cell = sum(start <= python_line for start in python_starts) - 1
    if cell < 0:
        return 1
    return page_starts[cell] + python_line - python_starts[cell]


def lint(pages: list[Path]) -> list[str]:
    """Every finding on the pages, as ``page.md:line:column: CODE message``."""
    with tempfile.TemporaryDirectory(prefix="dlcourse-lint-") as tmp:
        converted = {}
        for page in pages:
            python = Path(tmp) / f"{len(converted)}-{page.stem}.py"
            notebook = jupytext.read(page, fmt="md:myst")
            notebook.cells = [c for c in notebook.cells if c.cell_type == "code"]  # prose is no Python
            notebook.metadata = {"jupytext": {"notebook_metadata_filter": "-all"}}  # nor is a header
            jupytext.write(notebook, python, fmt="py:percent")
            converted[str(python.resolve())] = page
        ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "--config", str(ROOT / "pyproject.toml"),
                               "--line-length", str(LINE_LENGTH), "--ignore", ",".join(IGNORED),
                               "--output-format", "json", "--no-cache", *converted],
                              capture_output=True, text=True, cwd=ROOT, check=False)
        if ruff.returncode not in (0, 1):
            raise RuntimeError(f"ruff failed:\n{ruff.stderr}")
        starts = {}  # converted file -> (its cells' first lines, the page's)
        for python, page in converted.items():
            starts[python] = (python_cell_starts(Path(python).read_text().splitlines()),
                              page_cell_starts(page.read_text().splitlines()))
            if len(starts[python][0]) != len(starts[python][1]):
                raise RuntimeError(f"{page}: jupytext found {len(starts[python][0])} code cells, this script "
                                   f"{len(starts[python][1])}; its lines cannot be mapped")
        findings = []
        for f in json.loads(ruff.stdout):
            python = str(Path(f["filename"]).resolve())
            page = converted[python]
            line = page_line(f["location"]["row"], *starts[python])
            name = page.relative_to(ROOT) if page.is_relative_to(ROOT) else page
            findings.append((str(name), line, f["location"]["column"], f"{f['code'] or 'error'} {f['message']}"))
    return [f"{name}:{line}:{column}: {message}" for name, line, column, message in sorted(findings)]


def main(argv: list[str]) -> int:
    pages = [Path(a).resolve() for a in argv] or pages_with_code_cells()
    findings = lint(pages)
    for finding in findings:
        print(finding)
    print(f"{len(findings)} finding(s) in the code cells of {len(pages)} page(s) (line length {LINE_LENGTH})")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
