"""Which cells may run without a fork: the ones that can neither loop nor end their process.

The runner runs each cell in a fresh fork, so that a cell that raises, loops, calls ``os._exit``
or crashes costs that cell alone. A fork costs more than most cells, and most of a homework is
cells that only define functions, import what is loaded already and bind constants: those run
without one, when ``cannot_stop`` says so. It errs towards the fork: a cell it cannot prove
inert runs in one, which costs a few milliseconds and nothing else.

What it must catch is any way such a cell runs code of the notebook's choosing, which could loop
or end the process that holds the notebook's state (then every later cell and test is lost):

- in the cell itself: a decorator, a default, an annotation or a value that is more than a
  constant or a name (a call, an attribute, ``[]``, an f-string, ``:=``), an import that is not
  loaded already, a ``del``, a class, a loop, a last expression the shell would display;
- in what binding a name drops: the old value's ``__del__``, or that of what it holds (a
  closure, a function's attributes, an object array);
- in the runtime an earlier cell may have changed (``Baseline``): the shell's hooks and transformers,
  its classes and the objects it calls, its namespace, ``__import__``, the import system's
  ``_handle_fromlist``, a trace or profile function.

The analysis itself reads that runtime without running any of it (no attribute of the notebook's
objects is looked up, only their dictionaries), and calls the shell's input transformer only once
the shell, its parts and their classes are the ones it started with.

What it cannot catch: a notebook that sets out to sabotage the code this process runs (the
runner's own modules, a function inside IPython or the standard library, a thread, a signal
handler, an audit hook, garbage whose ``__del__`` the collector finds later). No check inside
the process could, since such a notebook can change the check too; and it stops only its own
work: the grade never rests on this process, whose records the grader reads as untrusted and
checks itself.
"""
from __future__ import annotations

import ast
import builtins
import contextlib
import gc
import operator
import sys
import types
from collections.abc import Iterator
from importlib.machinery import ModuleSpec
from typing import Any

import numpy as np

_MRO = type.__dict__["__mro__"].__get__  # a class's MRO, past any metaclass's property
_CLASS_DICT = type.__dict__["__dict__"].__get__
_FLAGS = type.__dict__["__flags__"].__get__
_IMMUTABLE = 1 << 8  # Py_TPFLAGS_IMMUTABLETYPE: a built-in type, which no code can change
_OBJECT_DICT = object.__getattribute__

_STR = frozenset({str})
_UNSAFE = object()  # a hint whose evaluation could run the notebook's code
_ATOMS = frozenset({int, float, complex, str, bytes, bool, type(None), type(Ellipsis)})
_NUMPY_SCALARS = frozenset(t for t in np.sctypeDict.values() if t not in (np.object_, np.void))
# what the shell calls to run a cell, beside itself (by attribute of the shell)
_PARTS = ("input_transformer_manager", "events", "compile", "displayhook", "display_trap", "builtin_trap",
          "display_formatter", "prefilter_manager", "_logger", "InteractiveTB", "SyntaxTB")
# compared by identity only: a cell's error goes to what ``set_custom_exc`` set (a tuple, a method)
_TRAITS = ("ast_transformers", "input_transformers_post", "ast_node_interactivity", "user_module",
           "CustomTB", "custom_exceptions")
_VOLATILE = frozenset({"flags", "_", "__", "___", "old_hook"})  # the parts' own bookkeeping, changed by any run


def _plain_keys(d: object) -> bool:
    """A dict whose keys are all exact strings: looking a name up in it runs no code (a key of
    another type may have an ``__eq__`` that a lookup calls)."""
    return type(d) is dict and set(map(type, d)) <= _STR


def _instance_dict(obj: object) -> dict:
    """``obj.__dict__``, found without running code, with exact strings for keys (else TypeError,
    which sends the cell to the fork)."""
    own = _OBJECT_DICT(obj, "__dict__")
    if not _plain_keys(own):
        raise TypeError("an instance dictionary with a key that is not a string")
    return own


def _shell_values(shell: Any) -> dict:
    """The shell's own attributes: its ``__dict__`` and its traitlets values, without running code."""
    own = _instance_dict(shell)
    traits = own.get("_trait_values")
    if not _plain_keys(traits):
        raise TypeError("traitlets values that are not a dict of names")
    return {**traits, **own}


