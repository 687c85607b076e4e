"""Hand grading in stock formgrader, in a real browser: a graded hw1 class, a real Jupyter server
with nbgrader's formgrader extension in the course folder (as ``dlcourse hand-grade`` starts it),
and headless Chromium. A TA opens one submission, reads the written proof beside its rubric,
enters a score and a comment; the gradebook's totals, ``dlcourse feedback`` and formgrader's own
list take them up. The fast tests at the end check the notebook formgrader opens
(``dlcourse.grading.autograded``) in process."""
from __future__ import annotations

import csv
import html
import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from book_site import ARTIFACTS, chrome
from courses import released_course
from nbgrader.api import Gradebook
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

import sample_class
from dlcourse.grading import grader, notebook, sandbox
from dlcourse.grading.autograded import model_answer
from dlcourse.grading.batch import feedback, grade_class
from dlcourse.grading.notebook import nbgrader_metadata

# the formgrader tests are slow (sandboxed grading, a Jupyter server and Chromium), each marked so;
# the notebook formgrader opens is checked fast at the end

ROOT = Path(__file__).resolve().parents[2]
FAST = sandbox.Limits(wall_seconds=40, cell_seconds=5, case_seconds=5)
PROOF_ID = "proof_line_search"
GRADED = "student0001"  # the student whose proof the TA grades
FAILING = "student0002"  # a student one autograded test fails
# the graded student's proof, in their own words: the mistake the rubric names (the Hessian at x)
PROOF = ("Taylor's theorem at x gives f(x + t dx) = f(x) + t grad^T dx + t^2 dx^T H dx / 2, with H the "
         "Hessian at x. As dx^T H dx <= M ||dx||^2, every t in the interval has f(x + t dx) <= "
         "f(x) + t grad^T dx / 2 <= f(x) + alpha t grad^T dx.")
SCORE = 1.0
COMMENT = ("Taylor's remainder takes the Hessian at a point between x and x + t dx, not at x: "
           "bound it by the curvature bound M. 1 point of 3, as the rubric says.")


def _answer(course: Path, student: str, grade_id: str, source: str) -> None:
    """Rewrites one answer cell of a student's submission."""
    path = course / "submitted" / student / "hw1" / "hw1.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if nbgrader_metadata(c).get("grade_id") == grade_id)
    cell.source = source
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> dict:
    """A three-student hw1 class, graded once by `dlcourse grade`."""
    course = released_course(tmp_path_factory.mktemp("formgrader"))
    sample_class.make(course, "hw1", 3)
    source = nbformat.read(course / "source" / "hw1" / "hw1.ipynb", as_version=4)
    _answer(course, GRADED, PROOF_ID, PROOF)
    answer_id, wrong_code, _ = sample_class.WRONG[sample_class.wrong_kinds(source)[0]]
    _answer(course, FAILING, answer_id, wrong_code)
    results = {r.student: r for r in grade_class(course, "hw1", workers=1, limits=FAST, progress=False)}
    cells = {nbgrader_metadata(c).get("grade_id"): c for c in source.cells}
    # the answers graded by hand: graded cells the student writes in, as nbgrader marks them
    flags = {grade_id: nbgrader_metadata(c) for grade_id, c in cells.items()}
    by_hand = {grade_id for grade_id, meta in flags.items() if meta.get("grade") and meta.get("solution")}
    return {"path": course, "results": results, "rubric": model_answer(cells[PROOF_ID]), "by_hand": by_hand}


