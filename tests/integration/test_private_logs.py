"""Personal data never reaches a log, through the real processes.

A stack of its own runs every process at DEBUG, where Rasa writes each message it receives
into its log: people send BSNs (elfproef, in several notations and scripts), IBANs, phone
numbers, e-mail addresses, V-numbers and link codes on the web chat and on Telegram in all
five locales, and none of them appears in the captured output of the app, Rasa or the
action server — while the words around them do (so the messages did reach the logs). On
the shared stack (INFO, as in production) no message text appears at all.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.i18n.locales import LOCALES
from bot.linkcodes import new_code
from harness.stack import Stack
from harness.telegram_updates import TelegramUser, message
from harness.waiting import eventually
from harness.webchat import ChatClient, db_path

pytestmark = pytest.mark.stack

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ("app", "rasa", "actions")
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def new_bsn() -> str:
    """Nine random digits that pass the elfproef."""
    while True:
        digits = [random.randint(0, 9) for _ in range(8)]
        if digits[0] == 0:
            continue
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


def new_iban() -> str:
    """A Dutch IBAN with a valid checksum."""
    bank, account = "ABNA", "".join(random.choices("0123456789", k=10))
    numeric = "".join(str(int(c, 36)) for c in bank + account + "NL00")
    return f"NL{98 - int(numeric) % 97:02d}{bank}{account}"


@dataclass
class Secrets:
    """The personal data one message carries, as typed and as it might be logged."""

    bsn: str
    iban: str
    phone: str
    email: str
    v_number: str
    code: str

    @classmethod
    def new(cls) -> Secrets:
        return cls(
            bsn=new_bsn(), iban=new_iban(), phone="06" + "".join(random.choices("0123456789", k=8)),
            email=f"sara.{secrets.token_hex(3)}@example.org",
            v_number=str(random.randint(1_000_000_000, 9_999_999_999)), code=new_code(),
        )

    def forbidden(self) -> set[str]:
        """Every form in which one of them would give a person away: as typed, in
        Arabic-Indic and Persian digits, and JSON-escaped."""
        digits = {self.bsn, self.phone, self.phone[1:], self.v_number, self.iban[4:]}
        scripts = {d.translate(t) for d in digits for t in (ARABIC_DIGITS, PERSIAN_DIGITS)}
        escaped = {json.dumps(d)[1:-1] for d in scripts}
        return digits | scripts | escaped | {
            self.iban, self.email, self.code, self.code.replace("-", "")}


def sentence(locale: str, s: Secrets, marker: str) -> str:
    """What a person might write, in the locale's own words and notation. (Without the
    link code: a message with a code is redeemed by the app and reaches Rasa as
    ``/link_account``; codes go in a message of their own, see :func:`code_message`.)"""
    bsn_dotted = f"{s.bsn[:3]}.{s.bsn[3:6]}.{s.bsn[6:]}"
    iban_spaced = " ".join(s.iban[i:i + 4] for i in range(0, len(s.iban), 4))
    phone_intl = f"+31 6 {s.phone[2:6]} {s.phone[6:]}"
    if locale == "ar":
        return (f"{marker} رقم البي اس ان تبعي {s.bsn.translate(ARABIC_DIGITS)} والايبان {s.iban} "
                f"وتلفوني {s.phone} وايميلي {s.email} ورقم V {s.v_number}")
    if locale == "fa_AF":
        return (f"{marker} شماره بی اس ان من {s.bsn.translate(PERSIAN_DIGITS)} است، آیبان {iban_spaced}، "
                f"تلفون {phone_intl}، ایمیل {s.email}، وی-نمبر {s.v_number}")
    if locale == "ti":
        return (f"{marker} ቁጽሪ BSN ኣባይ {bsn_dotted} IBAN {s.iban} ቴሌፎን {s.phone} "
                f"ኢመይል {s.email} V-nummer {s.v_number}")
    if locale == "nl":
        return (f"{marker} mijn bsn is {bsn_dotted}, iban {iban_spaced}, bel me op "
                f"{s.phone[:2]}-{s.phone[2:]}, mail {s.email}, V-nummer {s.v_number}")
    return (f"{marker} my BSN is {s.bsn[:3]} {s.bsn[3:6]} {s.bsn[6:]}, IBAN {s.iban}, phone "
            f"{phone_intl}, e-mail {s.email}, V-number {s.v_number}")


CODE_WORDS = {"ar": "الكود", "fa_AF": "کود", "ti": "ኮድ", "nl": "mijn code is", "en": "my code"}


def code_message(locale: str, code: str, marker: str) -> str:
    written = {"fa_AF": code.lower(), "ti": code.replace("-", " "), "en": code.replace("-", "")}
    return f"{marker} {CODE_WORDS[locale]} {written.get(locale, code)}"


def logs(stack: Stack) -> dict[str, str]:
    return {name: stack.log(name).read_text(encoding="utf-8", errors="replace") for name in PROCESSES}


def assert_nothing_personal(stack: Stack, sent: list[Secrets]) -> None:
    for name, text in logs(stack).items():
        for s in sent:
            leaked = sorted(f for f in s.forbidden() if f in text or f.lower() in text)
            assert not leaked, f"{name} log shows {leaked}"


@pytest.fixture(scope="module")
def debug_stack(tmp_path_factory, telegram_api) -> Iterator[tuple[Stack, object]]:  # type: ignore[no-untyped-def]
    """Its own app, Rasa and action server, all at DEBUG, with Telegram in webhook mode."""
    workdir = tmp_path_factory.mktemp("debug-stack")
    locales = workdir / "locales"
    shutil.copytree(ROOT / "locales", locales, ignore=shutil.ignore_patterns("*.mo"))
    bot = telegram_api.add_bot("wegwijs_debug_bot")
    s = Stack(workdir, locales_dir=locales)
    s.extra_env = {
        "WEGWIJS_LOG_LEVEL": "DEBUG",
        "TELEGRAM_TOKEN": bot.token,
        "TELEGRAM_MODE": "webhook",
        "TELEGRAM_WEBHOOK_URL": f"{s.app_url}/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": "debug-webhook-secret",
        "TELEGRAM_API_BASE_URL": telegram_api.base_url,
    }
    try:
        s.start()
        yield s, bot
    finally:
        s.stop()


async def test_personal_data_never_reaches_a_log(debug_stack, telegram_api) -> None:  # type: ignore[no-untyped-def]
    stack, bot = debug_stack
    await eventually(lambda: (stack.health() or {}).get("channels", {}).get("telegram"),
                     timeout=60, interval=0.2, what="the Telegram channel starting")
    marker = "zebra" + secrets.token_hex(4)
    sent: list[Secrets] = []
    # Each call waits until the app is done with the message (a turn, or stored for the
    # inbox when the bot handed the conversation to a person: then nothing is answered).
    for locale in LOCALES:
        # The web chat: a real code to link with, then a message full of personal data.
        web = ChatClient(stack.app_url)
        await web.connect(language=locale)
        real = Secrets.new()
        real.code = stack.cli("link-code", "--client", "1").strip().splitlines()[-1]
        await web.say(code_message(locale, real.code, marker))
        s = Secrets.new()
        await web.say(sentence(locale, s, marker))
        await web.say(code_message(locale, s.code, marker))  # not a valid code
        await web.close()
        sent += [real, s]

        # Telegram: a deep link with a real code, the same kind of message, a shared contact.
        user = TelegramUser(telegram_api, bot, db_path(stack),
                            {"fa_AF": "fa"}.get(locale, locale))
        deep = Secrets.new()
        deep.code = stack.cli("link-code", "--client", "2").strip().splitlines()[-1]
        await user.say(f"/start {deep.code}")
        s = Secrets.new()
        await user.say(sentence(locale, s, marker))
        await user.say(code_message(locale, s.code, marker))
        contact = Secrets.new()
        await user.send_update(user.update(message=message(
            user.id, user.language_code,
            contact={"phone_number": "+31" + contact.phone[1:], "first_name": "Sara"},
        )))
        sent += [deep, s, contact]

    # The messages did reach the logs (at DEBUG Rasa logs the text it parses, and
    # python-telegram-bot each update) ...
    assert marker in logs(stack)["rasa"] and marker in logs(stack)["app"]
    # ... and nothing personal did, in any process.
    assert_nothing_personal(stack, sent)


async def test_message_text_is_never_logged_at_info(stack, chat, telegram_api, telegram_bot) -> None:  # type: ignore[no-untyped-def]
    marker = "giraffe" + secrets.token_hex(4)
    await eventually(lambda: (stack.health() or {}).get("channels", {}).get("telegram"),
                     timeout=60, interval=0.2, what="the Telegram channel starting")
    web = chat()
    await web.connect(language="nl")
    assert await web.say(f"hallo {marker}, wanneer is mijn afspraak?")
    user = TelegramUser(telegram_api, telegram_bot, db_path(stack), "en")
    assert await user.say(f"hello {marker}, when is my appointment?")
    for name, text in logs(stack).items():
        assert marker not in text, f"the {name} log shows message text at INFO"


def hashed(conversation_id: str, secret_key: str = "test-secret-key") -> str:
    """What the stack's logs show for a conversation (the stack's WEGWIJS_SECRET_KEY)."""
    from bot.privacy import log_id, set_log_key

    set_log_key(secret_key)
    return log_id(conversation_id)


async def test_conversation_ids_never_reach_a_log_at_debug(debug_stack, telegram_api) -> None:  # type: ignore[no-untyped-def]
    """At DEBUG Rasa logs the sender id of every message (also URL-encoded, in its HTTP
    API's paths): each process's output shows only the keyed hash."""
    stack, bot = debug_stack
    await eventually(lambda: (stack.health() or {}).get("channels", {}).get("telegram"),
                     timeout=60, interval=0.2, what="the Telegram channel starting")
    web = ChatClient(stack.app_url)
    await web.connect(language="en")
    await web.say("I want to talk to my casemanager")
    await web.close()
    user = TelegramUser(telegram_api, bot, db_path(stack), "en")
    await user.say("what can you do")
    session_id, token = web.conversation_id.split(":", 1)[1], web.session_id
    text = logs(stack)
    for name, log in text.items():
        assert session_id not in log and token not in log, f"the {name} log shows the session id"
        for form in (user.conversation_id, user.conversation_id.replace(":", "%3A")):
            assert form not in log, f"the {name} log shows {form}"
    # Rasa did log them — as their hashes.
    assert hashed(web.conversation_id) in text["rasa"]
    assert hashed(user.conversation_id) in text["rasa"]


async def test_conversation_ids_never_reach_a_log_at_info(stack, chat, telegram_api, telegram_bot) -> None:  # type: ignore[no-untyped-def]
    """As in production: no session id and no Telegram user id in any form."""
    await eventually(lambda: (stack.health() or {}).get("channels", {}).get("telegram"),
                     timeout=60, interval=0.2, what="the Telegram channel starting")
    web = chat()
    await web.connect(language="en")
    await web.say("I want to talk to my casemanager")  # the handoff is logged
    user = TelegramUser(telegram_api, telegram_bot, db_path(stack), "en")
    await user.say("I want to talk to my casemanager")
    session_id = web.conversation_id.split(":", 1)[1]
    for name, log in logs(stack).items():
        assert session_id not in log, f"the {name} log shows the session id"
        assert not re.search(rf"(?<!\d){user.id}(?!\d)", log), f"the {name} log shows the Telegram user id"
    assert hashed(web.conversation_id) in logs(stack)["actions"]  # "handoff … opened for"
