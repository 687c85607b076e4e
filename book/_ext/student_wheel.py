"""The student library on the site: the ``student-wheel`` directive links the wheel that
``scripts/build_book.sh`` builds into ``_build/student/`` and shows the commands that install
it, with its file name.

Only the student wheel may ever be published: the build stops when that folder holds no wheel
or several, or when the wheel holds ``dlcourse/grading/`` or, while a homework is open, no stub.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

from dlcourse.answers import WITHHELD
from dlcourse.grading.course import open_assignments
from dlcourse.grading.student_library import stub_message, withheld_references

ROOT = Path(__file__).resolve().parents[2]
WHEEL_DIR = ROOT / "_build" / "student"
COURSE = ROOT / "autograder"


def student_wheel(folder: Path = WHEEL_DIR, course: Path = COURSE) -> Path:
    """The one student wheel in ``folder``, checked; ExtensionError naming the folder otherwise."""
    wheels = sorted(folder.glob("dlcourse-*.whl"))
    if len(wheels) != 1:
        raise ExtensionError(f"{folder}: {len(wheels)} dlcourse wheels, not 1; scripts/build_book.sh builds "
                             "the student library there before the site")
    with zipfile.ZipFile(wheels[0]) as z:
        names = z.namelist()
        if any(n.startswith("dlcourse/grading/") for n in names):
            raise ExtensionError(f"{wheels[0]}: holds dlcourse/grading/: not the student library, never publish it")
        stubbed = any(WITHHELD in z.read(n).decode("utf-8") for n in names if n.endswith(".py"))
    if open_assignments(course) and not stubbed:
        raise ExtensionError(f"{wheels[0]}: no function is withheld, yet {', '.join(open_assignments(course))} "
                             "are open: the full library, never publish it")
    return wheels[0]


class StudentWheel(SphinxDirective):
    """The wheel's download link, then the commands that install it in a venv and on Colab."""

    def run(self):
        wheel = student_wheel()
        self.env.note_dependency(str(wheel))
        lines = [
            f"**Download:** {{download}}`{wheel.name} </{wheel.relative_to(ROOT).as_posix()}>`", "",
            "On your computer (Python 3.11 or newer), in a terminal, in the folder of the wheel:", "",
            "```bash",
            "python3 -m venv dlcourse-env",
            "source dlcourse-env/bin/activate    # on Windows: dlcourse-env\\Scripts\\activate",
            f'pip install "{wheel.name}[tf]" jupyterlab',
            "jupyter lab",
            "```", "",
            "On Colab, upload the wheel in the *Files* pane (the folder icon on the left), then run "
            "in a cell (Colab has TensorFlow already, so without the extra):", "",
            "```text",
            f"!pip install {wheel.name}",
            "```", "",
        ]
        container = nodes.container(classes=["student-wheel"])
        self.state.nested_parse(StringList(lines, source=self.get_source_info()[0]), self.content_offset, container)
        return [container]


class WithheldMessage(SphinxDirective):
    """What calling a withheld function says, as the student library's build writes it: for the
    name given, or the first withheld one if that is not withheld (its homework closed)."""

    required_arguments = 1

    def run(self):
        refs = withheld_references(COURSE)
        if not refs:
            return [nodes.paragraph(text="No homework is open now: nothing is withheld.")]
        ref = next((r for r in refs if r.name == self.arguments[0]), refs[0])
        text = f"NotImplementedError: {stub_message(ref)}"
        return [nodes.literal_block(text, text, language="text")]


def setup(app):
    app.add_directive("student-wheel", StudentWheel)
    app.add_directive("withheld-message", WithheldMessage)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
