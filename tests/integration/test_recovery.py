"""Processes that come back: kill -9 the action server, Rasa and the app in turn, during
conversations in all five locales on the web chat and on Telegram.

Each part comes back by itself under supervisord (``supervisord.conf``, as ``make run``)
while the other two keep running; every message sent in the gap is answered — after one
"one moment, please" when it had to wait — in order, none lost, none doubled, and what
was stored is what reached the screen (a web chat tab that was gone gets what it missed
when it connects again). The time
each part took to recover is printed (``-s`` shows it), never asserted.

The stack is a separate one (``recovery_stack``): a killed process takes what it measured
(coverage) with it, and the shared stack's tests must not see these outages.
"""

from __future__ import annotations

import html
import os
import signal
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from bot.i18n.locales import LOCALES
from bot.i18n.render import Renderer
from harness.fake_telegram import FakeTelegram
from harness.phrases import ANSWER, SAY
from harness.stack import SupervisedStack
from harness.telegram_updates import TelegramUser, message, text_content
from harness.waiting import eventually
from harness.webchat import TURN_DONE, ChatClient, db_path, expect

pytestmark = pytest.mark.stack

NATIVE = {"ar": "العربية", "ti": "ትግርኛ", "fa_AF": "دری", "en": "English", "nl": "Nederlands"}
TELEGRAM_LANGUAGE = {"fa_AF": "fa"}
RECOVERY_TIMEOUT_S = 240
# What each part took to come back, printed at the end of the module.
MEASURED: dict[str, dict[str, float]] = {}


@dataclass
class Person:
    """One person in one locale on one channel, and what the bot said to them since
    ``mark()`` (from the database: what was stored for them, in order)."""

    stack: SupervisedStack
    locale: str
    channel: str
    web: ChatClient | None = None
    telegram: TelegramUser | None = None
    marker: int = 0
    expected: list[str] = field(default_factory=list)
    # What the web chat tab showed since mark() (Telegram: what the bot sent).
    tab: list[str] = field(default_factory=list)
    sent_before: int = 0

    @property
    def conversation_id(self) -> str:
        if self.web is not None:
            return self.web.conversation_id
        assert self.telegram is not None
        return self.telegram.conversation_id

    def mark(self) -> None:
        """From here on, count what the bot says."""
        self.marker = query(self.stack, "SELECT COALESCE(MAX(id), 0) FROM messages")[0][0]
        self.expected = []
        self.tab = []
        if self.telegram is not None:
            self.sent_before = len(self.telegram.bot.sent("sendMessage", self.telegram.id))

    def delivered(self) -> str:
        """What reached the person's screen since mark()."""
        if self.web is not None:
            self.tab += drain(self.web)
            return "\n\n".join(self.tab)
        assert self.telegram is not None
        calls = self.telegram.bot.sent("sendMessage", self.telegram.id)[self.sent_before:]
        return "\n\n".join(html.unescape(c.params.get("text", "")) for c in calls)

    def stored_replies(self) -> str:
        rows = query(
            self.stack,
            "SELECT text FROM messages WHERE conversation_id = ? AND direction = 'out' "
            "AND id > ? ORDER BY id", self.conversation_id, self.marker,
        )
        return "\n\n".join(text for (text,) in rows)

    def stored_incoming(self) -> list[tuple[str, str]]:
        return query(
            self.stack,
            "SELECT text, status FROM messages WHERE conversation_id = ? AND direction = 'in' "
            "AND id > ? ORDER BY id", self.conversation_id, self.marker,
        )


def query(stack: SupervisedStack, sql: str, *args: Any) -> list[tuple]:
    with sqlite3.connect(db_path(stack)) as db:
        return db.execute(sql, args).fetchall()


def drain(client: ChatClient) -> list[str]:
    """Every text the web chat tab has been sent and not read yet."""
    out = []
    while not client.queue.empty():
        item = client.queue.get_nowait()
        if TURN_DONE not in item and item.get("text"):
            out.append(item["text"])
    return out


