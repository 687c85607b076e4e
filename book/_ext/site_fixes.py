"""Two fixes to what Jupyter Book's stack writes into every page.

- Offline: sphinx-thebe (which Jupyter Book always loads) writes an inline script naming its
  CDN copy of thebe, twice per page: a request to another host waiting to happen, and a
  JavaScript error ("THEBE_JS_URL has already been declared"). With launch_buttons.thebe
  off, those scripts are dropped.
- Dark mode: on a reader's first visit the theme reads an empty mode from localStorage and
  logs "Got invalid theme mode" as a console error; a head script starts it at "auto".
"""
from __future__ import annotations


def _is_thebe(script) -> bool:
    name = getattr(script, "filename", None) or ""
    body = getattr(script, "attributes", {}).get("body", "") or ""
    return "thebe" in name or "THEBE_JS_URL" in body


def drop_thebe(app, pagename, templatename, context, doctree):
    if context.get("script_files"):
        context["script_files"] = [s for s in context["script_files"] if not _is_thebe(s)]


FIRST_VISIT_MODE = 'if (!document.documentElement.dataset.mode) { document.documentElement.dataset.mode = "auto"; }'


def setup(app):
    app.connect("html-page-context", drop_thebe)
    app.add_js_file(None, body=FIRST_VISIT_MODE, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
