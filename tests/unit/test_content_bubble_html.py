"""The editor's bubble as HTML (bot.content.preview.bubble_html): right-to-left text's
isolates become left-to-right <bdi>, a URL one box, a short Latin run on one line."""

from __future__ import annotations

from bot.content.preview import bubble_html
from bot.i18n.locales import LRI, PDI, RLM


def test_isolates_become_bdi_and_everything_else_is_escaped() -> None:
    text = (f"{RLM}قدّم الطلب: {LRI}https://www.toeslagen.nl{PDI} ({LRI}Mijn toeslagen{PDI}) "
            f"<b>&</b> {LRI}{'a' * 40}{PDI}")
    html = str(bubble_html(text))
    assert f'<bdi dir="ltr" class="url">{LRI}https://www.toeslagen.nl{PDI}</bdi>' in html
    assert f'(<bdi dir="ltr" class="ltr-run">{LRI}Mijn toeslagen{PDI}</bdi>)' in html
    assert f'<bdi dir="ltr" class="ltr">{LRI}{"a" * 40}{PDI}</bdi>' in html  # long: may wrap
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in html and "<b>" not in html
    assert html.count(LRI) == html.count("<bdi") == 3  # every isolate inside its <bdi>


def test_an_isolate_cannot_inject_markup() -> None:
    html = str(bubble_html(f"{LRI}<script>x</script>{PDI}"))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_text_without_isolates_is_only_escaped() -> None:
    assert str(bubble_html("Zorgtoeslag <3")) == "Zorgtoeslag &lt;3"
