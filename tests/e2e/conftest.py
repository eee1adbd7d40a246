"""Real-browser fixtures: Playwright driving Debian's Chromium, headless, against live_server."""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import PASSWORD, second_factor_code

# Playwright's sync API runs an event loop in the test thread, so Django's ORM would refuse to
# run beside it (microsoft/playwright-pytest#29). Set for the test process only: the deployment
# check test strips it from the subprocesses it starts, and nothing else sets it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--no-first-run", "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: run `make test`, which installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page, request):
    ARTIFACTS.mkdir(exist_ok=True)

    def take(step):
        path = ARTIFACTS / f"{request.node.name}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(page, base_url, username, *, lands_on="Dashboard"):
    """Log in through the real login form and the second step, and wait for the page the role lands on."""
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Code").fill(second_factor_code(username))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=lands_on, exact=True)).to_be_visible()


def log_in_any_language(page, base_url, username, *, on_second_step=None):
    """Log in by field names rather than labels, for pages in any language; `on_second_step(page)`
    runs on the code page before the code is typed."""
    page.goto(f"{base_url}/login/")
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("input[name=code]")).to_be_visible()
    if on_second_step:
        on_second_step(page)
    page.locator("input[name=code]").fill(second_factor_code(username))
    page.locator("main form button[type=submit]").first.click()
