"""Helpers of the site's tests: build the book once per session, serve it on localhost,
and drive a real headless Chromium (Debian's chromium and chromedriver) through Selenium."""
from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
ARTIFACTS = ROOT / "ci-artifacts" / "screenshots"


INSTRUCTOR = ROOT / "_build" / "instructor"


def build_book(instructor: bool = False) -> Path:
    """Runs the real build (warnings as errors, nitpicky); returns the HTML folder. The
    instructor edition goes to its own folder, as ``scripts/build_book.sh --instructor`` does."""
    jb = Path(sys.executable).with_name("jupyter-book")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": f"{jb.parent}:{os.environ['PATH']}",
           "DLCOURSE_BOOK_EDITION": "instructor" if instructor else "student"}
    # the site links each homework's kit: made first, as the build script does
    assignments = sorted(p.name for p in (ROOT / "autograder" / "source").iterdir() if p.is_dir())
    subprocess.run([str(jb.with_name("dlcourse")), "site-kits", *assignments, "--course", "autograder", "--out",
                    "_build/kits"], check=True, env=env, cwd=ROOT, capture_output=True)
    # and the student library's wheel (book/running-labs.md), into a fresh folder, as the script does
    from dlcourse.grading.student_library import build

    shutil.rmtree(ROOT / "_build" / "student", ignore_errors=True)
    build(ROOT / "autograder", ROOT / "_build" / "student")
    out = ["--path-output", str(INSTRUCTOR)] if instructor else []
    res = subprocess.run([str(jb), "build", str(ROOT), "-W", "-n", "--keep-going", *out], capture_output=True,
                         text=True, env=env, cwd=ROOT, timeout=1800)
    if res.returncode != 0:
        raise AssertionError("jupyter-book build failed:\n" + (res.stdout + res.stderr)[-6000:])
    return INSTRUCTOR / "_build" / "html" if instructor else HTML


def toc_pages() -> list[str]:
    """Every page of _toc.yml, as paths relative to the site root without suffix."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for e in entries:
            pages.append(e["file"])
            walk(e.get("sections", []))

    for part in toc.get("parts", []):
        walk(part["chapters"])
    return pages


class Server:
    """A static file server for the built site on a free localhost port."""

    def __init__(self, root: Path):
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def chrome():
    """Headless Debian Chromium through its own chromedriver; nothing is downloaded."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,1600"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


EXTERNAL = re.compile(r'\b(?:src|href)\s*=\s*["\']((?:https?:)?//[^"\']*)', re.IGNORECASE)
