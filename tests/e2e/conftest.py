"""Headless Chromium (Debian's package) driven by Playwright, against the running stack."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("Chromium not found: apt-get install chromium (make test does in CI)")


@pytest.fixture
async def page() -> AsyncIterator:  # type: ignore[type-arg]
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        context = await browser.new_context(viewport={"width": 420, "height": 860})
        page = await context.new_page()
        yield page
        await context.close()
        await browser.close()


@pytest.fixture
async def browser_context():  # type: ignore[no-untyped-def]
    """Makes pages with their own browser context options (e.g. HTTP credentials)."""
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)

        async def make(**options):  # type: ignore[no-untyped-def]
            context = await browser.new_context(viewport={"width": 1400, "height": 900}, **options)
            return await context.new_page()

        yield make
        await browser.close()