async def people(stack: SupervisedStack, telegram_api: FakeTelegram, renderer: Renderer,
                 clients: list[ChatClient]) -> list[Person]:
    """A person per locale on the web chat and on Telegram, each past the welcome and
    the language choice."""
    out = []
    for locale in LOCALES:
        web = ChatClient(stack.app_url)
        clients.append(web)
        welcome = await web.connect(language=locale)
        assert welcome, "no welcome"
        out.append(Person(stack, locale, "webchat", web=web))

        user = TelegramUser(telegram_api, stack.telegram_bot, db_path(stack),  # type: ignore[attr-defined]
                            TELEGRAM_LANGUAGE.get(locale, locale))
        welcome = await user.say("/start")
        replies = await user.tap(welcome, NATIVE[locale])
        assert html.unescape(replies[-1].params["text"]) == expect(renderer, "utter_language_set", locale)
        out.append(Person(stack, locale, "telegram", telegram=user))
    return out


async def say(person: Person, renderer: Renderer, intent: str) -> None:
    """The person sends a message; what the bot must answer is noted."""
    text = SAY[person.locale][intent]
    person.expected.append(expect(renderer, ANSWER[intent], person.locale))
    if person.web is not None:
        person.tab += [r["text"] for r in await person.web.say(text) if r.get("text")]
    else:
        assert person.telegram is not None
        await person.telegram.say(text)


def answered_once(person: Person, renderer: Renderer) -> bool | None:
    """True when the bot said exactly what was expected, in order, after at most one
    "one moment, please" at the start; None while it may still come; False if wrong."""
    waiting = expect(renderer, "app_waiting", person.locale)
    said = person.stored_replies()
    want = "\n\n".join(person.expected)
    if said in (want, f"{waiting}\n\n{want}"):
        return True
    if (want.startswith(said) or f"{waiting}\n\n{want}".startswith(said)):
        return None
    return False


async def all_answered(persons: list[Person], renderer: Renderer, what: str) -> None:
    async def check() -> bool:
        results = [answered_once(p, renderer) for p in persons]
        wrong = [p for p, r in zip(persons, results, strict=True) if r is False]
        assert not wrong, "\n".join(
            f"{p.channel} {p.locale}: said {p.stored_replies()!r}, expected {p.expected!r}"
            for p in wrong
        )
        return all(results)

    await eventually(check, timeout=RECOVERY_TIMEOUT_S, interval=0.5, what=what)


def health(stack: SupervisedStack) -> dict:
    return stack.health() or {}


async def came_back(stack: SupervisedStack, name: str, old_pid: int, began: float) -> dict[str, float]:
    """Waits for the new process and a healthy stack; the seconds each took."""
    await eventually(lambda: stack.pid(name) not in (0, old_pid), timeout=RECOVERY_TIMEOUT_S,
                     interval=0.2, what=f"{name} restarted by supervisord")
    process_s = time.monotonic() - began
    await eventually(lambda: health(stack).get("status") == "ok", timeout=RECOVERY_TIMEOUT_S,
                     interval=0.2, what="a healthy stack")
    return {"process": process_s, "healthy": time.monotonic() - began}


def restart_logged(stack: SupervisedStack, name: str, pid: int) -> bool:
    log = stack.log(name).read_text(errors="replace")
    return f"exited: {name} (terminated by SIGKILL; not expected)" in log and (
        f"spawned: '{name}' with pid" in log.split(f"exited: {name} (terminated by SIGKILL")[-1]
    )


@pytest.fixture
async def clients():  # type: ignore[no-untyped-def]
    made: list[ChatClient] = []
    yield made
    for c in made:
        await c.close()


