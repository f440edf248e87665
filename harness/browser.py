"""Headless Chromium (Debian's package) for the browser tests, and logging in as staff."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[1] / "tests" / "artifacts"
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
    raise RuntimeError("Chromium not found: apt-get install chromium (make test does in CI)")


async def log_in(page, base_url: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    await page.goto(f"{base_url}/inbox/login")
    await page.fill('input[name="username"]', username)
    await page.fill('input[name="password"]', password)
    async with page.expect_navigation():
        await page.click('button[type="submit"]')
