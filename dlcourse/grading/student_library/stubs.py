"""Stubs spliced into the student copy of the package: a withheld function keeps its signature
and docstring and raises NotImplementedError; a class keeps its bases, decorators, attributes and
dataclass fields, and each method defined in its body becomes such a stub. Stubs are spliced in by
line, from the positions ``ast`` gives, so the rest of each file (comments included) stays byte
for byte as it is.
"""
from __future__ import annotations

import ast
import io
import json
import tokenize
from pathlib import Path

from dlcourse.grading.student_library.references import INSTRUCTOR_ONLY, Reference, stub_message


def _char_col(line: str, byte_col: int) -> int:
    """ast counts columns in UTF-8 bytes; the text is sliced in characters."""
    return len(line.encode("utf-8")[:byte_col].decode("utf-8"))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _header_colon(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[int, int]:
    """(line index, column) just after the ``:`` that ends the ``def`` header."""
    first = node.lineno - 1
    indent = _indent(lines[first])
    header = [lines[first][indent:], *lines[first + 1:node.body[0].end_lineno]]
    depth, seen_def = 0, False
    for tok in tokenize.generate_tokens(iter(header).__next__):
        if tok.type == tokenize.NAME and tok.string == "def":
            seen_def = True
        elif tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        elif seen_def and depth == 0 and tok.type == tokenize.OP and tok.string == ":":
            row, col = tok.end
            return first + row - 1, col + (indent if row == 1 else 0)
    raise ValueError(f"no ':' ends the header of {node.name} (line {node.lineno})")


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _newline(line: str) -> str:
    return line[len(line.rstrip("\r\n")):] or "\n"


def _stub_function(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef, message: str) -> None:
    """Replaces the body of ``node`` in ``lines`` (in place) by a raise, keeping its docstring."""
    raise_stmt = f"raise NotImplementedError({json.dumps(message)})"
    header_row, header_col = _header_colon(lines, node)
    doc = node.body[0] if _is_docstring(node.body[0]) else None
    if doc is None:
        row, col = header_row, header_col
    else:
        row = doc.end_lineno - 1
        col = _char_col(lines[row], doc.end_col_offset)
    end = node.end_lineno - 1
    if node.body[0].lineno - 1 == header_row:
        # a one-line body (``def f(x): return x``): the raise takes the same line
        sep = "; " if doc is not None else " "
        lines[row:end + 1] = [lines[row][:col] + sep + raise_stmt + _newline(lines[end])]
        return
    rest = lines[row][col:].strip()
    if rest and not rest.startswith("#"):  # code after the docstring on its line (``"""doc"""; x = 1``)
        lines[row] = lines[row][:col] + _newline(lines[row])
    body_line = lines[node.body[0].lineno - 1]
    indent = body_line[:_indent(body_line)]
    # comment lines indented under the def right after its last statement belong to its body too
    def_indent = _indent(lines[node.lineno - 1])
    for i in range(end + 1, len(lines)):
        text = lines[i].strip()
        if text.startswith("#") and _indent(lines[i]) > def_indent:
            end = i
        elif text:
            break
    lines[row + 1:end + 1] = [indent + raise_stmt + _newline(lines[row])]


def _methods(cls: ast.ClassDef) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The functions defined in the class body, nested classes' included."""
    out: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for stmt in cls.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            out.append(stmt)
        elif isinstance(stmt, ast.ClassDef):
            out += _methods(stmt)
    return out


def _find(body: list[ast.stmt], qualname: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    """The defs and classes named by ``qualname`` (``f``, ``C``, ``C.method``) in ``body``."""
    head, _, rest = qualname.partition(".")
    found = [s for s in body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
             and s.name == head]
    if not rest:
        return found
    return [n for c in found if isinstance(c, ast.ClassDef) for n in _find(c.body, rest)]


def stub_source(source: str, targets: dict[str, str], filename: str = "<source>") -> str:
    """``source`` with each def or class named in ``targets`` (qualname -> message) stubbed.

    Raises LookupError when a qualname is not defined by a def or class in ``source``, and
    ValueError when a class has no method to stub.
    """
    tree = ast.parse(source, filename)
    lines = io.StringIO(source, newline="").readlines()
    functions: dict[int, tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]] = {}
    for qualname, message in targets.items():
        nodes = _find(tree.body, qualname)
        if not nodes:
            raise LookupError(f"{filename}: no def or class named {qualname}")
        for node in nodes:
            methods = _methods(node) if isinstance(node, ast.ClassDef) else [node]
            if not methods:
                raise ValueError(f"{filename}: class {qualname} defines no method to stub")
            for m in methods:
                functions.setdefault(id(m), (m, message))
    # bottom up, so that each splice leaves the line numbers above it valid
    for node, message in sorted(functions.values(), key=lambda nm: nm[0].lineno, reverse=True):
        _stub_function(lines, node, message)
    result = "".join(lines)
    try:
        ast.parse(result, filename)
    except SyntaxError as e:
        raise RuntimeError(f"{filename}: stubbing produced invalid Python ({e}); a bug in student_library") from None
    return result


def _module_file(package_dir: Path, parts: list[str]) -> Path | None:
    """The file of module ``parts`` (relative to the package), a plain module or a package."""
    base = package_dir.joinpath(*parts)
    candidates = [base.parent / f"{base.name}.py", base / "__init__.py"] if parts else [base / "__init__.py"]
    return next((c for c in candidates if c.is_file()), None)


def _locate(package_dir: Path, ref: Reference) -> tuple[Path, str]:
    """(file, qualname in it) of a reference: the longest module prefix of the name that exists."""
    parts = ref.name.split(".")
    where = f"spec {', '.join(ref.specs)} lists reference {ref.name!r}"
    if parts[0] != package_dir.name or len(parts) < 2:
        raise ValueError(f"{where}, which is not a name in the {package_dir.name} package")
    if parts[1] == INSTRUCTOR_ONLY:
        raise ValueError(f"{where}, which is instructor-only code: the student library has no {parts[0]}.{parts[1]}")
    for split in range(len(parts) - 1, 0, -1):
        path = _module_file(package_dir, parts[1:split])
        if path is not None:
            return path, ".".join(parts[split:])
    raise ValueError(f"{where}, which names no module of {package_dir}")


def stub_package(package_dir: Path, references: list[Reference]) -> dict[Path, list[str]]:
    """Stubs ``references`` in the package at ``package_dir``, rewriting its files in place
    (so pass a copy). Returns each rewritten file with the names stubbed in it. Raises
    ValueError naming the spec and the name for a reference the package does not define.
    """
    package_dir = Path(package_dir)
    by_file: dict[Path, list[tuple[str, Reference]]] = {}
    for ref in references:
        path, qualname = _locate(package_dir, ref)
        by_file.setdefault(path, []).append((qualname, ref))
    for path, targets in by_file.items():
        source = path.read_bytes().decode("utf-8")
        for qualname, ref in targets:
            try:
                source = stub_source(source, {qualname: stub_message(ref)},
                                     str(path.relative_to(package_dir.parent)))  # as in the repository
            except (LookupError, ValueError) as e:
                raise ValueError(f"spec {', '.join(ref.specs)} lists reference {ref.name!r}: {e}") from None
        path.write_bytes(source.encode("utf-8"))
    return {path: [ref.name for _, ref in targets] for path, targets in by_file.items()}
