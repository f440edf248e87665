"""The communications team's workflow: update catalogs, report status, check, scaffold.

Message ids are stable keys: context = response key, id = English source. When the
English text of a key changes, ``update`` keeps each translation but marks it fuzzy
("needs review"), remembers the old English (``#| msgid``) and the day it became
outdated (a translator comment ``outdated-since: YYYY-MM-DD``), so nothing breaks
silently and the oldest outdated answers can be shown first.
"""

from __future__ import annotations

import io
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.i18n.catalogs import DOMAIN
from bot.i18n.content import FAQ_FAMILIES, TOPIC_FORMS, Response, load_responses, source_messages
from bot.i18n.locales import LOCALES
from bot.i18n.reply_templates import FIELDS, PREFIX, unknown_fields
from bot.i18n.terms import load_terms, spoken_dari_problems, term_problems
from nlu.yamlio import load_yaml

OUTDATED = "outdated-since:"
TELEGRAM_LIMIT = 4096
# A button's title: Telegram draws each inline-keyboard button on one line and cuts a
# longer title with "…" (on a phone, one button a row, from about 40 characters); above
# this many the title is refused (the longest today, English, is 51).
BUTTON_TITLE_LIMIT = 64
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_URL = re.compile(r"\b(?:https?|ftp)://[^\s)]+", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
# Facts that must carry a source: money, percentages, years, phone numbers.
_FACT = re.compile(r"€\s?\d|\d\s?%|\b(?:19|20)\d\d\b|\b0800-\d{4}\b|\b14 ?020\b|\b11[23]\b")
_TOPIC = re.compile(rf"^({'|'.join(FAQ_FAMILIES)})/[a-z][a-z0-9_]*$")
# The answers that explain a word on letters, one per word of content/glossary.yml.
TERM_PREFIX = "utter_term/"
TODO = "TODO"


@dataclass
class Problem:
    file: str
    line: int
    locale: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: [{self.locale}] {self.key}: {self.message}"


@dataclass
class DueFact:
    """A fact whose review-by day has come: check its source again."""

    file: str
    line: int
    key: str
    claim: str
    source: str
    review_by: str

    def __str__(self) -> str:
        return (f"{self.file}:{self.line}: [en] {self.key}: warning: fact due for review since "
                f"{self.review_by}: {self.claim[:60]!r} (source: {self.source})")


@dataclass
class LocaleStatus:
    locale: str
    total: int
    translated: int
    missing: int
    needs_review: int
    outdated: list[dict] = field(default_factory=list)  # oldest first: key, since


@dataclass
class ContentRepo:
    """The content of one checkout: English source, catalogs, training examples."""

    root: Path
    content_file: Path | None = None
    locales_path: Path | None = None

    @property
    def content_path(self) -> Path:
        return self.content_file or self.root / "content" / "responses.yml"

    @property
    def locales_dir(self) -> Path:
        return self.locales_path or self.root / "locales"

    @property
    def nlu_dir(self) -> Path:
        return self.root / "nlu"

    def po_path(self, locale: str) -> Path:
        return self.locales_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    # Template and update ----------------------------------------------------------

    def template(self) -> Catalog:
        """Every message of the English source, as ``pybabel extract`` would write it."""
        catalog = Catalog(project="Wegwijs", copyright_holder="Gemeente Amsterdam")
        for context, source, comments in source_messages(load_responses(self.content_path)):
            catalog.add(source, context=context, auto_comments=comments)
        return catalog

    def update(self, today: date | None = None) -> dict[str, dict[str, int]]:
        """Carry the English source into the template and every catalog.

        New keys arrive empty; a key whose English changed keeps its translation, marked
        fuzzy with the day; keys no longer in the source are dropped. Returns counts.
        """
        today = today or date.today()
        template = self.template()
        with (self.locales_dir / f"{DOMAIN}.pot").open("wb") as fh:
            write_po(fh, template, width=0, omit_header=False)
        report = {}
        for locale in LOCALES:
            path = self.po_path(locale)
            old = _read(path, locale) if path.exists() else Catalog(locale=locale)
            previous = _previous_ids(path) if path.exists() else {}
            by_context = {m.context: m for m in old if m.id}
            new = Catalog(
                locale=locale,
                project="Wegwijs",
                copyright_holder="Gemeente Amsterdam",
                last_translator=old.last_translator,
                language_team=old.language_team,
                revision_date=old.revision_date,
                fuzzy=False,
            )
            counts = {"new": 0, "changed": 0, "removed": 0}
            for t in template:
                if not t.id:
                    continue
                prev = by_context.get(t.context)
                msg = Message(t.id, context=t.context, auto_comments=t.auto_comments)
                if prev is None:
                    counts["new"] += 1
                elif prev.id == t.id:
                    msg.string = prev.string
                    msg.flags = set(prev.flags)
                    msg.user_comments = list(prev.user_comments)
                    if prev.fuzzy and t.context in previous:
                        msg.previous_id = [previous[t.context]]
                else:
                    counts["changed"] += 1
                    msg.string = prev.string
                    if prev.string and locale != "en":
                        msg.flags = {"fuzzy"}
                        msg.previous_id = [prev.id]
                        msg.user_comments = [c for c in prev.user_comments if not c.startswith(OUTDATED)]
                        msg.user_comments.append(f"{OUTDATED} {today.isoformat()}")
                new[t.id] = msg
            counts["removed"] = len(set(by_context) - {t.context for t in template if t.id})
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as fh:
                write_po(fh, new, width=0, include_previous=True)
            report[locale] = counts
        return report

    # Status --------------------------------------------------------------------------

    def status(self) -> list[LocaleStatus]:
        template = self.template()
        keys = [(m.context, m.id) for m in template if m.id]
        out = []
        for locale in LOCALES:
            catalog = _read(self.po_path(locale), locale)
            translated = missing = review = 0
            outdated = []
            for ctx, msgid in keys:
                m = catalog.get(msgid, context=ctx)
                if locale == "en":
                    translated += 1  # English is the source language
                elif m is None or not m.string:
                    missing += 1
                elif m.fuzzy:
                    review += 1
                    since = next(
                        (c.split(":", 1)[1].strip() for c in m.user_comments if c.startswith(OUTDATED)),
                        "unknown",
                    )
                    outdated.append({"key": ctx, "since": since})
                else:
                    translated += 1
            outdated.sort(key=lambda o: o["since"])
            out.append(LocaleStatus(locale, len(keys), translated, missing, review, outdated))
        return out

    # Check ---------------------------------------------------------------------------

    def check(self) -> list[Problem]:
        problems: list[Problem] = []
        content_file = self.rel(self.content_path)
        try:
            responses = load_responses(self.content_path)
        except (ValueError, KeyError, yaml.YAMLError) as exc:
            return [Problem(content_file, 0, "en", "-", f"content file does not load: {exc}")]
        problems += self._check_source(responses, content_file)
        problems += self._check_catalogs(responses)
        problems += self._check_topics(responses, content_file)
        problems += self._check_terms()
        problems += self._check_glossary(responses)
        return problems

    def _check_terms(self) -> list[Problem]:
        """Each translation calls a term by the term base's one name (content/terms.yml),
        and the Dari answers are in the written register."""
        path = self.content_path.parent / "terms.yml"
        if not path.exists():
            return []
        try:
            terms = load_terms(path)
        except (ValueError, yaml.YAMLError) as exc:
            return [Problem(self.rel(path), 0, "en", "-", f"term base does not load: {exc}")]
        out = []
        for locale, catalog in self._readable_catalogs().items():
            po = self.po_path(locale)
            for m in catalog:
                if not m.id or not isinstance(m.id, str) or not isinstance(m.string, str) or not m.string:
                    continue
                found = term_problems(terms, locale, m.id, m.string)
                if locale == "fa_AF":
                    found += spoken_dari_problems(m.string)
                out += [Problem(self.rel(po), m.lineno or 0, locale, m.context or "-", f) for f in found]
        return out

    def _readable_catalogs(self) -> dict[str, Catalog]:
        """Every locale's catalog that reads (a missing or broken one is reported by
        ``_check_catalogs``), read once for the checks that look at translations."""
        out = {}
        for locale in LOCALES:
            po = self.po_path(locale)
            if not po.exists():
                continue
            try:
                out[locale] = _read(po, locale)
            except Exception:  # noqa: BLE001 - reported by _check_catalogs
                continue
        return out

    def _check_glossary(self, responses: dict[str, Response]) -> list[Problem]:
        """The words on letters (content/glossary.yml, intent ``explain_term``): each word
        has its answer ``utter_term/<key>`` (or names a topic's answer with ``answer:``) and
        each such answer a word; no spelling is shared by two words; every text of the
        answer names the Dutch word."""
        path = self.content_path.parent / "glossary.yml"
        if not path.exists():
            return []
        file = self.rel(path)
        try:
            data = load_yaml(path.read_text(encoding="utf-8")) or {}
            terms = data.get("terms") or {}
            if not isinstance(terms, dict):
                raise ValueError("`terms` must map each word's key to its fields")
        except (ValueError, yaml.YAMLError) as exc:
            return [Problem(file, 0, "en", "-", f"glossary does not load: {exc}")]
        from nlu.glossary import tokens

        out: list[Problem] = []
        catalogs = {loc: c for loc, c in self._readable_catalogs().items() if loc != "en"}
        owner: dict[str, str] = {}
        for key, spec in terms.items():
            forms = (spec or {}).get("typed_as") if isinstance(spec, dict) else None
            if not isinstance(forms, list) or not forms or not all(isinstance(f, str) and f.strip() for f in forms):
                out.append(Problem(file, 0, "en", str(key), "typed_as must list the word as it is on letters, then other spellings"))
                continue
            for form in forms:
                joined = "".join(tokens(form))
                if owner.setdefault(joined, str(key)) != str(key):
                    out.append(Problem(file, 0, "en", str(key), f"the spelling {form!r} is also a spelling of {owner[joined]!r}"))
            answer = spec.get("answer")
            if answer and answer not in responses:
                out.append(Problem(file, 0, "en", str(key), f"its answer {answer!r} is not in {self.rel(self.content_path)}"))
            elif answer and f"{TERM_PREFIX}{key}" in responses:
                out.append(Problem(file, 0, "en", str(key), f"two answers: {answer!r} and {TERM_PREFIX}{key}; keep one"))
            elif not answer and f"{TERM_PREFIX}{key}" not in responses:
                out.append(Problem(file, 0, "en", str(key), f"no answer {TERM_PREFIX}{key} in {self.rel(self.content_path)}"))
        for rkey, r in responses.items():
            if not rkey.startswith(TERM_PREFIX):
                continue
            key = rkey[len(TERM_PREFIX):]
            if key not in terms:
                out.append(Problem(self.rel(self.content_path), r.line, "en", rkey, f"no word {key!r} in {file}"))
                continue
            word = str((terms[key] or {}).get("typed_as", [""])[0] or "")
            if word and word.lower() not in r.text.lower():
                out.append(Problem(self.rel(self.content_path), r.line, "en", rkey, f"the answer does not name the Dutch word {word!r}"))
            for locale, catalog in catalogs.items():
                m = catalog.get(r.text, context=rkey)
                if m and isinstance(m.string, str) and m.string and word.lower() not in m.string.lower():
                    out.append(Problem(self.rel(self.po_path(locale)), m.lineno or 0, locale, rkey,
                                       f"the translation does not name the Dutch word {word!r} (in brackets)"))
        return out

    def _check_source(self, responses: dict[str, Response], file: str) -> list[Problem]:
        return [Problem(file, r.line, "en", r.key, msg)
                for r in responses.values() for msg in source_problems(r)]

    def _check_catalogs(self, responses: dict[str, Response]) -> list[Problem]:
        out = []
        template = self.template()
        for locale in LOCALES:
            path = self.po_path(locale)
            file = self.rel(path)
            if not path.exists():
                out.append(Problem(file, 0, locale, "-", "catalog is missing"))
                continue
            try:
                catalog = _read(path, locale, strict=True)
                write_mo(io.BytesIO(), catalog)
            except Exception as exc:  # noqa: BLE001 - any parse error is the finding
                out.append(Problem(file, 0, locale, "-", f"catalog does not compile: {exc}"))
                continue
            for m in catalog:
                if not m.id:
                    continue
                line = m.lineno or 0
                text = m.string if locale != "en" else (m.string or m.id)
                if not isinstance(text, str):
                    out.append(Problem(file, line, locale, m.context or "-", "plural forms are not used here"))
                    continue
                if template.get(m.id, context=m.context) is None:
                    out.append(Problem(file, line, locale, m.context or "-",
                                       "not in the English source any more: run `make i18n-update`"))
                if not text:
                    continue
                found = text_problems(m.id, text)
                if m.context and is_button_context(m.context):
                    found += button_title_problems(text)
                out += [Problem(file, line, locale, m.context or "-", msg) for msg in found]
        return out

    def _check_topics(self, responses: dict[str, Response], file: str) -> list[Problem]:
        out = []
        trained: dict[str, dict[str, int]] = {}
        todo_files = []
        for path in sorted(self.nlu_dir.glob("*/*.yml")):
            data = load_yaml(path.read_text(encoding="utf-8")) or {}
            for block in data.get("nlu") or []:
                intent = block.get("intent") or ""
                examples = [e for e in (block.get("examples") or "").splitlines() if e.strip().startswith("- ")]
                if "/" in intent:
                    per_locale = trained.setdefault(intent, {})
                    per_locale[path.parent.name] = per_locale.get(path.parent.name, 0) + len(examples)
                if any(TODO in e for e in examples):
                    todo_files.append((path, intent))
        answers = {k.removeprefix("utter_") for k in responses if _TOPIC.match(k.removeprefix("utter_"))}
        answers -= {k for k in answers if k.endswith("/unknown")}
        for topic in sorted(set(trained) - answers):
            out.append(Problem(file, 0, "en", f"utter_{topic}", "topic has training examples but no answer"))
        for topic in sorted(answers - set(trained)):
            r = responses[f"utter_{topic}"]
            out.append(Problem(file, r.line, "en", r.key, "answer has no training examples"))
        for topic in sorted(answers & set(trained)):
            for locale in LOCALES:
                n = trained[topic].get(locale, 0)
                if n < 8:
                    out.append(Problem(f"nlu/{locale}", 0, locale, topic, f"{n} training examples; at least 8 needed"))
        for path, intent in todo_files:
            out.append(Problem(self.rel(path), 0, path.parent.name, intent, "training examples still TODO"))
        return out

    # Facts due for review ----------------------------------------------------------

    def due_for_review(self, today: date | None = None,
                       responses: dict[str, Response] | None = None) -> list[DueFact]:
        """Facts whose review-by day is today or has passed, the longest overdue first;
        of ``responses`` when given (the content store's published answers), else the file's.

        Not a problem that fails the check (the fact may still be right), but a warning:
        someone must look at the source again and set a new review-by day.
        """
        today = today or date.today()
        if responses is None:
            try:
                responses = load_responses(self.content_path)
            except (ValueError, KeyError, yaml.YAMLError):
                return []  # `check` reports a content file that does not load
        due = [
            DueFact(self.rel(self.content_path), r.line, r.key, f.claim, f.source, f.review_by)
            for r in responses.values()
            for f in r.facts
            if _is_day(f.review_by) and date.fromisoformat(f.review_by) <= today
        ]
        return sorted(due, key=lambda d: (d.review_by, d.key))

    # Scaffold ------------------------------------------------------------------------

    def new_topic(self, topic: str) -> list[str]:
        """Add an FAQ topic everywhere it must be; returns what is still to be filled."""
        if not _TOPIC.match(topic):
            raise ValueError(f"a topic is one of {TOPIC_FORMS}; name in a-z, 0-9, _")
        key = f"utter_{topic}"
        if key in load_responses(self.content_path):
            raise ValueError(f"{topic} exists already")
        with self.content_path.open("a", encoding="utf-8") as fh:
            fh.write(
                f"\n{key}:\n"
                f"  text: {TODO} write the answer in English (short, B1, the Dutch term in brackets, the next step)\n"
                f"  facts:\n"
                f"    - {{claim: \"{TODO}\", source: \"https://{TODO}\", date: \"{TODO}\"}}\n"
            )
        self.update()
        todo = [f"{self.rel(self.content_path)}: the English answer of {key} and its facts"]
        name = topic.replace("/", "_")
        for locale in LOCALES:
            path = self.nlu_dir / locale / f"{name}.yml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                'version: "3.1"\nnlu:\n'
                f"- intent: {topic}\n  metadata:\n    language: {locale}\n  examples: |\n"
                + "".join(f"    - {TODO} question {i} as people type it\n" for i in range(1, 9)),
                encoding="utf-8",
            )
            todo.append(f"{self.rel(path)}: at least 8 questions in {locale}")
            if locale != "en":
                todo.append(f"{self.rel(self.po_path(locale))}: the translation of {key}")
        todo.append("then `wegwijs content check` must pass, and `make train`")
        return todo


