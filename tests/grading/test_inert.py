"""The analyser of cells that skip the fork (``insandbox/inert.py``), against hostile notebooks.

Each hostile case is an earlier cell (``setup``, run as the notebook would run it) and a cell that
looks inert but runs the notebook's code when it runs. In it, the notebook's code calls
``trip()`` where an attacker would loop or end the process. The test checks three things: the
analyser sends the cell to the fork, the analysis itself trips nothing, and running the cell
does trip (so the case is really hostile and the first check can fail). Every case runs in a
fork of the test process, so what one does to the shell, the builtins or ``sys.modules`` ends
with it.
"""
from __future__ import annotations

import json
import os

import pytest

from dlcourse.grading.insandbox import cells, inert

COLLIDER = """class Collider:  # a key equal to a name, whose comparison runs code
    def __init__(self, name):
        self.name = name
    def __hash__(self):
        return hash(self.name)
    def __eq__(self, other):
        trip()
        return False
"""
WITH_DEL = "class WithDel:\n    def __del__(self):\n        trip()\n"

HOSTILE = {
    # the cell itself runs code
    "decorator": ("def deco(f):\n    trip()\n    return f", "@deco\ndef f(x):\n    return x"),
    "default": ("", "def f(x=trip()):\n    return x"),
    "keyword_default": ("", "def f(*, k=trip()):\n    return k"),
    "class_getitem_hint": ("class G:\n    def __class_getitem__(cls, k):\n        trip()",
                           "def f(x: G[int]):\n    return x"),
    "property_hint": ("class H:\n    @property\n    def t(self):\n        trip()\nholder = H()",
                      "def f(x: holder.t):\n    return x"),
    "module_getattr_hint": ("import sys, types\nlazy = types.ModuleType('lazy')\nlazy.__getattr__ = lambda n: trip()\n"
                            "sys.modules['lazy'] = lazy", "def f(x: lazy.thing):\n    return x"),
    "annotated_assignment_hint": ("class G:\n    def __class_getitem__(cls, k):\n        trip()", "x: G[int] = 1"),
    "f_string": ("class F:\n    def __format__(self, spec):\n        trip()\n        return ''\no = F()", "s = f'{o}'"),
    "walrus": ("", "(y := trip())"),
    "call": ("", "trip()"),
    "negation": ("class N:\n    def __neg__(self):\n        trip()\no = N()", "x = -o"),
    "subscript": ("class D:\n    def __getitem__(self, k):\n        trip()\ndata = D()", "x = data[0]"),
    "unpacking": ("class I:\n    def __iter__(self):\n        trip()\n        return iter((1, 2))\no = I()",
                  "a, b = o"),
    "augmented": ("class A:\n    def __iadd__(self, k):\n        trip()\n        return self\nx = A()", "x += 1"),
    "lambda_default": ("", "f = lambda x=trip(): x"),
    "class_body": ("", "class A:\n    trip()"),
    "loop": ("class I:\n    def __iter__(self):\n        trip()\n        return iter(())\no = I()",
             "for i in o:\n    pass"),
    # what binding or deleting a name drops
    "del_of_a_graded_name": (WITH_DEL + "f = WithDel()", "del f"),
    "rebinding_with_del": (WITH_DEL + "x = WithDel()", "x = 1"),
    "rebinding_int_subclass_with_del": ("class Big(int):\n    def __del__(self):\n        trip()\nx = Big(3)",
                                        "x = 1"),
    "redefining_a_closure": (WITH_DEL + "def make():\n    kept = WithDel()\n    def f(x):\n        return kept\n"
                             "    return f\nf = make()\ndel make", "def f(x):\n    return x"),
    "redefining_a_function_with_attributes": (WITH_DEL + "def f(x):\n    return x\nf.kept = WithDel()",
                                              "def f(x):\n    return x"),
    "redefining_a_function_with_a_default_object": (WITH_DEL + "def f(x, kept=WithDel()):\n    return x",
                                                    "def f(x):\n    return x"),
    "redefining_a_function_with_a_docstring_object": (WITH_DEL + "def f(x):\n    return x\nf.__doc__ = WithDel()",
                                                      "def f(x):\n    return x"),
    "redefining_a_function_with_a_module_object": (WITH_DEL + "def f(x):\n    return x\nf.__module__ = WithDel()",
                                                   "def f(x):\n    return x"),
    "a_function_with_an_annotation_object": (WITH_DEL + "def f(x):\n    return x\n"
                                             "f.__annotations__ = {'x': WithDel()}", "f = 1"),
    "a_function_with_a_constant_object": (WITH_DEL + "def f(x):\n    return x\nconsts = f.__code__.co_consts\n"
                                          "f.__code__ = f.__code__.replace(co_consts=consts + (WithDel(),))\n"
                                          "del consts",
                                          "f = 1"),
    "a_function_with_globals_of_its_own": (WITH_DEL + "import types\ndef g(x):\n    return x\n"
                                           "f = types.FunctionType(g.__code__, {'kept': WithDel()})\ndel g", "f = 1"),
    "a_function_with_a_name_object": (WITH_DEL.replace("WithDel:", "WithDel(str):") + "def f(x):\n    return x\n"
                                      "f.__qualname__ = WithDel('f')", "f = 1"),
    "object_array": (WITH_DEL + "import numpy\narr = numpy.array([WithDel()], dtype=object)", "arr = 1"),
    "array_over_a_foreign_buffer": (WITH_DEL.replace("WithDel:", "Buffer(bytearray):")
                                    + "import numpy\narr = numpy.frombuffer(Buffer(8))", "arr = 1"),
    "a_module_of_its_own": (WITH_DEL + "import types\nm = types.ModuleType('m')\nm.kept = WithDel()", "m = 1"),
    # imports
    "import_hook": ("import builtins\nreal = builtins.__import__\n"
                    "def hooked(*a, **k):\n    trip()\n    return real(*a, **k)\nbuiltins.__import__ = hooked",
                    "import numpy as np"),
    "not_a_module_in_sys_modules": ("import sys\nclass Fake:\n    def __getattr__(self, name):\n        trip()\n"
                                    "        raise AttributeError(name)\nsys.modules['fake'] = Fake()", "import fake"),
    "a_name_only_a_getattr_gives": ("import sys, types\npkg = types.ModuleType('pkg')\npkg.__path__ = []\n"
                                    "pkg.__getattr__ = lambda n: trip()\nsys.modules['pkg'] = pkg\n"
                                    "sys.modules['pkg.sub'] = types.ModuleType('pkg.sub')", "from pkg import sub"),
    "dotted_import_as_through_a_getattr": ("import sys, types\npkg = types.ModuleType('pkg')\npkg.__path__ = []\n"
                                           "pkg.__getattr__ = lambda n: trip()\nsys.modules['pkg'] = pkg\n"
                                           "sys.modules['pkg.sub'] = types.ModuleType('pkg.sub')",
                                           "import pkg.sub as s"),
    "a_spec_being_initialised": ("import sys, types, importlib.machinery\nclass Truth:\n    def __bool__(self):\n"
                                 "        trip()\n        return False\nm = types.ModuleType('slow')\n"
                                 "m.__spec__ = importlib.machinery.ModuleSpec('slow', None)\n"
                                 "m.__spec__._initializing = Truth()\nsys.modules['slow'] = m", "import slow"),
    "handle_fromlist": ("import _frozen_importlib as boot\nreal = boot._handle_fromlist\n"
                        "def hooked(*a, **k):\n    trip()\n    return real(*a, **k)\nboot._handle_fromlist = hooked",
                        "from numpy import linalg"),
    "a_spec_only_a_getattr_gives": ("import sys, types\nm = types.ModuleType('pk')\nm.__path__ = []\ndel m.__spec__\n"
                                    "m.__getattr__ = lambda n: trip()\nsys.modules['pk'] = m\ndel m", "import pk"),
    "sys_modules_rebound": ("import sys\norig = sys.modules\nsys.modules = dict(orig)\n"
                            "class Fake:\n    @property\n    def __spec__(self):\n        trip()\n        return None\n"
                            "orig['numpy'] = Fake()", "import numpy"),
    # the namespaces a cell reads and writes
    "a_colliding_key_in_the_namespace": (COLLIDER + "get_ipython().user_ns[Collider('x')] = 0", "x = 1"),
    "a_colliding_key_in_the_builtins": (COLLIDER + "import builtins\nvars(builtins)[Collider('nowhere')] = 0",
                                        "y = nowhere"),
    # (numpy taken out and put back, so that a lookup meets the collider first)
    "a_colliding_key_in_sys_modules": (COLLIDER + "import sys\nnp_module = sys.modules.pop('numpy')\n"
                                       "sys.modules[Collider('numpy')] = 0\nsys.modules['numpy'] = np_module",
                                       "import numpy as np"),
    "builtins_of_its_own": ("import builtins\nclass Missing(dict):\n    def __missing__(self, name):\n"
                            "        trip()\n        raise KeyError(name)\n"
                            "get_ipython().user_ns['__builtins__'] = Missing(vars(builtins))", "y = nowhere"),
    "annotations_of_its_own": ("class Notes(dict):\n    def __setitem__(self, k, v):\n        trip()\n"
                               "__annotations__ = Notes()", "x: int = 1"),
    # what the shell runs around a cell
    "displayed_last_expression": ("get_ipython().display_formatter.formatters['text/plain'].for_type(\n"
                                  "    str, lambda o, p, cycle: trip())", "'notes'"),
    "every_assignment_displayed": ("shell = get_ipython()\nshell.ast_node_interactivity = 'last_expr_or_assign'\n"
                                   "shell.display_formatter.formatters['text/plain'].for_type(\n"
                                   "    int, lambda o, p, cycle: trip())", "x = 1"),
    "event_callback": ("get_ipython().events.register('pre_run_cell', lambda *a: trip())", "x = 1"),
    "cleanup_transformer": ("def t(lines):\n    trip()\n    return lines\n"
                            "get_ipython().input_transformers_cleanup.append(t)", "x = 1"),
    "ast_transformer": ("import ast\nclass T(ast.NodeTransformer):\n    def visit_Module(self, node):\n"
                        "        trip()\n        return node\nget_ipython().ast_transformers.append(T())", "x = 1"),
    "a_method_of_the_instance": ("shell = get_ipython()\nreal = shell.transform_cell\n"
                                 "def hooked(cell):\n    trip()\n    return real(cell)\nshell.transform_cell = hooked",
                                 "x = 1"),
    "a_method_of_the_class": ("cls = type(get_ipython())\nreal = cls.transform_cell\n"
                              "def hooked(self, cell):\n    trip()\n    return real(self, cell)\n"
                              "cls.transform_cell = hooked", "x = 1"),
    "a_method_of_a_base_class": ("from IPython.core.interactiveshell import InteractiveShell as cls\n"
                                 "real = cls.run_code\n"
                                 "async def hooked(self, *a, **k):\n    trip()\n    return await real(self, *a, **k)\n"
                                 "cls.run_code = hooked", "x = 1"),
    "a_method_of_a_part": ("manager = get_ipython().input_transformer_manager\nreal = manager.transform_cell\n"
                           "def hooked(cell):\n    trip()\n    return real(cell)\nmanager.transform_cell = hooked",
                           "x = 1"),
    "the_compiler": ("shell = get_ipython()\nreal = shell.compile.ast_parse\n"
                     "def hooked(*a, **k):\n    trip()\n    return real(*a, **k)\nshell.compile.ast_parse = hooked",
                     "x = 1"),
    "a_prefilter_transformer": ("from IPython.core.prefilter import PrefilterTransformer\n"
                                "class T(PrefilterTransformer):\n    def transform(self, line, continue_prompt):\n"
                                "        trip()\n        return line\nshell = get_ipython()\n"
                                "T(shell=shell, prefilter_manager=shell.prefilter_manager, config=shell.config)",
                                "x = 1"),
    "the_prefilter_manager_s_class": ("from IPython.core.prefilter import PrefilterManager as cls\n"
                                      "real = cls.prefilter_lines\n"
                                      "def hooked(self, *a, **k):\n    trip()\n    return real(self, *a, **k)\n"
                                      "cls.prefilter_lines = hooked", "x = 1"),
    "a_logger": ("class L:\n    def log(self, *a):\n        trip()\n    def __getattr__(self, name):\n"
                 "        return lambda *a, **k: None\nget_ipython().logger = L()", "x = 1"),
    "an_audit_hook": ("import sys\nsys.addaudithook(lambda event, args: trip() if event == 'exec' else None)", "x = 1"),
    # an error the cell raises goes through what the notebook may have set
    "a_custom_exception_handler": ("get_ipython().set_custom_exc((NameError,), "
                                   "lambda self, et, v, tb, tb_offset=None: trip())", "x = undefined_name"),
    "the_traceback_formatter": ("import IPython.core.ultratb as u\nreal = u.AutoFormattedTB.structured_traceback\n"
                                "def hooked(self, *a, **k):\n    trip()\n    return real(self, *a, **k)\n"
                                "u.AutoFormattedTB.structured_traceback = hooked", "x = undefined_name"),
}
# values that run code when the analysis looks at them the ordinary way (``hasattr``, ``==``)
BAITS = {
    "metaclass_getattr": ("class Meta(type):\n    def __getattr__(cls, name):\n        trip()\n"
                          "class Odd(int, metaclass=Meta):\n    pass\nx = Odd(3)", "x = 1"),
    "a_name_for_a_module": ("import sys, types\nclass Name(str):\n    def __hash__(self):\n        trip()\n"
                            "        return 0\nm = types.ModuleType('m')\nm.__name__ = Name('m')", "m = 1"),
    "a_hint_of_a_module_of_its_own": ("import types\nclass Mod(types.ModuleType):\n"
                                      "    def __getattribute__(self, name):\n        trip()\n"
                                      "        return object.__getattribute__(self, name)\nlib = Mod('lib')",
                                      "def f(x: lib.thing):\n    return x"),
}
# a trace or profile function, or a collector's callback, runs everywhere, the analysis included:
# only the fork is checked
TRACERS = {
    "the_garbage_collector_s_callbacks": ("import gc\ngc.callbacks.append(lambda *a: trip())\ngc.set_threshold(1)",
                                          "def f(x):\n    return x"),
    "trace": ("import sys\ndef tracer(frame, event, arg):\n    trip()\n    return None\nsys.settrace(tracer)", "x = 1"),
    "profile": ("import sys\nsys.setprofile(lambda frame, event, arg: trip())", "x = 1"),
}
# what most of a homework is: these must keep skipping the fork (a fork costs more than the cell)
PLAIN = {
    "functions_with_hints_and_defaults": ("import numpy as np",
                                          "def f(x: np.ndarray, k: int = -1, *, mode: 'str' = ('a', None))"
                                          " -> np.ndarray:\n    return x"),
    "imports_of_loaded_modules": ("", "import numpy as np\nfrom numpy import linalg\nimport os.path"),
    "a_docstring_then_constants": ("", "'''Notes.'''\nSEED = 0\nRATE: float = 0.1\npass"),
    "redefining_a_plain_function": ("def f(x):\n    return 2 * x", "def f(x):\n    return x"),
    "rebinding_numbers_and_arrays": ("import numpy as np\nx = 3\nw = np.zeros(4)\nv = w[1:]\ns = np.float64(2)",
                                     "x = 1\nw = 2\nv = 3\ns = 4"),
    "rebinding_a_module_and_a_class": ("import numpy as np\nclass A:\n    pass", "np = 1\nA = 2"),
}


