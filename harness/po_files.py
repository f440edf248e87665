"""Editing a catalog the way a translator would, for tests."""

from __future__ import annotations

import os
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def edit_po(path: Path, context: str, new_text: str | None, fuzzy: bool = False) -> None:
    """Set the translation of ``context`` (None keeps it) and optionally mark it fuzzy."""
    with path.open("rb") as fh:
        catalog = read_po(fh)
    for msg in catalog:
        if msg.context == context:
            if new_text is not None:
                msg.string = new_text
            if fuzzy:
                msg.flags.add("fuzzy")
    with path.open("wb") as fh:
        write_po(fh, catalog, width=0)
    # Make sure the change is visible even on file systems with coarse timestamps.
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