def source_problems(r: Response) -> list[str]:
    """What is wrong with one English answer (empty: nothing): the rules of the check and
    of the content store's publication."""
    out: list[str] = []
    p = out.append
    if not r.text.strip() or TODO in r.text:
        p("the English answer is not written yet (empty or TODO)")
    for b in r.buttons:
        if not b.title.strip():
            p(f"button {b.id!r} has no title")
        elif len(b.title) > BUTTON_TITLE_LIMIT:
            p(f"button {b.id!r}: {button_title_problems(b.title)[0]}")
        if not b.payload.strip():
            p(f"button {b.id!r} has no payload")
    if r.key.startswith(PREFIX) and unknown_fields(r.text):
        allowed = ", ".join("{" + f + "}" for f in FIELDS)
        unknown = ", ".join("{" + f + "}" for f in unknown_fields(r.text))
        p(f"a reply template can only use {allowed}; not {unknown}")
    if _FACT.search(r.text) and not r.facts:
        p("states an amount, year or phone number without a source: add `facts`")
    for f in r.facts:
        if not f.source.startswith("https://") or TODO in f.source:
            p(f"fact {f.claim[:40]!r} needs an https source")
        if not re.match(r"^\d{4}(-\d\d){0,2}$", f.date):
            p(f"fact {f.claim[:40]!r} needs a date (YYYY, YYYY-MM or YYYY-MM-DD)")
        if f.review_by and not _is_day(f.review_by):
            p(f"fact {f.claim[:40]!r}: review_by must be a day (YYYY-MM-DD), not {f.review_by!r}")
        if TODO in f.claim:
            p("a fact is still TODO")
    return out


