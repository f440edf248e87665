"""Headless Chromium (Debian's package) driven by Playwright, against the running stack."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from harness.browser import ARTIFACTS, CHROMIUM_FLAGS, chromium_path


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
