"""Without Chromium, `make test` skips the tests that need a browser, saying why; with
PERSONALIZE_LOCAL_REQUIRE_BROWSER=1 (CI) they fail instead. One console test is run in a pytest of its own."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .browser import REQUIRE

ROOT = Path(__file__).resolve().parents[1]
# A console test in the browser: skipped before its fixtures (a server, a training) are set up.
IN_A_BROWSER = "tests/test_console.py::test_related_items_for_an_item"


def run_without_chromium(**env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != REQUIRE}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rsE", "-p", "no:cacheprovider", IN_A_BROWSER],
        cwd=ROOT, env={**environ, "CHROMIUM": "/nonexistent/chromium", **env}, capture_output=True, text=True, timeout=300,
    )


def test_without_chromium_a_browser_test_is_skipped_saying_why() -> None:
    run = run_without_chromium()
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 skipped" in run.stdout
    assert "no Chromium found at /nonexistent/chromium: run make install-browser" in run.stdout


def test_without_chromium_where_one_is_required_a_browser_test_fails() -> None:
    run = run_without_chromium(**{REQUIRE: "1"})
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 error" in run.stdout and "skipped" not in run.stdout
    assert f"no Chromium found at /nonexistent/chromium: run make install-browser (Debian's chromium), or set CHROMIUM to one ({REQUIRE}=1)" in run.stdout
