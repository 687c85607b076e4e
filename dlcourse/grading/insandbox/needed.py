"""Which statements of a notebook define what its graded functions need.

Used by the runner's cells (``cells``) inside the sandbox (standard library only: dlcourse is
not importable there) when a notebook's time for running cells is spent, or a cell is stopped at its limit:
the statements that bind a name the graded functions use, directly or through a helper, a
constant or an import, still run on their own, so that long exploration never costs what the
student wrote. Names are followed statement by statement, over every cell, in any order:
a helper defined after the exploration counts as much as one defined before it.

The analysis errs towards keeping: a name a function only may use counts as used. Keeping too
much costs time only (the sandbox's limits bound it); dropping too much would cost marks.
"""
from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# cell magics whose body is the cell's own Python: a cell timed with %%time still defines its functions
PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp, ast.SetComp,
           ast.DictComp, ast.GeneratorExp)
EVERYTHING = "*"  # what ``from m import *`` binds: it may define any name


@dataclass(frozen=True)
class Statement:
    node: ast.stmt
    binds: frozenset[str]  # names it (re)binds or changes in place (``x[0] = 1`` changes x)
    uses: frozenset[str]  # names it reads when it runs, or its functions read when called


def _loads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _function_uses(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """The global names a function reads: what its body loads, less its parameters and the
    names it assigns (its locals), plus what its header evaluates when it is defined."""
    args = node.args
    header = [*args.defaults, *(d for d in args.kw_defaults if d is not None), *node.decorator_list,
              *(x for x in [node.returns] if x is not None)]
    header += [a.annotation for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
               if a is not None and a.annotation is not None]
    body = node.body
    params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg] if a}
    declared = {name for stmt in body for n in ast.walk(stmt) if isinstance(n, ast.Global | ast.Nonlocal)
                for name in n.names}
    local = params | {n.id for stmt in body for n in ast.walk(stmt)
                      if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del)}
    local |= {n.name for stmt in body for n in ast.walk(stmt)
              if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}
    read = set().union(*(_loads(stmt) for stmt in body))
    return read - (local - declared) | set().union(*(_loads(h) for h in header))


def _uses(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return _function_uses(node)
    return _loads(node)  # a class body runs when defined; its methods' locals may count too: kept, harmlessly


def _base_name(target: ast.expr) -> str | None:
    """``x`` of ``x``, ``x[0]``, ``x.attr`` and ``x[0].attr``: what an assignment changes."""
    while isinstance(target, ast.Subscript | ast.Attribute | ast.Starred):
        target = target.value
    return target.id if isinstance(target, ast.Name) else None


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Tuple | ast.List):
        return [name for e in target.elts for name in _target_names(e)]
    name = _base_name(target)
    return [name] if name else []


def _binds(node: ast.stmt) -> set[str]:
    """The names a top-level statement binds or changes: its own scope's, not a nested function's."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {EVERYTHING if a.name == "*" else a.asname or a.name.split(".")[0] for a in node.names}
    bound: set[str] = set()
    todo: list[ast.AST] = [node]
    while todo:
        n = todo.pop()
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(n.name)  # defined inside an if or a try: bound, but its body is its own scope
        elif isinstance(n, ast.Import | ast.ImportFrom):
            bound |= _binds(n)
        elif isinstance(n, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete | ast.For | ast.AsyncFor
                        | ast.With | ast.AsyncWith | ast.NamedExpr):
            targets = (n.targets if isinstance(n, ast.Assign | ast.Delete) else
                       [i.optional_vars for i in n.items if i.optional_vars] if isinstance(n, ast.With | ast.AsyncWith)
                       else [n.target])
            bound |= {name for t in targets for name in _target_names(t)}
        if not isinstance(n, _SCOPES):
            todo.extend(ast.iter_child_nodes(n))
    return bound


def python_of(source: str, transform: Callable[[str], str]) -> str:
    """The Python a cell runs: ``transform`` (IPython's) of it, or of its body when a cell magic
    such as %%time only times or captures it."""
    first, _, rest = source.lstrip().partition("\n")
    if first.split(" ")[0] in PYTHON_CELL_MAGICS:
        return transform(rest)
    return transform(source)


def statements(source: str, transform: Callable[[str], str] = lambda s: s) -> list[Statement]:
    """A cell's top-level statements with what each binds and uses; none for a cell that is
    not Python (it defines nothing a test could call)."""
    try:
        tree = ast.parse(python_of(source, transform))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return [Statement(node, frozenset(_binds(node)), frozenset(_uses(node))) for node in tree.body]


def needed(cells: Iterable[list[Statement]], graded: Iterable[str]) -> set[str]:
    """The names the graded functions need: themselves, and whatever a statement binding a
    needed name uses, over every cell, until nothing more is added."""
    everything = [s for cell in cells for s in cell]
    names = set(graded)
    grew = True
    while grew:
        grew = False
        for s in everything:
            if (s.binds & names or EVERYTHING in s.binds) and not s.uses <= names:
                names |= s.uses
                grew = True
    return names


def _keeps(s: Statement, names: set[str]) -> bool:
    return bool(s.binds & names) or EVERYTHING in s.binds


def whole(cell: list[Statement], names: set[str]) -> bool:
    """Whether every statement of ``cell`` binds a needed name: its definitions are all of it."""
    return bool(cell) and all(_keeps(s, names) for s in cell)


def definitions(cell: list[Statement], names: set[str]) -> tuple[str, list[str]]:
    """(source, kept names) of the statements of ``cell`` that bind a needed name, in order:
    what runs of the cell when it cannot run whole. ("", []) when it binds none."""
    chosen = [s for s in cell if _keeps(s, names)]
    if not chosen:
        return "", []
    kept = {n for s in chosen for n in s.binds & names}
    kept |= {f"{s.node.module}.*" for s in chosen if EVERYTHING in s.binds and isinstance(s.node, ast.ImportFrom)}
    return ast.unparse(ast.Module(body=[s.node for s in chosen], type_ignores=[])) + "\n", sorted(kept)