def _hooks(shell: Any) -> list:
    """What the shell runs besides a cell's own code: a cell may add to it."""
    manager, prefilter = shell.input_transformer_manager, _instance_dict(shell.prefilter_manager)
    handlers = [prefilter.get("_handlers"), prefilter.get("_esc_handlers")]
    if any(type(x) is not dict for x in handlers):
        raise TypeError("prefilter handlers that are not a dict")  # caught: the fork
    lists = [manager.cleanup_transforms, manager.line_transforms, manager.token_transformers,
             shell.input_transformers_post, shell.ast_transformers, *shell.events.callbacks.values(),
             prefilter.get("_transformers"), prefilter.get("_checkers"), *(list(x.values()) for x in handlers)]
    if any(type(x) is not list for x in lists):  # a subclass's iteration could run code
        raise TypeError("a hook list that is not a list")  # caught: the fork
    return [hook for x in lists for hook in x]


def _static_state(shell: Any, methods: frozenset[str], classes: list[type]) -> list:
    """The objects that decide what running a cell runs besides the cell, read without running
    code: the same objects (``is``) as before the notebook's first cell, or a cell changed them.
    ``methods``: the names of the shell's methods, which its instance must not hold itself;
    ``classes``: the classes of the shell and its parts a cell could change (``_mutable_classes``)."""
    # the builtins and the modules are looked up below and by the cell; the collector's callbacks are read
    if not (_plain_keys(vars(builtins)) and _plain_keys(sys.modules) and type(gc.callbacks) is list):
        raise TypeError("a dictionary with a key that is not a string")  # caught: the fork
    values = _shell_values(shell)
    parts = [values.get(name) for name in _PARTS]
    # sys.modules: the import system reads the interpreter's own dict, whatever sys.modules is bound to
    state: list = [*parts, *(values.get(name) for name in _TRAITS), sys.gettrace(), sys.getprofile(), sys.modules,
                   *gc.callbacks,
                   vars(builtins).get("__import__"), vars(sys.modules["_frozen_importlib"]).get("_handle_fromlist"),
                   *vars(ModuleSpec).values()]
    state += [values[name] for name in sorted(values.keys() & methods)]  # an instance's own method for its class's
    for obj in parts:  # a part's own attributes, less its bookkeeping
        state += [value for name, value in _instance_dict(obj).items() if name not in _VOLATILE]
    state += [_MRO(type(obj)) for obj in [shell, *parts, values.get("user_module")]]  # the same classes
    for klass in classes:  # and whatever a cell did to them
        state += _CLASS_DICT(klass).keys()
        state += _CLASS_DICT(klass).values()
    return state


def _mutable_classes(shell: Any) -> list[type]:
    """The classes of the shell, its parts, its namespace's module and its hooks that a cell could
    change (not a built-in type's). Read before the notebook's first cell."""
    values = _shell_values(shell)
    kinds = [type(obj) for obj in [shell, *(values.get(name) for name in _PARTS), values.get("user_module")]]
    kinds += [hook if isinstance(hook, type) else type(hook) for hook in _hooks(shell)]  # a token transformer's
    classes = {klass: None for kind in kinds for klass in _MRO(kind)}
    return [klass for klass in classes if not _FLAGS(klass) & _IMMUTABLE]


def _methods(shell: Any) -> frozenset[str]:
    return frozenset(name for klass in _MRO(type(shell)) for name, value in _CLASS_DICT(klass).items()
                     if callable(value))


class Baseline:
    """The runtime as it was before the notebook's first cell (see ``_static_state``), and the
    shell's hooks then."""

    def __init__(self, shell: Any):
        _watch_audit_hooks()
        self.hooks = _hooks(shell)  # first: it sets the traits it reads, which traitlets makes when first read
        shell.ast_node_interactivity  # noqa: B018 (likewise)
        shell.logger  # noqa: B018 (a property that makes the shell's ``_logger``, which logs every cell)
        self.methods, self.classes = _methods(shell), _mutable_classes(shell)
        self.state = _static_state(shell, self.methods, self.classes)

    def holds(self, shell: Any) -> bool:
        """Whether nothing that decides what a cell runs besides its own code has changed."""
        if _AUDIT_HOOK_ADDED or not _same(_static_state(shell, self.methods, self.classes), self.state):
            return False
        # only now are the shell's own attributes the ones it started with: safe to look up
        namespace, globals_ = shell.user_ns, shell.user_global_ns
        if not (_plain_keys(namespace) and namespace is globals_):
            return False
        seen_builtins = namespace.get("__builtins__")
        annotations = namespace.get("__annotations__", {})
        return ((seen_builtins is builtins or seen_builtins is vars(builtins)) and _plain_keys(annotations)
                and _same(_hooks(shell), self.hooks))


_AUDIT_HOOK_ADDED = []  # non-empty once the notebook added an audit hook: it runs in every cell


