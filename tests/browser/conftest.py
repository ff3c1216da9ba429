"""Browser tests: Playwright for Python driving Debian's Chromium against a real server.

The server is uvicorn in a thread, on a free loopback port, over the test database (SQLite, and
PostgreSQL when configured). Where no Chromium is installed the tests skip and say so;
`.ci/run` installs it (`apt-get install chromium`), so in CI they always run.
"""

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "screenshots"
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}


def find_chromium() -> str | None:
    configured = os.environ.get("EVENTAPP_TEST_CHROMIUM")
    for candidate in [configured, *CHROMIUM_CANDIDATES, shutil.which("chromium")]:
        if candidate and Path(candidate).exists():
            return candidate
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path():
    path = find_chromium()
    if path is None:
        pytest.skip("No Chromium found (install Debian's: apt-get install chromium)")
    return path


@pytest.fixture
def live_server(app):
    """The app served by uvicorn on 127.0.0.1 in a background thread; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright_instance(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance, chromium_path):
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    )
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser):
    """`new_page(javascript=True, viewport=DESKTOP)`: a page in a fresh browser context."""
    contexts = []

    def make(*, javascript: bool = True, viewport: dict | None = None, locale: str = "en-GB"):
        context = browser.new_context(
            java_script_enabled=javascript, viewport=viewport or DESKTOP, locale=locale
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: errors.append(msg.text) if msg.type == "error" else None,
        )
        page.js_errors = errors
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    """Keep a full-page screenshot under screenshots/ for people to look at."""
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
