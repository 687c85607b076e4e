"""The course's loop on a real JupyterHub, with real Linux accounts, nbgrader's own exchange
commands and a real browser: a student logs in, fetches hw1 from the Assignments tab, solves it,
runs the visible checks, submits and reads the receipt; the instructor collects, grades, overrides
and releases feedback; the student fetches it and reads it in JupyterLab. Then what a second
student's account can and cannot reach, and what a forged submission gains (nothing)."""
from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nbformat
import pytest
from book_site import ARTIFACTS, chrome
from hub_course import ROOT, STUDENTS, as_student, hub_course
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from dlcourse.grading import collect, receipts, sandbox
from dlcourse.grading.batch import feedback, grade_class
from dlcourse.grading.cases import load_secret, secret_path
from dlcourse.grading.gradebook import GradeWriter
from dlcourse.grading.lateness import received_at
from dlcourse.grading.notebook import nbgrader_metadata

pytestmark = pytest.mark.slow  # a hub, accounts, Chromium and sandboxed grading

FAST = sandbox.Limits(wall_seconds=60, cell_seconds=10, case_seconds=5)
ADA, BO = STUDENTS
REASON = "dw is right; the TA checked the broadcast by hand"


@pytest.fixture(scope="module")
def course():
    with hub_course() as running:
        yield running


def solved(student_nb: dict) -> dict:
    """The released notebook with the instructor's solution in every answer cell."""
    source = nbformat.read(ROOT / "autograder" / "source" / "hw1" / "hw1.ipynb", as_version=4)
    answers = {nbgrader_metadata(c).get("grade_id"): c.source for c in source.cells
               if nbgrader_metadata(c).get("solution") and c.cell_type == "code"}
    for cell in student_nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    return student_nb


def _click(d, text: str, seconds: float = 60) -> None:
    """Clicks the first visible button whose label is ``text``."""
    def ready(d):
        found = [b for b in d.find_elements(By.XPATH, f"//button[normalize-space()='{text}']") if b.is_displayed()]
        return found[0] if found and found[0].is_enabled() else False

    WebDriverWait(d, seconds).until(ready).click()


def _api(d, method: str, path: str, body: dict | None = None):
    """The student's own Jupyter server's REST API, called from their logged-in page."""
    script = """
const [method, path, body, done] = arguments;
const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1] || '';
fetch(path, {method, headers: {'X-XSRFToken': decodeURIComponent(xsrf), 'Content-Type': 'application/json'},
             body: body ? JSON.stringify(body) : undefined})
  .then(r => r.text().then(t => done([r.status, t]))).catch(e => done([0, String(e)]));"""
    status, text = d.execute_async_script(script, method, path, body)
    assert 200 <= status < 300, (method, path, status, text[:500])
    return json.loads(text) if text else None


def _login(d, url: str, name: str, password: str) -> str:
    d.get(f"{url}/hub/login")
    d.find_element(By.ID, "username_input").send_keys(name)
    d.find_element(By.ID, "password_input").send_keys(password)
    d.find_element(By.ID, "login_submit").click()
    WebDriverWait(d, 180).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-LabShell"))
    return f"{url}/user/{name}"


def _open_assignments(d) -> None:
    WebDriverWait(d, 60).until(lambda d: [e for e in d.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-itemLabel")
                                          if e.text == "Nbgrader"])[0].click()
    WebDriverWait(d, 30).until(lambda d: [e for e in d.find_elements(By.CSS_SELECTOR, ".lm-Menu-itemLabel")
                                          if e.text == "Assignment List"])[0].click()