def _watch_audit_hooks() -> None:
    """Installs, once, an audit hook that notes any later one: that one runs code of the notebook's
    on whatever the interpreter audits (each cell's ``exec`` included), so every cell forks after it."""
    if "_watching" not in globals():
        globals()["_watching"] = True
        sys.addaudithook(_note_audit_hook)


def _note_audit_hook(event: str, args: tuple) -> None:
    if event == "sys.addaudithook":
        _AUDIT_HOOK_ADDED.append(True)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection while the analysis runs: a collection runs the ``__del__`` of the
    garbage it finds, and the callbacks in ``gc.callbacks``. (A collection can still come during
    an unforked cell, as anywhere in the runner: what it runs harms only the notebook's own run.)"""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _same(now: list, then: list) -> bool:
    return len(now) == len(then) and all(map(operator.is_, now, then))


def _bound(name: str, namespace: dict) -> bool:
    """Whether looking ``name`` up finds a value: an unbound one raises, and the shell shows the
    error through handlers a cell may have set."""
    return name in namespace or name in vars(builtins)


def _inert_value(node: ast.expr | None, namespace: dict) -> bool:
    """A constant, a bound name, ``-1``, or a tuple or list of these: evaluating it runs no code."""
    if isinstance(node, ast.Tuple | ast.List):
        return all(_inert_value(e, namespace) for e in node.elts)
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.USub | ast.UAdd) and isinstance(node.operand, ast.Constant)
    if isinstance(node, ast.Name):
        return _bound(node.id, namespace)
    return node is None or isinstance(node, ast.Constant)


def _hint_object(node: ast.expr, namespace: dict) -> object:
    """What a name or a chain of module attributes (``np.ndarray``) refers to, found without
    running code: a module's own attributes only (no lazy loader, no property)."""
    if isinstance(node, ast.Name):
        return namespace.get(node.id, vars(builtins).get(node.id)) if _bound(node.id, namespace) else _UNSAFE
    if isinstance(node, ast.Attribute):
        owner = _hint_object(node.value, namespace)
        if type(owner) is types.ModuleType and node.attr in vars(owner):
            return vars(owner)[node.attr]
    return _UNSAFE


def _inert_hint(node: ast.expr | None, namespace: dict) -> bool:
    return node is None or isinstance(node, ast.Constant) or _hint_object(node, namespace) is not _UNSAFE


def _plain_module(module: object) -> bool:
    """A module whose import again runs no code: a real module, its ``__spec__`` the import
    system's, not being initialised, and no ``__getattr__`` that a missing ``__path__`` would call."""
    if type(module) is not types.ModuleType or not _plain_keys(vars(module)):
        return False
    own = vars(module)
    spec = own.get("__spec__")
    plain_spec = spec is None or (type(spec) is ModuleSpec and _plain_keys(vars(spec))
                                  and type(vars(spec).get("_initializing", False)) is bool)
    # a missing __spec__ or __path__ is asked of the module's __getattr__
    return plain_spec and (("__path__" in own and "__spec__" in own) or "__getattr__" not in own)


def _loaded(dotted: str) -> bool:
    """Whether ``dotted`` (``a.b.c``) and each package above it is loaded, each an attribute of
    the one above: importing it runs no code."""
    parts = dotted.split(".")
    for k in range(len(parts)):
        module = sys.modules.get(".".join(parts[:k + 1]))
        if not _plain_module(module) or (k and vars(sys.modules[".".join(parts[:k])]).get(parts[k]) is not module):
            return False
    return True


def _imported_from(module: str | None, names: list[str]) -> bool:
    """Whether ``from module import names`` runs no code: the module is loaded and already holds
    each name itself (no ``__getattr__``, no submodule to import)."""
    if module is None or not _loaded(module):
        return False
    own = vars(sys.modules[module])
    return all(name != "*" and name in own for name in names)


def _droppable_code(code: types.CodeType) -> bool:
    """A code object whose names are exact strings and whose constants are atoms, or tuples,
    frozensets and code objects of these (``code.replace`` takes any object for a constant)."""
    names = [code.co_filename, code.co_name, code.co_qualname, *code.co_names, *code.co_varnames,
             *code.co_freevars, *code.co_cellvars]
    if not (set(map(type, names)) <= _STR and type(code.co_consts) is tuple):
        return False
    return all(_droppable_constant(c) for c in code.co_consts)


def _droppable_constant(c: object) -> bool:
    kind = type(c)
    if kind in (tuple, frozenset):
        return all(_droppable_constant(x) for x in c)
    return kind in _ATOMS or (kind is types.CodeType and _droppable_code(c))


