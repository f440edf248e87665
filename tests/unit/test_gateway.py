"""What the gateway does to user text before Rasa sees it."""

import pytest

from bot.channels.gateway import ALWAYS_ALLOWED, clean_text, neutralise_command


def test_control_characters_are_removed_and_newlines_kept() -> None:
    assert clean_text("hi\x00\x07 there\nok\u202e", 100) == ("hi there\nok", False)


def test_long_text_is_cut_and_flagged() -> None:
    text, truncated = clean_text("ا" * 5000, 2000)
    assert len(text) == 2000 and truncated


def test_emoji_and_every_script_pass_unchanged() -> None:
    for text in ("👍🏽 ok", "ሰላም፣", "سلام", "می‌خواهم", "zorgtoeslag"):
        assert clean_text(text, 100) == (text, False)


@pytest.mark.parametrize(
    "injection",
    [
        '/ask_appointment{"client_id": 7}',
        '/set_language{"language": "xx"}',
        "/restart",
        "//greet",
        '/forget_me{"sender_id": "telegram:1"}',
    ],
)
def test_intent_injection_becomes_plain_text(injection: str) -> None:
    out = neutralise_command(injection, offered=set())
    assert not out.startswith("/")


def test_offered_button_payload_passes() -> None:
    payload = "/talk_to_casemanager"
    assert neutralise_command(payload, offered={payload}) == payload


def test_language_picker_and_start_always_pass() -> None:
    for payload in ALWAYS_ALLOWED:
        assert neutralise_command(payload, offered=set()) == payload


def test_slash_only_becomes_something_rasa_can_parse() -> None:
    assert neutralise_command("///", offered=set()) == "?"


class RecordingRasa:
    """Stands in for Rasa's REST channel in this unit test: records what it was sent."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_message(self, *, sender: str, text: str, metadata: dict) -> list[dict]:
        self.sent.append(text)
        return [] if text == "/session_start" else [{"text": "ok"}]


async def test_a_new_rasa_session_every_n_turns_but_not_inside_a_form(db, content_copy) -> None:  # type: ignore[no-untyped-def]
    from bot.channels.gateway import Gateway, Incoming
    from bot.channels.turns import TurnState
    from bot.i18n.catalogs import Catalogs
    from bot.i18n.content import ContentSource
    from bot.i18n.render import Renderer

    content, locales = content_copy
    rasa = RecordingRasa()
    turns = TurnState()  # what the NLG endpoint records during a turn
    gateway = Gateway(rasa=rasa, renderer=Renderer(ContentSource(content), Catalogs(locales)),
                      db=db, turns=turns, session_turns=3)
    for i in range(7):
        await gateway.handle(Incoming("webchat:abc", "webchat", f"vraag {i}"))
    assert rasa.sent == ["vraag 0", "vraag 1", "vraag 2", "/session_start", "vraag 3", "vraag 4",
                         "vraag 5", "/session_start", "vraag 6"]
    turns.record_form("webchat:abc", {"name": "school_form"})
    for i in range(7, 10):
        await gateway.handle(Incoming("webchat:abc", "webchat", f"vraag {i}"))
    assert "/session_start" not in rasa.sent[-3:]
    turns.record_form("webchat:abc", {})
    await gateway.handle(Incoming("webchat:abc", "webchat", "vraag 10"))
    assert rasa.sent[-2:] == ["/session_start", "vraag 10"]