@pytest.mark.parametrize("part", ["actions", "rasa"])
async def test_a_killed_part_comes_back_and_every_message_of_the_gap_is_answered_once(
    recovery_stack, telegram_api, clients, part: str,
) -> None:  # type: ignore[no-untyped-def]
    stack = recovery_stack
    renderer = _renderer(stack)
    persons = await people(stack, telegram_api, renderer, clients)
    for p in persons:
        await say(p, renderer, "zorgtoeslag")
    others = {name: stack.pid(name) for name in ("actions", "rasa", "app") if name != part}

    for p in persons:
        p.mark()
    began = time.monotonic()
    old_pid = stack.kill(part)
    missing = "action_server" if part == "actions" else "rasa"
    await eventually(lambda: missing in health(stack).get("missing", []), timeout=10,
                     interval=0.05, what=f"/healthz naming {missing}")
    # During the gap: two messages each (the first needs the action server), and a
    # crisis on each channel.
    for p in persons:
        await say(p, renderer, "ask_appointment")
    gap_health = health(stack)
    for p in persons:
        await say(p, renderer, "eigen_risico")

    times = await came_back(stack, part, old_pid, began)
    await all_answered(persons, renderer, f"every message of the {part} gap answered")
    times["all answered"] = time.monotonic() - began
    MEASURED[part] = times

    assert restart_logged(stack, part, old_pid), stack.log(part).read_text()[-3000:]
    assert {name: stack.pid(name) for name in others} == others  # the others kept running
    assert health(stack)["pending_turns"] == 0
    for p in persons:
        assert all(status == "ok" for _, status in p.stored_incoming()), p.stored_incoming()
    # What was stored is what reached the screen (pushed to the open tab; Telegram
    # through the outbox), once.
    for p in persons:
        await eventually(lambda p=p: p.delivered() == p.stored_replies(), timeout=60,
                         interval=0.2, what=f"{p.channel} {p.locale}: the answers delivered")
    acknowledged = sum(
        1 for p in persons
        if p.stored_replies().startswith(expect(renderer, "app_waiting", p.locale))
    )
    print(f"\n{part}: {acknowledged}/{len(persons)} conversations told 'one moment, please'; "
          f"healthz during the gap: missing={gap_health.get('missing')}, "
          f"pending_turns={gap_health.get('pending_turns')}")
    if part == "rasa":
        # Rasa needs tens of seconds to load its model: everyone sent into the gap.
        assert acknowledged == len(persons)


async def test_a_crisis_while_rasa_is_down_gets_the_emergency_numbers_at_once(
    recovery_stack, telegram_api, clients,
) -> None:  # type: ignore[no-untyped-def]
    stack = recovery_stack
    renderer = _renderer(stack)
    persons = [p for p in await people(stack, telegram_api, renderer, clients)
               if (p.locale, p.channel) in (("fa_AF", "webchat"), ("ti", "telegram"), ("ar", "webchat"))]
    for p in persons:
        p.mark()
    stack.stop_process("rasa")
    try:
        for p in persons:
            if p.web is not None:
                replies = [r["text"] for r in await p.web.say(SAY[p.locale]["urgent_help"])]
            else:
                assert p.telegram is not None
                calls = await p.telegram.say(SAY[p.locale]["urgent_help"])
                replies = [html.unescape(c.params["text"]) for c in calls]
            numbers = expect(renderer, "utter_urgent_help", p.locale)
            assert "\n\n".join(replies) == "\n\n".join(
                [numbers, expect(renderer, "app_waiting", p.locale)]
            ), (p.channel, p.locale)
    finally:
        stack.start_process("rasa")
    await eventually(lambda: health(stack).get("status") == "ok", timeout=RECOVERY_TIMEOUT_S,
                     interval=0.5, what="Rasa back")
    # Then Rasa sees the message too: a person is called in (urgent in the inbox).
    await eventually(lambda: health(stack).get("pending_turns") == 0, timeout=60,
                     interval=0.2, what="the crisis turns answered")
    for p in persons:
        urgent = query(stack, "SELECT urgent FROM escalations WHERE conversation_id = ?",
                       p.conversation_id)
        assert urgent and urgent[0][0], (p.channel, p.locale)


