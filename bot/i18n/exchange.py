"""The exchange files (``content/responses.yml``, ``locales/<locale>/LC_MESSAGES/wegwijs.po``)
read into entries for the content store, and written back from them.

Writing back is byte-stable: an entry that was not changed since it was read is written
exactly as it was (its ``raw`` block in the YAML; Babel writes a catalog the way it read
it), so an export right after an import changes nothing in git. A changed English answer
is written as plain YAML in place of its old block; a block that used a YAML alias whose
anchor went with a changed block is written out in full too.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

from bot.i18n.content import Response, load_responses, source_messages
from bot.i18n.workflow import previous_ids_of

# The English source's rows in the store carry this locale; translations their own.
SOURCE = "source"
_ANCHOR = re.compile(r"(?:^|[\s:\-\[{,])&([A-Za-z0-9_-]+)")
_ALIAS = re.compile(r"(?:^|[\s:\-\[{,])\*([A-Za-z0-9_-]+)\s*$", re.MULTILINE)


@dataclass
class SourceEntry:
    """The English source of one answer, as the store keeps it."""

    key: str
    text: str
    buttons: list[dict[str, Any]] = field(default_factory=list)
    facts: list[dict[str, str]] = field(default_factory=list)
    note: str = ""
    choice_button: dict[str, str] | None = None
    raw: str | None = None

    def data(self) -> dict[str, Any]:
        """What the entry says (not how it was written): equal data, equal answer."""
        return {"text": self.text, "buttons": self.buttons, "facts": self.facts,
                "note": self.note, "choice_button": self.choice_button}


@dataclass
class Translation:
    """One catalog entry of one locale: the translation of ``source`` (English)."""

    context: str
    source: str
    text: str
    needs_review: bool = False
    user_comments: list[str] = field(default_factory=list)
    previous: str | None = None

    def data(self) -> dict[str, Any]:
        return {"source": self.source, "text": self.text, "needs_review": self.needs_review,
                "comments": {"user": self.user_comments, "previous": self.previous}}


def entry_from_response(r: Response, raw: str | None = None) -> SourceEntry:
    return SourceEntry(
        key=r.key,
        text=r.text,
        buttons=[{"id": b.id, "title": b.title, "payload": b.payload, "translate": b.translate}
                 for b in r.buttons],
        facts=[_fact(f) for f in r.facts],
        note=r.note,
        choice_button=({"title": r.choice_button.title, "payload": r.choice_button.payload}
                       if r.choice_button else None),
        raw=raw,
    )


def _fact(f: Any) -> dict[str, str]:
    out = {"claim": f.claim, "source": f.source, "date": f.date}
    if getattr(f, "review_by", ""):
        out["review_by"] = f.review_by
    return out


def response_from_entry(e: SourceEntry) -> Response:
    """The renderer's :class:`Response` of a stored entry (as ``load_responses`` makes)."""
    from bot.i18n.content import Button, Fact

    return Response(
        key=e.key,
        text=e.text,
        buttons=tuple(Button(id=str(b["id"]), title=str(b["title"]), payload=str(b["payload"]),
                             translate=bool(b.get("translate", True))) for b in e.buttons),
        # review_by (the day to check a fact again) only where a fact has one.
        facts=tuple(Fact(claim=f["claim"], source=f["source"], date=f["date"],
                         **({"review_by": f["review_by"]} if f.get("review_by") else {}))
                    for f in e.facts),
        note=e.note,
        choice_button=(Button(id=f"{e.key}:choice", title=e.choice_button["title"],
                              payload=e.choice_button["payload"], translate=False)
                       if e.choice_button else None),
    )


# The English source (YAML) ---------------------------------------------------------------


def _is_key_line(line: str) -> bool:
    return bool(line) and not line[0].isspace() and not line.startswith("#") and ":" in line


