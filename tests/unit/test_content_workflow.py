"""The communications team's workflow on copies of the real content, broken on purpose."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.cli import main
from bot.i18n.workflow import ContentRepo
from harness.po_files import edit_po

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo(tmp_path: Path) -> ContentRepo:
    for part in ("content", "locales", "nlu"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("*.mo", "*.py", "__pycache__"))
    return ContentRepo(tmp_path)


def set_translation(repo: ContentRepo, locale: str, key: str, text: str | None, fuzzy: bool = False) -> None:
    edit_po(repo.po_path(locale), key, text, fuzzy)


def edit_source(repo: ContentRepo, old: str, new: str) -> None:
    text = repo.content_path.read_text(encoding="utf-8")
    assert old in text
    repo.content_path.write_text(text.replace(old, new, 1), encoding="utf-8")


def messages(repo: ContentRepo) -> list[str]:
    return [str(p) for p in repo.check()]


def test_real_content_passes(repo: ContentRepo) -> None:
    assert messages(repo) == []


def test_placeholder_that_differs_is_reported_with_file_line_locale_key(repo: ContentRepo) -> None:
    set_translation(repo, "ar", "utter_link_success", "أهلاً {name}!")
    (problem,) = [p for p in repo.check() if p.key == "utter_link_success"]
    assert problem.file == "locales/ar/LC_MESSAGES/wegwijs.po" and problem.locale == "ar"
    assert problem.line > 0 and "placeholders differ" in problem.message
    assert re.match(r"locales/ar/LC_MESSAGES/wegwijs.po:\d+: \[ar\] utter_link_success: ", str(problem))


@pytest.mark.parametrize(
    ("text", "finding"),
    [
        ("Hallo <b>daar</b>", "markup"),
        ("Bel 14 020 (gratis", "unbalanced ()"),
        ("x" * 5000, "Telegram allows 4096"),
        ("Zie http://www.belastingdienst.nl", "not https"),
    ],
)
def test_text_rules(repo: ContentRepo, text: str, finding: str) -> None:
    set_translation(repo, "nl", "utter_goodbye", text)
    assert any(finding in m and "utter_goodbye" in m for m in messages(repo)), messages(repo)


def test_button_without_title(repo: ContentRepo) -> None:
    edit_source(repo, 'title: "Insurance"', 'title: ""')
    assert any("button 'insurance' has no title" in m for m in messages(repo))


def test_a_button_title_too_long_for_telegrams_keyboard(repo: ContentRepo) -> None:
    """The English and the translations alike: above 64 characters a title is refused;
    64 passes (the longest today is 51)."""
    edit_source(repo, 'title: "Insurance"', f'title: "{"I" * 65}"')
    set_translation(repo, "ti", "button:yes", "ሀ" * 65)
    set_translation(repo, "ar", "button:no", "ب" * 64)
    found = messages(repo)
    assert any("[en] utter_language_set: button 'insurance': 65 characters; a button in Telegram's "
               "inline keyboard shows at most 64" in m for m in found), found
    assert any("[ti] button:yes: 65 characters" in m for m in found), found
    assert not any("button:no" in m for m in found)


def test_fact_without_source(repo: ContentRepo) -> None:
    edit_source(repo, "utter_thank:\n  text: You are welcome!", "utter_thank:\n  text: You are welcome! It costs €12 a month.")
    assert any("utter_thank" in m and "without a source" in m for m in messages(repo))


def test_fact_with_http_source_or_no_date(repo: ContentRepo) -> None:
    edit_source(repo, 'source: "https://www.svb.nl/nl/kinderbijslag"', 'source: "http://www.svb.nl/nl/kinderbijslag"')
    edit_source(repo, 'date: "2026-11"', 'date: "soon"')
    found = messages(repo)
    assert any("needs an https source" in m for m in found)
    assert any("needs a date" in m for m in found)


def test_fact_whose_review_by_day_passed_is_a_warning_not_a_failure(
    repo: ContentRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_source(repo, 'source: "https://www.svb.nl/nl/kinderbijslag", date: "2026-11"}',
                'source: "https://www.svb.nl/nl/kinderbijslag", date: "2026-11", review_by: "2020-01-31"}')
    assert messages(repo) == []  # not a problem: the fact may still be right
    (due,) = repo.due_for_review(today=date(2026, 11, 23))
    assert due.key == "utter_benefits/kinderbijslag" and due.review_by == "2020-01-31"
    assert due.source == "https://www.svb.nl/nl/kinderbijslag" and due.line > 0
    assert main(["content", "check", "--root", str(repo.root)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"content/responses.yml:\d+: \[en\] utter_benefits/kinderbijslag: warning: fact due for "
                     r"review since 2020-01-31", out), out
    assert "content check passed" in out and "1 fact(s) due for review" in out


def test_fact_due_on_its_review_by_day_and_not_before(repo: ContentRepo) -> None:
    edit_source(repo, 'source: "https://www.svb.nl/nl/kinderbijslag", date: "2026-11"}',
                'source: "https://www.svb.nl/nl/kinderbijslag", date: "2026-11", review_by: "2027-03-01"}')
    keys = lambda day: [d.key for d in repo.due_for_review(today=day)]  # noqa: E731
    assert "utter_benefits/kinderbijslag" not in keys(date(2027, 2, 28))
    assert "utter_benefits/kinderbijslag" in keys(date(2027, 3, 1))


def test_review_by_that_is_not_a_day_is_a_problem(repo: ContentRepo) -> None:
    edit_source(repo, 'source: "https://www.svb.nl/nl/kinderbijslag", date: "2026-11"}',
                'source: "https://www.svb.nl/nl/kinderbijslag", date: "2026-11", review_by: "next year"}')
    assert any("utter_benefits/kinderbijslag" in m and "review_by must be a day" in m for m in messages(repo))


def test_catalog_that_does_not_compile(repo: ContentRepo) -> None:
    path = repo.po_path("ti")
    path.write_text(path.read_text(encoding="utf-8") + '\nmsgid "broken\n', encoding="utf-8")
    assert any("ti" in m and "does not compile" in m for m in messages(repo))


def test_topic_with_examples_but_no_answer_and_the_reverse(repo: ContentRepo) -> None:
    text = repo.content_path.read_text(encoding="utf-8")
    start = text.index("utter_insurance/inboedel:")
    end = text.index("\nutter_insurance/unknown:")
    repo.content_path.write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    for locale in ("en", "nl", "ar", "ti", "fa_AF"):
        for nlu in (repo.nlu_dir / locale).glob("*.yml"):  # benefits.yml, latin.yml, …
            nlu.write_text(nlu.read_text(encoding="utf-8").replace("benefits/huurtoeslag", "benefits/woontoeslag"), encoding="utf-8")
    found = messages(repo)
    assert any("utter_insurance/inboedel: topic has training examples but no answer" in m for m in found)
    assert any("utter_benefits/huurtoeslag: answer has no training examples" in m for m in found)


def test_topic_examples_in_several_blocks_and_files_add_up(repo: ContentRepo) -> None:
    # Training data is split by topic and by source: a small block of a topic in another
    # file (or a second block in the same file) adds to the count, never replaces it.
    for locale in ("en", "nl", "ar", "ti", "fa_AF"):
        for path in (repo.nlu_dir / locale).glob("*.yml"):
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("- intent: insurance/inboedel\n", "- intent: insurance/inboedel_x\n"), encoding="utf-8")
        lines = "".join(f"    - inboedel vraag {i} {locale}\n" for i in range(5))
        block = f"- intent: insurance/inboedel\n  metadata:\n    language: {locale}\n  examples: |\n{lines}"
        for name in ("extra_a.yml", "extra_b.yml"):
            (repo.nlu_dir / locale / name).write_text(f'version: "3.1"\nnlu:\n{block}', encoding="utf-8")
    found = [m for m in messages(repo) if "utter_insurance/inboedel" in m or "insurance/inboedel:" in m]
    assert not [m for m in found if "training examples; at least 8" in m], found


def test_status_counts_and_oldest_outdated_first(repo: ContentRepo) -> None:
    set_translation(repo, "ti", "utter_thank", "")
    edit_source(repo, "Goodbye! You can come back any time.", "Goodbye! Come back whenever you like.")
    repo.update(today=date(2026, 10, 1))
    edit_source(repo, "Okay. What can I do for you?", "Fine. What can I do for you?")
    repo.update(today=date(2026, 11, 1))
    by_locale = {s.locale: s for s in repo.status()}
    assert by_locale["ti"].missing == 1
    for locale in ("ar", "ti", "fa_AF", "nl"):
        s = by_locale[locale]
        assert s.needs_review == 2
        assert [o["key"] for o in s.outdated] == ["utter_goodbye", "utter_ack"]
        assert s.outdated[0]["since"] == "2026-10-01"
        assert s.translated + s.missing + s.needs_review == s.total
    assert by_locale["en"].needs_review == 0
    # The old translation is kept for the translator, with the old English beside it.
    with repo.po_path("nl").open("rb") as fh:
        msg = next(m for m in read_po(fh) if m.context == "utter_goodbye")
    assert msg.fuzzy and msg.string.startswith("Tot ziens")
    po_text = repo.po_path("nl").read_text(encoding="utf-8")
    assert '#| msgid "Goodbye! You can come back any time.' in po_text  # shown by Poedit


def test_status_json_for_automation(repo: ContentRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "status", "--format", "json", "--root", str(repo.root)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["locale"] for d in data] == ["ar", "ti", "fa_AF", "en", "nl"]
    assert all(d["missing"] == 0 and d["needs_review"] == 0 for d in data)


def test_new_topic_scaffold_is_not_live_until_filled(repo: ContentRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "new-topic", "benefits/energietoeslag", "--root", str(repo.root)]) == 0
    out = capsys.readouterr().out
    assert "nlu/ti/benefits_energietoeslag.yml" in out and "locales/ar/LC_MESSAGES/wegwijs.po" in out
    for locale in ("ar", "ti", "fa_AF", "en", "nl"):
        assert (repo.nlu_dir / locale / "benefits_energietoeslag.yml").exists()
        with repo.po_path(locale).open("rb") as fh:
            assert any(m.context == "utter_benefits/energietoeslag" for m in read_po(fh))
    assert main(["content", "check", "--root", str(repo.root)]) == 1
    found = messages(repo)
    assert any("not written yet" in m for m in found)
    assert any("training examples still TODO" in m for m in found)
    assert main(["content", "new-topic", "benefits/energietoeslag", "--root", str(repo.root)]) == 2
    assert main(["content", "new-topic", "rent", "--root", str(repo.root)]) == 2


def test_new_topic_takes_every_answer_family_and_only_those(repo: ContentRepo) -> None:
    for family in ("benefits", "insurance", "inburgering", "practical"):
        todo = repo.new_topic(f"{family}/proefvraag")
        assert todo
        assert (repo.nlu_dir / "nl" / f"{family}_proefvraag.yml").exists()
    for wrong in ("housing/huurcontract", "term/beschikking", "practical/Hoofdletter", "practical"):
        with pytest.raises(ValueError):
            repo.new_topic(wrong)


def test_the_answer_families_are_the_domains_retrieval_intents() -> None:
    """FAQ_FAMILIES (new-topic, the editor's unanswered list, the evaluation) names exactly the
    domain's intents whose answers are `utter_<intent>/<topic>`, each with a rule to answer it."""
    from bot.i18n.content import FAQ_FAMILIES, load_responses
    from nlu.yamlio import load_yaml

    domain = load_yaml((ROOT / "domain.yml").read_text(encoding="utf-8"))
    intents = {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]}
    families = {key.removeprefix("utter_").split("/", 1)[0]
                for key in load_responses(ROOT / "content" / "responses.yml") if "/" in key}
    assert set(FAQ_FAMILIES) == families & intents
    for family in FAQ_FAMILIES:
        assert f"utter_{family}" in domain["actions"]
        assert f"utter_{family}/unknown" in load_responses(ROOT / "content" / "responses.yml")