def _in_fork(setup: str, cell: str) -> dict:
    """In a child of this process: the notebook's earlier cell, then the analysis of ``cell`` and
    its run, each with the trips it caused."""
    shell = cells.new_shell()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        code = 0
        try:
            trips: list[int] = []
            shell.user_ns["trip"] = lambda: trips.append(1)
            baseline = inert.Baseline(shell)  # as the runner takes it, before the notebook's first cell
            before = shell.run_cell(setup, store_history=False)
            assert before.success, before.error_in_exec or before.error_before_exec
            trips.clear()
            unforked = inert.cannot_stop(cell, shell, baseline)
            analysis_trips = len(trips)
            shell.run_cell(cell, store_history=False)
            sys_reset = __import__("sys")
            sys_reset.settrace(None)
            sys_reset.setprofile(None)
            report = {"unforked": unforked, "analysis": analysis_trips, "run": len(trips) - analysis_trips}
        except BaseException as e:  # the child must reach os._exit
            report, code = {"error": repr(e)}, 1
        os.write(write, json.dumps(report).encode())
        os._exit(code)
    os.close(write)
    with os.fdopen(read) as fh:
        report = json.loads(fh.read() or '{"error": "no report"}')
    os.waitpid(pid, 0)
    assert "error" not in report, report
    return report


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_cell_that_runs_the_notebook_s_code_runs_in_a_fork(name):
    setup, cell = HOSTILE[name]
    report = _in_fork(setup, cell)
    assert report["run"] > 0, f"{name}: not hostile after all (running it called nothing): the case tests nothing"
    assert report["analysis"] == 0, f"{name}: the analysis itself ran the notebook's code"
    assert report["unforked"] is False, f"{name}: would run without a fork"


@pytest.mark.parametrize("name", sorted(BAITS))
def test_the_analysis_runs_none_of_the_notebook_s_code(name):
    setup, cell = BAITS[name]
    report = _in_fork(setup, cell)
    assert report["analysis"] == 0


@pytest.mark.parametrize("name", sorted(TRACERS))
def test_a_cell_under_a_trace_or_profile_function_runs_in_a_fork(name):
    setup, cell = TRACERS[name]
    report = _in_fork(setup, cell)
    assert report["run"] > 0
    assert report["unforked"] is False


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_a_plain_definition_cell_skips_the_fork(name):
    setup, cell = PLAIN[name]
    report = _in_fork(setup, cell)
    assert report == {"unforked": True, "analysis": 0, "run": 0}


def test_a_cell_is_inert_again_once_the_notebook_undoes_its_hook():
    """Forking is decided cell by cell: a hook removed again costs no more forks."""
    setup = ("callback = lambda *a: None\nget_ipython().events.register('post_run_cell', callback)\n"
             "get_ipython().events.unregister('post_run_cell', callback)")
    assert _in_fork(setup, "x = 1")["unforked"] is True
