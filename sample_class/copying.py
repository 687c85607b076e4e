"""A copier's notebook: another student's answers disguised as copiers do, the local variables
renamed and the comments replaced. The similarity report must flag it; the grader gives it what
the original gets."""
from __future__ import annotations

import ast
import copy
import io
import tokenize

import nbformat

from dlcourse.grading.notebook import nbgrader_metadata

COPIER_COMMENT = "# my solution, worked out after the lecture"


def copied_with_renames(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Another student's notebook disguised as copiers do: in each answer the local variables
    renamed and the comments replaced. Parameters and function names stay: the grader calls
    each answer by its name, with its arguments by name."""
    nb = copy.deepcopy(nb)
    for c in nb.cells:
        if c.cell_type == "code" and nbgrader_metadata(c).get("solution"):
            c.source = COPIER_COMMENT + "\n" + rename_locals(without_comments(c.source))
    return nb


def without_comments(source: str) -> str:
    """``source`` without its comments; a line that held only a comment goes."""
    lines = source.splitlines()
    comment_only = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            row, col = token.start
            if not lines[row - 1][:col].strip():
                comment_only.add(row)
            lines[row - 1] = lines[row - 1][:col].rstrip()
    return "\n".join(line for row, line in enumerate(lines, 1) if row not in comment_only) + "\n"


def rename_locals(source: str) -> str:
    """``source`` with each function's local variables renamed, ``labels`` to ``my_labels``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython syntax: left as it is
        return source
    spans = []  # (line, first column, end column, new name), columns in UTF-8 bytes as ast gives them
    for fn in (node for node in tree.body if isinstance(node, ast.FunctionDef)):
        params = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
        names = [node for node in ast.walk(fn) if isinstance(node, ast.Name)]
        local = {n.id for n in names if isinstance(n.ctx, ast.Store)} - params - {"_"}
        spans += [(n.lineno, n.col_offset, n.end_col_offset, f"my_{n.id}") for n in names if n.id in local]
    lines = [line.encode() for line in source.splitlines(keepends=True)]
    for row, start, end, new in sorted(spans, reverse=True):
        lines[row - 1] = lines[row - 1][:start] + new.encode() + lines[row - 1][end:]
    return b"".join(lines).decode()
