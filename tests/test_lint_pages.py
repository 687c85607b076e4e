"""scripts/lint_pages.py: the book's code cells linted as Python, each finding at its line of the
page's .md file (not of the py:percent file ruff reads), and prose never linted."""
from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("lint_pages", ROOT / "scripts" / "lint_pages.py")
lint_pages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lint_pages)

LONG = "x = " + " + ".join(["1"] * 40)  # 121 characters: over the labs' 100
PAGE = f"""---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A page whose prose has a line far longer than any limit, which is no concern of the linter: {"word " * 30}

```{{code-cell}} ipython3
import numpy as np
```

```{{code-cell}} ipython3
:tags: [check-1-1]
a = 1; b = 2
```

Some prose between cells.

```{{code-cell}} ipython3
---
tags: [hide-input]
---
y = np.zeros(3)

{LONG}
```
"""


def test_each_finding_names_the_page_and_its_line_there(tmp_path):
    page = tmp_path / "lab.md"
    page.write_text(PAGE)
    lines = PAGE.splitlines()
    semicolon = lines.index("a = 1; b = 2") + 1
    long_line = lines.index(LONG) + 1
    assert lint_pages.lint([page]) == [
        f"{page}:{semicolon}:6: E702 Multiple statements on one line (semicolon)",
        f"{page}:{long_line}:101: E501 Line too long ({len(LONG)} > 100)",
    ]


def test_a_clean_page_has_no_finding(tmp_path):
    page = tmp_path / "lab.md"
    page.write_text(PAGE.replace("a = 1; b = 2", "a = 1").replace(LONG, "x = 1"))
    assert lint_pages.lint([page]) == []


def test_only_pages_with_code_cells_are_linted():
    pages = lint_pages.pages_with_code_cells()
    assert pages, "no page of the book has code cells"
    assert all("```{code-cell}" in p.read_text() for p in pages)
    labs = sorted((ROOT / "book").glob("*/lab.md"))
    assert set(labs) <= set(pages)