def split_source(text: str) -> tuple[dict[str, Any], dict[str, str]]:
    """(layout, raw block of each key). The layout: ``preamble`` (before the first key),
    ``order`` of keys, ``leads`` (comments and blank lines before each key) and ``trailer``."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if _is_key_line(line)]
    layout: dict[str, Any] = {"preamble": "", "order": [], "leads": {}, "trailer": ""}
    raws: dict[str, str] = {}
    if not starts:
        layout["preamble"] = text
        return layout, raws
    end_of_previous = 0
    for n, start in enumerate(starts):
        key = lines[start].split(":", 1)[0].strip()
        stop = starts[n + 1] if n + 1 < len(starts) else len(lines)
        # The block: the key line and its indented lines; comments and blank lines
        # after its last indented line lead the next key.
        last = start
        for i in range(start + 1, stop):
            if lines[i].strip() and (lines[i][0].isspace()):
                last = i
        lead = "".join(lines[end_of_previous:start])
        if n == 0:
            layout["preamble"], lead = lead, ""
        layout["order"].append(key)
        layout["leads"][key] = lead
        raws[key] = "".join(lines[start:last + 1])
        end_of_previous = last + 1
    layout["trailer"] = "".join(lines[end_of_previous:])
    return layout, raws


def read_source(path: Path) -> tuple[dict[str, Any], dict[str, SourceEntry]]:
    """The layout and every English entry of ``content/responses.yml`` (refuses what
    :func:`load_responses` refuses)."""
    text = path.read_text(encoding="utf-8")
    responses = load_responses(path)
    layout, raws = split_source(text)
    return layout, {key: entry_from_response(r, raws.get(key)) for key, r in responses.items()}


class _Literal(str):
    pass


def _literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style="|")


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, _literal)


def dump_entry(entry: SourceEntry) -> str:
    """One answer as plain YAML (for an entry changed in the store)."""
    spec: dict[str, Any] = {}
    if entry.note:
        spec["note"] = entry.note
    spec["text"] = _Literal(entry.text) if "\n" in entry.text else entry.text
    if entry.buttons:
        spec["buttons"] = [
            {k: v for k, v in b.items() if k != "translate" or v is False} for b in entry.buttons
        ]
    if entry.choice_button:
        spec["choice_button"] = dict(entry.choice_button)
    if entry.facts:
        spec["facts"] = [dict(f) for f in entry.facts]
    return yaml.dump({entry.key: spec}, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     width=100000, default_flow_style=False)


def write_source(layout: dict[str, Any], entries: dict[str, SourceEntry]) -> str:
    """``content/responses.yml`` from the layout and the entries (in the layout's order,
    new keys at the end); each entry as it was read unless it changed."""
    order = [k for k in layout.get("order", []) if k in entries]
    order += [k for k in entries if k not in set(order)]
    anchors: set[str] = set()
    parts = [layout.get("preamble", "")]
    for key in order:
        entry = entries[key]
        raw = entry.raw
        if raw is not None and any(a not in anchors for a in _ALIAS.findall(raw)):
            raw = None  # its anchor went with a changed block: write it out in full
        lead = layout.get("leads", {}).get(key, "\n" if len(parts) > 1 else "")
        if raw is None:
            parts.append(lead + dump_entry(entry))
        else:
            anchors.update(_ANCHOR.findall(raw))
            parts.append(lead + raw)
    if layout.get("trailer") is not None and parts[-1:] and not parts[-1].endswith("\n"):
        parts.append("\n")
    parts.append(layout.get("trailer", ""))
    return "".join(parts)


# The catalogs (.po) -------------------------------------------------------------------------


def read_catalog(path: Path, locale: str) -> tuple[dict[str, Any], dict[str, Translation]]:
    """The header (layout) and every translated entry of one catalog."""
    raw = path.read_bytes()
    catalog = read_po(io.BytesIO(raw), locale=locale, abort_invalid=True)
    previous = previous_ids_of(raw.decode("utf-8"))
    layout = {
        "header_comment": catalog.header_comment,
        "mime_headers": [list(h) for h in catalog.mime_headers],
        "fuzzy": bool(catalog.fuzzy),
    }
    out: dict[str, Translation] = {}
    for m in catalog:
        if not m.id or not isinstance(m.id, str) or not isinstance(m.string, str) or not m.string:
            continue
        out[m.context or ""] = Translation(
            context=m.context or "", source=m.id, text=m.string, needs_review=m.fuzzy,
            user_comments=list(m.user_comments), previous=previous.get(m.context or ""),
        )
    return layout, out


def write_catalog(layout: dict[str, Any], locale: str, sources: dict[str, SourceEntry],
                  translations: dict[str, Translation]) -> bytes:
    """One catalog: every message of the English source in its order (as ``wegwijs
    content update`` writes it), each with its translation; a translation of older
    English is kept, marked fuzzy ("needs review") with the old English beside it."""
    catalog = Catalog(locale=locale, fuzzy=bool(layout.get("fuzzy")))
    if layout.get("header_comment") is not None:
        catalog.header_comment = layout["header_comment"]
    if layout.get("mime_headers"):
        catalog.mime_headers = [tuple(h) for h in layout["mime_headers"]]
    responses = {k: response_from_entry(e) for k, e in sources.items()}
    for context, source, comments in source_messages(responses):
        msg = Message(source, context=context, auto_comments=comments)
        t = translations.get(context)
        if t is not None:
            msg.string = t.text
            msg.user_comments = list(t.user_comments)
            if t.needs_review or t.source != source:
                msg.flags = {"fuzzy"}
                previous = t.previous if t.source == source else t.source
                if previous:
                    msg.previous_id = [previous]
        catalog[source] = msg
    out = io.BytesIO()
    write_po(out, catalog, width=0, include_previous=True)
    return out.getvalue()
