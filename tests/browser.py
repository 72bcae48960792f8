"""Chromium for the tests that drive pages in a browser (test_console.py, test_cross_origin.py).

A test that uses the ``browser`` fixture is skipped where no Chromium is found (``make install-browser``
installs Debian's), before any of its fixtures is set up, unless PERSONALIZE_LOCAL_REQUIRE_BROWSER=1
(CI) makes a missing Chromium a failure. Playwright drives that Chromium; it never downloads a browser.
"""
from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING, Iterator

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
# Its network features stay off.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
REQUIRE = "PERSONALIZE_LOCAL_REQUIRE_BROWSER"
# How long a page may take to show what a test waits for. Generous: training and page loads share two cores with
# the rest of the machine.
PATIENCE_MS = 120_000


def require_chromium() -> None:
    """Skip the test where there is no Chromium; fail it where one is required."""
    if os.path.exists(CHROMIUM):
        return
    reason = f"no Chromium found at {CHROMIUM}: run make install-browser (Debian's chromium), or set CHROMIUM to one"
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{reason} ({REQUIRE}=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium (tests/conftest.py has skipped the test already where there is none)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