def _shot(d, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    d.save_screenshot(str(ARTIFACTS / f"hub-{name}.png"))


def test_the_loop_in_the_browser_fetch_solve_check_submit_receipt_feedback(course):
    d_ = course["deployment"]
    d = chrome()
    d.set_script_timeout(60)
    try:
        server = _login(d, course["url"], ADA, course["passwords"][ADA])
        base = server.removeprefix(course["url"])
        _open_assignments(d)
        _click(d, "Fetch")  # hw1, released to the exchange by the instructor
        WebDriverWait(d, 60).until(lambda d: _api_ok(d, f"{base}/api/contents/hw1/hw1.ipynb"))
        _shot(d, "1-fetched")
        nb = _api(d, "GET", f"{base}/api/contents/hw1/hw1.ipynb")["content"]
        _api(d, "PUT", f"{base}/api/contents/hw1/hw1.ipynb", {"type": "notebook", "format": "json",
                                                              "content": solved(nb)})
        # the visible checks, run in JupyterLab as the student runs them
        d.get(f"{server}/lab/tree/hw1/hw1.ipynb")
        WebDriverWait(d, 120).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell"))
        WebDriverWait(d, 120).until(lambda d: "Idle" in d.find_element(By.CSS_SELECTOR, ".jp-StatusBar-Item, "
                                                                       "#jp-main-statusbar").text)
        [e for e in d.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-itemLabel") if e.text == "Run"][0].click()
        WebDriverWait(d, 30).until(lambda d: [e for e in d.find_elements(By.CSS_SELECTOR, ".lm-Menu-itemLabel")
                                              if e.text == "Run All Cells"])[0].click()
        WebDriverWait(d, 240).until(lambda d: len(re.findall(r"visible case\(s\) passed", _outputs(d))) >= 10)
        assert "Error" not in _outputs(d)
        _shot(d, "2-checked")
        _open_assignments(d)
        _click(d, "Submit")
        WebDriverWait(d, 60).until(lambda d: _inbound_of(d_, ADA))
        _shot(d, "3-submitted")
        # the receipt: issued by the hub's service when the instructor's side first sees the work
        listing = WebDriverWait(d, 60).until(lambda d: _api_ok(d, f"{base}/api/contents/receipts"))
        name = listing["content"][0]["name"]
        d.get(f"{server}/files/receipts/{name}")
        shown = json.loads(d.find_element(By.TAG_NAME, "body").text)
        fields = receipts.verify(json.dumps(shown), load_secret())
        inbound = _inbound_of(d_, ADA)[0]
        assert fields["notebooks_sha256"]["hw1.ipynb"] == receipts.digest((inbound / "hw1.ipynb").read_bytes())
        assert fields["student"] == ADA
        _shot(d, "4-receipt")

        # the instructor's side: collect, grade, a TA's override, feedback, release
        done = collect.from_exchange(d_.course, "hw1")
        assert set(done.counted) == {ADA}
        assert not done.refusals
        [result] = grade_class(d_.course, "hw1", workers=1, limits=FAST, progress=False)
        assert result.score == result.max_score - sum(t.points for t in result.tests if t.grade_id.startswith("proof"))
        with GradeWriter(f"sqlite:///{d_.course / 'gradebook.db'}") as writer:
            writer.override("hw1", ADA, "test_affine_backward", 1.0, REASON)
        feedback(d_.course, "hw1")
        released = _nbgrader(d_, "release_feedback")
        assert "Releasing feedback for student" in released

        # the student again: the Assignments tab fetches the feedback; JupyterLab shows it
        d.get(f"{server}/lab")
        WebDriverWait(d, 120).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-LabShell"))
        _open_assignments(d)
        _click(d, "Fetch Feedback")
        found = WebDriverWait(d, 60).until(lambda d: _api_ok(d, f"{base}/api/contents/hw1/feedback"))
        stamp = found["content"][0]["name"]
        d.get(f"{server}/files/hw1/feedback/{stamp}/hw1.html")
        page = d.find_element(By.TAG_NAME, "body").text
        _shot(d, "5-feedback")
    finally:
        d.quit()
    assert f"feedback for {ADA}" in page
    assert REASON in page
    assert "set by your TA" in page
    assert "Received" in page
    assert "On time" in page
    assert "test_affine_backward" in page


def _api_ok(d, path: str):
    try:
        return _api(d, "GET", path)
    except AssertionError:
        return False


def _outputs(d) -> str:
    return "\n".join(e.text for e in d.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output"))


def _inbound_of(d_, student: str) -> list[Path]:
    return sorted((d_.exchange / d_.course_id / "inbound").glob(f"{student}+hw1+*"))


def _nbgrader(d_, *command: str) -> str:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "nbgrader", *command, "hw1"], cwd=d_.course, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout + done.stderr


def _submit(course, student: str, *options: str) -> str:
    """``nbgrader submit hw1`` as the student's account; returns the exchange folder it wrote."""
    d_ = course["deployment"]
    fetch = "nbgrader fetch_assignment hw1 >/dev/null 2>&1"  # once; again it says it is there already
    done = as_student(student, f"{fetch}; nbgrader submit hw1 {' '.join(options)}", d_)
    assert done.returncode == 0, done.stderr[-2000:]
    return re.search(r"Destination: (\S.*)", done.stderr + done.stdout).group(1).strip()


def test_forged_ids_forged_times_and_garbage_gain_nothing_and_stop_nobody(course):
    d_ = course["deployment"]
    inbound = d_.exchange / d_.course_id / "inbound"
    own = _submit(course, BO)  # bo's own work
    time.sleep(1.1)
    forged = _submit(course, ADA, "--student", BO)  # ada hands in under bo's id
    later = _submit(course, ADA)
    # ada rewrites her own timestamp.txt to a time long before (she owns the folder)
    claim = as_student(ADA, f"echo '2020-01-01 00:00:00 UTC' > '{later}/timestamp.txt'", d_)
    assert claim.returncode == 0, claim.stderr
    garbage = as_student(BO, f"mkdir '{inbound}/x+hw1+garbage+y' && echo junk > '{inbound}/x+hw1+garbage+y/hw1.ipynb'",
                         d_)
    assert garbage.returncode == 0, garbage.stderr
    done = collect.from_exchange(d_.course, "hw1")
    refused = {x.folder: x for x in done.refusals}
    assert Path(forged).name in refused
    assert ADA in refused[Path(forged).name].reason
    assert BO in refused[Path(forged).name].reason
    assert "x+hw1+garbage+y" in refused
    assert done.counted[BO].folder == Path(own).name  # bo's own, not the forgery in his name
    assert done.counted[ADA].folder == Path(later).name
    when, problem = received_at(d_.course, ADA, "hw1")
    assert problem is None
    # the exchange's clock, not the claim of 2020 (the hub's service may have given the receipt
    # before the rewrite, with the claim as nbgrader wrote it: the notebook arrived then)
    assert abs(when - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=10)
    counted = done.counted[ADA]
    assert counted.claimed.startswith("2020") == counted.claim_disagrees()
    submitted = (d_.course / "submitted" / BO / "hw1" / "hw1.ipynb").read_bytes()
    assert receipts.digest(submitted) == done.counted[BO].notebooks["hw1.ipynb"]


def test_each_student_fetches_exactly_their_own_feedback(course):
    d_ = course["deployment"]
    for student in STUDENTS:
        if student not in collect.from_exchange(d_.course, "hw1").counted:
            _submit(course, student)
    collect.from_exchange(d_.course, "hw1")
    grade_class(d_.course, "hw1", workers=1, limits=FAST, progress=False)
    _nbgrader(d_, "release_feedback")
    for student in STUDENTS:
        done = as_student(student, "rm -rf hw1/feedback; nbgrader fetch_feedback hw1 && cat hw1/feedback/*/hw1.html",
                          d_)
        assert done.returncode == 0, done.stderr[-2000:]
        pages = done.stdout.split("<!doctype html>")[1:]
        assert pages, done.stderr[-2000:]
        for page in pages:  # one per submission of theirs that has feedback: all their own
            assert f"feedback for {student}" in page
            assert all(f"feedback for {other}" not in page for other in STUDENTS if other != student)


def _private_paths(d_) -> dict[str, Path]:
    """What the second student must not reach, each checked to exist (as root) so that a test of
    it can fail."""
    home = Path(f"~{ADA}").expanduser()
    found = {
        "ada's home": home,
        "ada's nbgrader cache (her submission secrets)": next(home.glob(".local/share/jupyter/nbgrader_cache/*/*/"
                                                                       "submission_secret.txt")),
        "ada's receipts": next(home.glob("receipts/*.json")),
        "the exchange's inbound listing": d_.exchange / d_.course_id / "inbound",
        "the released feedback listing": d_.exchange / d_.course_id / "feedback",
        "the course folder": d_.course,
        "the answer key": d_.course / "source" / "hw1" / "hw1.ipynb",
        "the gradebook": d_.course / "gradebook.db",
        "the reports": d_.course / "reports" / "hw1" / "grades.csv",
        "the receipts ledger": d_.course / "receipts" / "hw1" / f"{ADA}.json",
        "the course secret": secret_path(),
        "the repository's answer key": ROOT / "autograder" / "source" / "hw1" / "hw1.ipynb",
        "the references": ROOT / "dlcourse" / "grading" / "exercises" / "hw1.py",
    }
    for what, path in found.items():
        assert path.exists(), what
    return found


def test_a_second_students_account_reaches_nothing_of_another_or_of_the_instructor(course):
    d_ = course["deployment"]
    _submit(course, ADA)
    collect.from_exchange(d_.course, "hw1")
    grade_class(d_.course, "hw1", workers=1, limits=FAST, progress=False)
    for what, path in _private_paths(d_).items():
        command = f"ls '{path}'" if path.is_dir() else f"cat '{path}'"
        done = as_student(BO, command, d_)
        assert done.returncode != 0, f"{what}: {command} worked as {BO}:\n{done.stdout[:300]}"
        assert "Permission denied" in done.stderr, (what, done.stderr)
    for where in ("", f"PYTHONPATH={ROOT} "):
        done = as_student(BO, f"{where}python -c 'import dlcourse.grading.exercises'", d_)
        assert done.returncode != 0, f"{BO} imported the full dlcourse with {where or 'the students Python'}"
        assert "No module named 'dlcourse.grading'" in done.stderr, done.stderr
    done = as_student(BO, "python -c 'import dlcourse.layers'", d_)  # the student library itself is there
    assert done.returncode == 0, done.stderr


def test_a_student_cannot_remove_or_rename_anothers_submission(course):
    d_ = course["deployment"]
    theirs = Path(_submit(course, ADA))
    for command in (f"rm -rf '{theirs}'", f"mv '{theirs}' '{theirs.parent}/gone'"):
        done = as_student(BO, command, d_)
        assert done.returncode != 0, command
        assert theirs.is_dir()


def test_a_student_who_stops_every_process_they_may_signal_still_gets_receipts(course):
    """The receipt is written by a child with the student's rights but root's real uid: a student
    who sends SIGSTOP to all they can reach cannot stop it, so the service never hangs on them."""
    import subprocess

    stopper = subprocess.Popen(["runuser", "-u", BO, "--", "/usr/bin/python3", "-c",
                                "import os, signal, time\nwhile True:\n    try:\n        os.kill(-1, signal.SIGSTOP)\n"
                                "    except OSError:\n        pass\n    time.sleep(0.001)"])
    try:
        time.sleep(0.5)
        start = time.monotonic()
        written = receipts.deliver(BO, "probe.json", "{}\n")
        assert written is not None
        assert written.read_text() == "{}\n"
        assert time.monotonic() - start < 5
        assert written.stat().st_uid == __import__("pwd").getpwnam(BO).pw_uid
    finally:
        stopper.kill()
        stopper.wait()