def _is_day(value: str) -> bool:
    if not re.match(r"^\d{4}-\d\d-\d\d$", value or ""):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _read(path: Path, locale: str, strict: bool = False) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale, abort_invalid=strict)


def _unquote(s: str) -> str:
    from babel.messages.pofile import unescape

    return unescape(s.strip())


def _previous_ids(path: Path) -> dict[str, str]:
    """``#| msgid`` of each fuzzy entry, by context (Babel writes them but does not read them)."""
    return previous_ids_of(path.read_text(encoding="utf-8"))


def previous_ids_of(text: str) -> dict[str, str]:
    """``#| msgid`` of each fuzzy entry of a catalog's text, by context."""
    out: dict[str, str] = {}
    pending: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("#| msgid "):
            pending = [_unquote(line[len("#| msgid "):])]
        elif line.startswith('#| "') and pending is not None:
            pending.append(_unquote(line[3:]))
        elif line.startswith("msgctxt ") and pending is not None:
            out[_unquote(line[len("msgctxt "):])] = "".join(pending)
            pending = None
        elif line.startswith("msgid "):
            pending = None
    return out


def is_button_context(context: str) -> bool:
    """A button's title in a catalog: ``button:<id>`` or ``<key>:choice``."""
    return context.startswith("button:") or context.endswith(":choice")


