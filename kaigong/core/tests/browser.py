"""What the browser tests share: Debian's chromium driven by Playwright (never `playwright install`).

A browser test module imports this first: the module is skipped when chromium or Playwright is missing. The
``browser`` fixture lives in the root conftest.py (it imports Playwright only when a browser test asks for it).
"""

import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
if not CHROMIUM:
    pytest.skip("chromium is not installed", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

PASSWORD = "pass-1234-word"  # UserFactory's
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


def new_page(browser, live_server, **context_options):
    """A page in a fresh browser context (its own cookies) on the live server, in Chinese. ``page.problems``
    collects script errors and failed requests (a missing static file, a 500 behind htmx) for the test to check."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", accept_downloads=True, **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    page.on(
        "response",
        lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico") and problems.append(f"{r.status} {r.url}"),
    )
    page.problems = problems
    return page


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator(".user-chip")).to_be_attached()
