"""Headless Chromium for tests: Debian's /usr/bin/chromium driven by Playwright.

Playwright's own browser download does not work here, so the system Chromium is
launched directly. The `browser` fixture is registered once, in conftest.py (two
session-wide Playwright instances cannot run side by side). In a test module:

    from browser import visit

    def test_something(browser, live_server):
        with visit(browser, f"{live_server}/?q=x") as (page, problems):
            assert page.title() and not problems
"""
from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """A Playwright Browser (Chromium), shared by the whole test session."""
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@contextmanager
def visit(browser, url: str, bypass_csp: bool = False, context_options: dict | None = None):
    """Load `url` in a fresh browser context; yields (page, problems), then closes it.

    `problems` collects console errors (CSP violations among them), page errors and
    JavaScript dialogs (alert/confirm/prompt, which are dismissed), as text.
    With `bypass_csp` the page's Content-Security-Policy is ignored, to test that
    escaping alone keeps hostile text from running.
    """
    context = browser.new_context(bypass_csp=bypass_csp, java_script_enabled=True,
                                  **(context_options or {}))
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    def on_dialog(dialog):
        problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        response = page.goto(url, wait_until="load")
        if response is None:
            problems.append("no response")
        yield page, problems
    finally:
        context.close()