def button_title_problems(title: str) -> list[str]:
    """What is wrong with a button's title beyond :func:`text_problems`: none, or too
    long for Telegram's inline keyboard."""
    if not title.strip():
        return ["the button has no title"]
    if len(title) > BUTTON_TITLE_LIMIT:
        return [f"{len(title)} characters; a button in Telegram's inline keyboard shows "
                f"at most {BUTTON_TITLE_LIMIT}"]
    return []


def text_problems(source: str, text: str) -> list[str]:
    problems = []
    src, dst = set(_PLACEHOLDER.findall(source)), set(_PLACEHOLDER.findall(text))
    if src != dst:
        problems.append(
            f"placeholders differ from the English: {sorted(src)} there, {sorted(dst)} here"
        )
    if _TAG.search(text):
        problems.append("contains HTML-like markup; write plain text")
    for open_, close in (("(", ")"), ("[", "]"), ("«", "»")):
        if text.count(open_) != text.count(close):
            problems.append(f"unbalanced {open_}{close}")
    if len(text) > TELEGRAM_LIMIT:
        problems.append(f"{len(text)} characters; Telegram allows {TELEGRAM_LIMIT}")
    for url in _URL.findall(text):
        if not url.lower().startswith("https://"):
            problems.append(f"URL is not https: {url}")
    return problems


def status_table(statuses: list[LocaleStatus]) -> str:
    lines = [f"{'locale':8} {'total':>6} {'translated':>11} {'missing':>8} {'needs review':>13}"]
    for s in statuses:
        lines.append(f"{s.locale:8} {s.total:>6} {s.translated:>11} {s.missing:>8} {s.needs_review:>13}")
    for s in statuses:
        for o in s.outdated:
            lines.append(f"  [{s.locale}] outdated since {o['since']}: {o['key']}")
    return "\n".join(lines)


def status_json(statuses: list[LocaleStatus]) -> list[dict]:
    return [asdict(s) for s in statuses]
