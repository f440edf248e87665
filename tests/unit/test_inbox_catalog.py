"""The staff pages' catalogs (domain "inbox"): up to date with the code, Dutch complete."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def ids(path: Path) -> set[str]:
    with path.open("rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


def test_template_matches_the_code(tmp_path: Path) -> None:
    """Every text of the templates and notifications is in inbox.pot (make i18n-inbox)."""
    out = tmp_path / "inbox.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "babel-inbox.cfg",
         "-k", "N_", "-k", "gettext:2", "-o", str(out), "--no-location", "."],
        cwd=ROOT, check=True,
    )
    assert ids(out) == ids(ROOT / "locales" / "inbox.pot")


def test_dutch_is_complete_and_keeps_placeholders() -> None:
    with (ROOT / "locales" / "nl" / "LC_MESSAGES" / "inbox.po").open("rb") as fh:
        catalog = read_po(fh)
    for m in catalog:
        if not m.id:
            continue
        assert m.string and not m.fuzzy, f"untranslated: {m.id!r}"
        if isinstance(m.id, str):
            assert set(PLACEHOLDER.findall(m.id)) == set(PLACEHOLDER.findall(m.string)), m.id
        else:  # singular and plural ("1 bericht", "2 berichten"): every form, with its number
            assert len(m.string) == 2 and all(m.string), m.id
            for form in m.string:
                assert set(PLACEHOLDER.findall(form)) == set(PLACEHOLDER.findall(m.id[1])), m.id
    assert ids(ROOT / "locales" / "nl" / "LC_MESSAGES" / "inbox.po") == ids(ROOT / "locales" / "inbox.pot")


def test_english_terms_have_words() -> None:
    """Ids like "status:open" are keys; English needs a real word for them, and both
    forms of every plural."""
    with (ROOT / "locales" / "en" / "LC_MESSAGES" / "inbox.po").open("rb") as fh:
        for m in read_po(fh):
            if isinstance(m.id, str) and re.fullmatch(r"[a-z]+:[a-z_]+", m.id):
                assert m.string, m.id
            elif m.id and not isinstance(m.id, str):
                assert all(m.string) and not m.fuzzy, m.id
    assert ids(ROOT / "locales" / "en" / "LC_MESSAGES" / "inbox.po") == ids(ROOT / "locales" / "inbox.pot")