def _droppable_function(f: types.FunctionType, namespace: dict) -> bool:
    """A function that holds nothing of its own that could have a ``__del__``: no closure, no
    attributes, constants for defaults, code and annotations, strings for its names, the
    namespace for its globals (each of an exact type: a subclass may run code)."""
    defaults, kwdefaults, own = f.__defaults__, f.__kwdefaults__, _OBJECT_DICT(f, "__dict__")
    notes = _OBJECT_DICT(f, "__annotations__")
    if (f.__closure__ is not None or type(own) is not dict or own or type(defaults) not in (tuple, type(None))
            or type(kwdefaults) not in (dict, type(None)) or f.__globals__ is not namespace
            or not _plain_keys(notes) or not set(map(type, [f.__name__, f.__qualname__])) <= _STR
            or type(f.__doc__) not in (str, type(None)) or type(f.__module__) not in (str, type(None))):
        return False
    hints = [type(h) in _ATOMS or type(h) is type for h in notes.values()]  # a string, a class
    return all(hints) and _droppable_code(f.__code__) and all(
        type(d) in _ATOMS for d in [*(defaults or ()), *(kwdefaults or {}).values()])


def _droppable_array(a: np.ndarray) -> bool:
    """An array of numbers whose memory is its own, or another such array's, or bytes."""
    while type(a) is np.ndarray:
        if a.dtype.hasobject:
            return False
        a = a.base
    return a is None or type(a) in (bytes, bytearray)


def _droppable(namespace: dict, name: str) -> bool:
    """Whether binding ``name`` again runs no code: it holds nothing, or a value whose end runs
    no ``__del__``, its own or of what it holds. Exact types only: a subclass may add one."""
    if name not in namespace:
        return True
    value = namespace[name]
    kind = type(value)
    if kind in _ATOMS or kind in _NUMPY_SCALARS or kind is type:  # a class lives on in its own cycle
        return True
    if kind is types.ModuleType:  # still held by sys.modules: dropping the name frees nothing
        module_name = vars(value).get("__name__") if _plain_keys(vars(value)) else None
        return type(module_name) is str and sys.modules.get(module_name) is value
    if kind is types.FunctionType:
        return _droppable_function(value, namespace)
    return kind is np.ndarray and _droppable_array(value)


def _bound_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [alias.asname or alias.name.split(".")[0] for alias in node.names]
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return [t.id if isinstance(t, ast.Name) else "" for t in targets]  # "": not a plain name
    return [node.name] if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else []


def _inert_function(node: ast.FunctionDef | ast.AsyncFunctionDef, namespace: dict) -> bool:
    """A ``def`` whose header runs no code (its body does not run here): no decorator, constant
    defaults, annotations that are names or module attributes."""
    a = node.args
    hints = [x.annotation for x in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg] if x is not None]
    return (not node.decorator_list and not getattr(node, "type_params", None)
            and all(_inert_value(x, namespace) for x in [*a.defaults, *a.kw_defaults])
            and all(_inert_hint(x, namespace) for x in [*hints, node.returns]))


def _inert_statement(node: ast.stmt, namespace: dict, last: bool) -> bool:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return _inert_function(node, namespace)
    if isinstance(node, ast.Import):
        return all(_loaded(alias.name) for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and _imported_from(node.module, [alias.name for alias in node.names])
    if isinstance(node, ast.Assign):
        return _inert_value(node.value, namespace)
    if isinstance(node, ast.AnnAssign):
        return _inert_value(node.value, namespace) and _inert_hint(node.annotation, namespace)
    # a constant as the cell's last statement is displayed, through formatters a cell may have set
    return isinstance(node, ast.Pass) or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                                          and not last)


def cannot_stop(source: str, shell: Any, baseline: Baseline) -> bool:
    """Whether running the cell ``source`` in ``shell`` can neither loop nor end its process: it
    only defines functions (their bodies do not run), imports what is loaded already and binds
    constants, over names that hold nothing with a ``__del__``, and the shell runs nothing of
    the notebook's around it. Such a cell needs no fork to protect the notebook."""
    try:
        with collector_paused():
            if not baseline.holds(shell):
                return False
            body = ast.parse(shell.transform_cell(source)).body
            namespace = shell.user_ns
            return all(_inert_statement(node, namespace, k == len(body) - 1)
                       and all(name and _droppable(namespace, name) for name in _bound_names(node))
                       for k, node in enumerate(body))
    except BaseException:  # whatever the notebook made of the runtime: the fork and the run will tell
        return False
