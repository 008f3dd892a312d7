"""Playwright for Python driving Debian's chromium (apt package `chromium`; never `playwright install`).

Tests that use `page` skip with a message naming the package when /usr/bin/chromium is missing. Screenshots go to
$RENKEI_SCREENSHOTS (`make test` sets build/screenshots), else to the test's temporary directory.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser() -> Iterator[Any]:
    """One chromium per test: the sync API keeps an event loop on this thread while it runs, which must not be
    left running under tests that call asyncio.run (pyHanko's signing in jpki does)."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip(
            "Debian package chromium is not installed (apt-get install -y chromium fonts-ipafont-gothic)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Python package playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    folder = Path(os.environ.get("RENKEI_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^A-Za-z0-9_]+", "_", request.node.name)

    def take(page: Any, name: str) -> Path:
        path = folder / f"{test}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