def _wait_for_server(server: subprocess.Popen, runtime: Path, token: str, log: Path, timeout: float = 240) -> str:
    """The server's URL once formgrader's API answers; fails on exit, on a missing formgrader,
    or at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"jupyter server exited with {server.returncode}:\n{log.read_text()[-4000:]}")
        info = sorted(runtime.glob("jpserver-*.json"))
        if info:
            url = json.loads(info[0].read_text())["url"].rstrip("/")
            request = urllib.request.Request(f"{url}/formgrader/api/assignments",
                                             headers={"Authorization": f"token {token}"})
            try:
                with urllib.request.urlopen(request, timeout=10):
                    return url
            except urllib.error.HTTPError as e:
                if e.code == 404:
                    raise AssertionError("the server runs without formgrader: enable it with `jupyter server "
                                         "extension enable --sys-prefix nbgrader.server_extensions.formgrader`") from e
                raise
            except (urllib.error.URLError, ConnectionError):
                pass  # not listening yet
        time.sleep(0.2)
    raise AssertionError(f"jupyter server not up after {timeout:g} s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def formgrader(course, tmp_path_factory) -> Iterator[dict]:
    """A real Jupyter server in the course folder, where nbgrader's own install enables formgrader
    (``etc/jupyter/jupyter_server_config.d/nbgrader.json``), on a free localhost port, with a token.
    The user's own Jupyter config and runtime files are kept out of it."""
    home = tmp_path_factory.mktemp("jupyter")
    token = secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_TOKEN": token, "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTER_DATA_DIR": str(home / "data")}
    jupyter = Path(sys.executable).with_name("jupyter")
    log = home / "server.log"
    # port 0: the OS picks a free port, which the server writes to its runtime file;
    # allow_root: CI containers run tests as root, which Jupyter otherwise refuses
    args = [str(jupyter), "server", "--ServerApp.open_browser=False", "--ServerApp.ip=127.0.0.1",
            "--ServerApp.port=0", "--ServerApp.port_retries=0", "--ServerApp.allow_root=True"]
    with open(log, "w") as out:
        server = subprocess.Popen(args, cwd=course["path"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield {"url": _wait_for_server(server, home / "runtime", token, log), "token": token}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def browser(formgrader):
    driver = chrome()
    # formgrader's pages load MathJax 2 from a CDN; nothing may leave this machine, so every https
    # request is blocked (the server itself is on http://127.0.0.1)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["https://*"]})
    driver.get(f"{formgrader['url']}/formgrader?token={formgrader['token']}")  # the token becomes a cookie
    yield driver
    driver.quit()


def _page_errors(driver) -> list[str]:
    """The browser's errors, less formgrader's missing MathJax (its page script stops at the
    MathJax hook, after the grades and comments are bound to their boxes)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE" and "MathJax" not in e["message"]]


def _submission_rows(driver, url: str) -> dict[str, dict[str, str]]:
    """Formgrader's list of hw1's submissions: student -> column -> what the cell shows (the
    flag columns: their search text, e.g. 'needs manual grade')."""
    driver.get(f"{url}/formgrader/gradebook/hw1/hw1")
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#main-table a.name-shown"))
    rows = {}
    for row in driver.find_elements(By.CSS_SELECTOR, "#main-table tr"):
        student = row.find_element(By.CSS_SELECTOR, "a.name-shown").get_attribute("textContent")
        cells = {}
        for column in ("score", "code-score", "written-score"):
            cells[column] = row.find_element(By.CSS_SELECTOR, f"td.{column}").text
        for column in ("needs-manual-grade", "tests-failed"):
            cells[column] = row.find_element(By.CSS_SELECTOR, f"td.{column}").get_attribute("data-search")
        rows[student] = cells
    return rows


def _open_submission(driver, url: str, student: str) -> None:
    """From formgrader's list, the way a TA goes: show the names, click the student's."""
    _submission_rows(driver, url)
    driver.find_element(By.ID, "toggle_names").click()
    driver.find_element(By.LINK_TEXT, student).click()
    # the grades are bound once the test cells' boxes show the autograder's scores as placeholders
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "input.score[placeholder]"))


def _stored(course: Path, student: str) -> dict:
    """The gradebook's record of the student's hw1, as nbgrader reads it."""
    gb = Gradebook(f"sqlite:///{course / 'gradebook.db'}")
    try:
        nb = gb.find_submission_notebook("hw1", "hw1", student)
        proof = next(g for g in nb.grades if g.name == PROOF_ID)
        comment = next(c for c in nb.comments if c.name == PROOF_ID)
        return {"manual": proof.manual_score, "points": proof.max_score, "waiting": proof.needs_manual_grade,
                "comment": comment.manual_comment, "score": gb.find_submission("hw1", student).score,
                "max": nb.max_score, "written": nb.written_score, "max_written": nb.max_written_score,
                "auto": {g.name: g.auto_score for g in nb.grades if g.auto_score is not None}}
    finally:
        gb.close()


def _still_to_grade(feedback_page: str) -> list[str]:
    """The answers a feedback page says still wait for a hand grade."""
    found = re.search(r"Still to be graded by hand: ([^.<]*)\.", feedback_page)
    return sorted(found.group(1).split(", ")) if found else []


def _collapsed(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.slow
def test_the_submission_list_shows_the_autograded_scores(course, formgrader, browser):
    rows = _submission_rows(browser, formgrader["url"])
    results = course["results"]
    assert set(rows) == set(results)
    assert results[FAILING].score < results[GRADED].score  # the wrong answer cost points
    for student, result in results.items():
        assert rows[student]["code-score"] == f"{result.score:g} / {result.max_score:g}", student
        assert rows[student]["tests-failed"] == ("tests failed" if student == FAILING else ""), student
    assert not _page_errors(browser)


@pytest.mark.slow
def test_a_hand_grade_entered_in_formgrader_reaches_the_totals_and_the_feedback(course, formgrader, browser):
    path, url = course["path"], formgrader["url"]
    before = _stored(path, GRADED)
    assert before["manual"] is None
    assert before["waiting"]
    page = (path / "reports" / "hw1" / "feedback" / f"{GRADED}.html").read_text()
    assert PROOF_ID in _still_to_grade(page)

    _open_submission(browser, url, GRADED)
    # only the written answers wait for a person; each test's box holds the autograder's score
    boxes = browser.find_elements(By.CSS_SELECTOR, "input.score")
    waiting = {b.get_attribute("id") for b in boxes if "needs_manual_grade" in b.get_attribute("class")}
    assert PROOF_ID in course["by_hand"]
    assert waiting == course["by_hand"]
    shown = {b.get_attribute("id"): b.get_attribute("placeholder") for b in boxes
             if b.get_attribute("id") not in course["by_hand"]}
    assert shown == {grade_id: f"{score:g}" for grade_id, score in before["auto"].items()}

    # the student's answer in its graded cell, and the model answer and rubric in the cell under it
    score_box = browser.find_element(By.ID, PROOF_ID)
    answer = score_box.find_element(By.XPATH, "./ancestor::div[contains(concat(' ', @class, ' '), ' cell ')][1]")
    rubric = answer.find_element(By.XPATH, "./following-sibling::div[contains(concat(' ', @class, ' '), ' cell ')][1]")
    assert "Student's answer" in answer.text
    assert _collapsed(PROOF) in _collapsed(answer.text)
    assert "Rubric" not in answer.text
    assert "For the grader: model answer and rubric" in rubric.text
    for paragraph in course["rubric"].split("\n\n"):
        assert _collapsed(paragraph) in _collapsed(rubric.text)

    score_box.send_keys(f"{SCORE:g}")
    comment_box = browser.find_element(By.ID, f"{PROOF_ID}-comment")
    comment_box.click()  # leaving the score box saves it
    comment_box.send_keys(COMMENT)
    comment_box.send_keys(Keys.TAB)  # and leaving the comment saves that
    deadline = time.monotonic() + 30
    after = _stored(path, GRADED)
    while (after["manual"], after["comment"]) != (SCORE, COMMENT) and time.monotonic() < deadline:
        time.sleep(0.2)
        after = _stored(path, GRADED)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", answer)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "formgrader.png"))
    assert not _page_errors(browser)

    assert after["manual"] == SCORE, "formgrader did not store the score typed in its box"
    assert after["comment"] == COMMENT, "formgrader did not store the comment typed under the answer"
    assert not after["waiting"]
    assert after["score"] == pytest.approx(before["score"] + SCORE)
    assert after["written"] == pytest.approx(before["written"] + SCORE)
    assert _stored(path, "student0000")["waiting"]  # nobody else's proof was touched

    out = feedback(path, "hw1")
    page = (out / "feedback" / f"{GRADED}.html").read_text()
    assert f"<td>{PROOF_ID}</td><td>{SCORE:g} / {after['points']:g}</td>" in page
    assert f"Your TA: {html.escape(COMMENT)}" in page
    assert f"Score: <b>{after['score']:g} / {after['max']:g}</b>." in page
    assert _still_to_grade(page) == sorted(course["by_hand"] - {PROOF_ID})
    with open(out / "grades.csv", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["student"] == GRADED)
    assert float(row[PROOF_ID]) == SCORE
    assert float(row["total"]) == pytest.approx(after["score"])
    assert float(row["final"]) == pytest.approx(after["score"])

    rows = _submission_rows(browser, url)  # formgrader's own list takes the hand grade up too
    assert rows[GRADED]["score"] == f"{after['score']:g} / {after['max']:g}"
    assert rows[GRADED]["written-score"] == f"{SCORE:g} / {after['max_written']:g}"


# ------------------------------------------------------------------ fast: the notebook formgrader opens
def test_formgrader_shows_a_students_html_as_text(tmp_path):
    from dlcourse.grading.autograded import autograded_notebook

    source = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_markdown_cell("YOUR ANSWER HERE")
    answer.metadata["nbgrader"] = {"grade": True, "solution": True, "grade_id": "proof", "points": 1}
    source.cells = [answer]
    result = grader.SubmissionResult("eve", "hw", "hw.ipynb", "d",
                                     answers={"proof": "<img src=x onerror=alert(1)> and a < b"})
    shown = autograded_notebook(source, result).cells[0].source
    assert "<img" not in shown
    assert "&lt;img src=x onerror=alert(1)&gt; and a &lt; b" in shown


def test_the_notebook_formgrader_opens_is_a_valid_notebook(tmp_path):
    """Written without nbformat's validation (for speed): it must still be one, failed cases,
    missing answers and a written answer's rubric included."""
    from dlcourse.grading.autograded import write_autograded

    source = nbformat.read(ROOT / "autograder" / "source" / "hw1" / "hw1.ipynb", as_version=4)
    tests = notebook.test_cells(source)
    result = grader.refused("eve", "hw1", "hw1.ipynb", tests, "a problem")
    result.tests[0].cases.append(grader.CaseReport("hidden case 1", 7, "f(x)", False, "wrong \ufffd"))
    result.answers = {"affine_backward": "def affine_backward(dout, x, w):\n    return 1"}
    path = write_autograded(tmp_path, source, result)
    written = nbformat.read(path, as_version=4)
    nbformat.validate(written)
    assert len(written.cells) > len(source.cells)  # the rubrics under the written answers
