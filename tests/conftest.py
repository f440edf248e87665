"""Shared fixtures: copies of content and catalogs that a test may edit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def content_copy(tmp_path: Path) -> tuple[Path, Path]:
    """(responses.yml, locales dir) copied into a temporary directory."""
    content = tmp_path / "responses.yml"
    shutil.copy(ROOT / "content" / "responses.yml", content)
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", locales, ignore=shutil.ignore_patterns("*.mo"))
    return content, locales