async def test_the_app_killed_mid_turn_answers_what_it_had_accepted_and_what_came_in_the_gap(
    recovery_stack, telegram_api, clients,
) -> None:  # type: ignore[no-untyped-def]
    stack = recovery_stack
    renderer = _renderer(stack)
    persons = await people(stack, telegram_api, renderer, clients)
    for p in persons:
        p.mark()
    others = {name: stack.pid(name) for name in ("actions", "rasa")}
    rasa_pid = others["rasa"]
    # Rasa paused, so every turn is in the app's hands (stored, waiting on Rasa) when the
    # app dies; then Rasa goes on.
    os.kill(rasa_pid, signal.SIGSTOP)
    try:
        for p in persons:
            p.expected.append(expect(renderer, ANSWER["thank"], p.locale))
            text = SAY[p.locale]["thank"]
            if p.web is not None:
                await p.web.sio.emit("user_uttered", {"message": text,
                                                      "session_id": p.web.session_id})
            else:
                assert p.telegram is not None
                update = p.telegram.update(
                    message=message(p.telegram.id, p.telegram.language_code, **text_content(text))
                )
                assert await telegram_api.push(p.telegram.bot, update) == 200
        await eventually(lambda: all(p.stored_incoming() for p in persons), timeout=30,
                         interval=0.05, what="every message stored by the app")
        began = time.monotonic()
        old_pid = stack.kill("app")
    finally:
        os.kill(rasa_pid, signal.SIGCONT)
    for c in clients:
        await c.close()

    # During the gap Telegram keeps each update and delivers it when the app answers again.
    async def deliver(user: TelegramUser, update: dict) -> bool:
        try:
            return await telegram_api.push(user.bot, update) == 200
        except httpx.HTTPError:
            return False

    gap = []
    for p in persons:
        if p.telegram is not None:
            p.expected.append(expect(renderer, ANSWER["eigen_risico"], p.locale))
            update = p.telegram.update(message=message(
                p.telegram.id, p.telegram.language_code,
                **text_content(SAY[p.locale]["eigen_risico"]),
            ))
            gap.append((p.telegram, update))
    for user, update in gap:
        await eventually(lambda u=user, up=update: deliver(u, up), timeout=RECOVERY_TIMEOUT_S,
                         interval=0.2, what="Telegram delivering an update to the app")
    times = await came_back(stack, "app", old_pid, began)

    # The web chat tabs reconnect (as the page's socket.io client does) and go on.
    for p in persons:
        if p.web is not None:
            tab = ChatClient(stack.app_url)
            tab.session_id = p.web.session_id
            clients.append(tab)
            await tab.connect(session_id=p.web.session_id, welcome=False)
            p.web = tab
            # The old tab is gone: the new one shows what it missed, then what comes.
            p.tab = []
            await say(p, renderer, "eigen_risico")

    await all_answered(persons, renderer, "every message of the app gap answered")
    times["all answered"] = time.monotonic() - began
    MEASURED["app"] = times
    assert restart_logged(stack, "app", old_pid), stack.log("app").read_text()[-3000:]
    assert {name: stack.pid(name) for name in others} == others
    for p in persons:
        assert all(status == "ok" for _, status in p.stored_incoming()), p.stored_incoming()
    for p in persons:
        if p.telegram is not None:
            # Telegram: every answer went out through the outbox, once.
            await eventually(lambda p=p: p.delivered() == p.stored_replies(), timeout=60,
                             interval=0.2, what=f"telegram {p.locale}: the answers delivered")
        else:
            # The web chat: the new tab shows what was answered while no tab was open
            # (kept as undelivered), then what came after; each once, in order.
            await eventually(lambda p=p: p.delivered() == p.stored_replies(), timeout=60,
                             interval=0.2, what=f"webchat {p.locale}: every answer shown")


def _renderer(stack: SupervisedStack) -> Renderer:
    from bot.i18n.catalogs import Catalogs
    from bot.i18n.content import ContentSource

    assert stack.content_path and stack.locales_dir
    return Renderer(ContentSource(stack.content_path), Catalogs(stack.locales_dir))


@pytest.fixture(scope="module", autouse=True)
def report_recovery_times():  # type: ignore[no-untyped-def]
    yield
    if MEASURED:
        print("\nTime to recover after kill -9 (seconds: new process / healthy / every "
              "message of the gap answered):")
        for part, t in MEASURED.items():
            print(f"  {part:8} {t['process']:6.1f} {t['healthy']:6.1f} {t['all answered']:6.1f}")
