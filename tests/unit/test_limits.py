"""Abuse limits: the token buckets (bot/limits.py) and what the gateway does with a
message over them — not read, one polite "send it again" in the person's locale, and a
crisis still gets the emergency numbers."""

from __future__ import annotations

import pytest

from bot.channels.gateway import Gateway, Incoming
from bot.db.models import Conversation, Escalation, Message
from bot.i18n.catalogs import Catalogs
from bot.i18n.content import ContentSource
from bot.i18n.locales import LOCALES
from bot.i18n.render import Renderer
from bot.limits import Limiter, MemoryBuckets, Rule, Rules, in_memory
from bot.settings import Settings
from harness.phrases import SAY
from nlu.crisis import CrisisMatcher


class Clock:
    """Monotonic seconds that move only when the test says."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_bucket_allows_its_capacity_then_refuses_then_refills_with_time() -> None:
    clock = Clock()
    limiter = in_memory(clock)
    rule = Rule("test", capacity=3, per_s=60)  # one more every 20 s
    assert [await limiter.take("a", rule) for _ in range(4)] == [True, True, True, False]
    clock.now += 19
    assert not await limiter.take("a", rule)
    clock.now += 1
    assert await limiter.take("a", rule)
    assert not await limiter.take("a", rule)
    # Never more than the capacity, however long it waited.
    clock.now += 3600
    assert [await limiter.take("a", rule) for _ in range(4)] == [True, True, True, False]


async def test_keys_and_rules_have_buckets_of_their_own() -> None:
    limiter = in_memory(Clock())
    one, other = Rule("one", 1, 60), Rule("other", 1, 60)
    assert await limiter.take("a", one)
    assert not await limiter.take("a", one)
    assert await limiter.take("b", one)
    assert await limiter.take("a", other)


async def test_allows_looks_without_taking() -> None:
    limiter = in_memory(Clock())
    rule = Rule("peek", 1, 60)
    assert await limiter.allows("a", rule) and await limiter.allows("a", rule)
    assert await limiter.take("a", rule)
    assert not await limiter.allows("a", rule)


async def test_the_store_keeps_a_bounded_number_of_buckets() -> None:
    store = MemoryBuckets(maxsize=100)
    limiter = Limiter(store, Clock())
    for i in range(1000):
        await limiter.take(f"conversation-{i}", Rule("flood", 5, 60))
    assert len(store) == 100


def test_the_rules_come_from_the_settings() -> None:
    rules = Rules.from_settings(Settings(limit_messages_per_conversation=7, limit_sessions_per_ip=9))
    assert (rules.messages_per_conversation.capacity, rules.messages_per_conversation.per_s) == (7, 60)
    assert (rules.sessions_per_ip.capacity, rules.sessions_per_ip.per_s) == (9, 3600)


class CountingRasa:
    """Stands in for Rasa's REST channel: counts the turns it was asked for."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_message(self, *, sender: str, text: str, metadata: dict) -> list[dict]:
        self.sent.append(text)
        return [{"text": f"echo: {text}"}]


@pytest.fixture
def renderer(content_copy) -> Renderer:  # type: ignore[no-untyped-def]
    content, locales = content_copy
    return Renderer(ContentSource(content), Catalogs(locales))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def rasa() -> CountingRasa:
    return CountingRasa()


@pytest.fixture
def gateway(db, renderer, rasa, clock) -> Gateway:  # type: ignore[no-untyped-def]
    rules = Rules.from_settings(Settings(limit_messages_per_conversation=3, limit_messages_per_ip=5))
    return Gateway(rasa=rasa, renderer=renderer, db=db, crisis=CrisisMatcher(),  # type: ignore[arg-type]
                   limiter=in_memory(clock), rules=rules)


def texts(replies) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.text for r in replies]


def incoming_texts(db, conv: str) -> list[str]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return [m.text for m in s.query(Message).filter_by(conversation_id=conv, direction="in")
                .order_by(Message.id)]


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_flood_is_not_read_and_the_person_is_told_once_to_send_it_again(
        gateway, rasa, renderer, clock, db, locale) -> None:  # type: ignore[no-untyped-def]
    conv = f"telegram:{LOCALES.index(locale) + 1}"
    for i in range(3):
        assert texts(await gateway.handle(Incoming(conv, "telegram", f"q{i}", locale_hint=locale))) == [f"echo: q{i}"]
    slow_down = renderer.render("app_slow_down", locale, {}).text
    assert texts(await gateway.handle(Incoming(conv, "telegram", "q3", locale_hint=locale))) == [slow_down]
    # Not again for every message of the flood.
    for i in range(4, 10):
        assert await gateway.handle(Incoming(conv, "telegram", f"q{i}", locale_hint=locale)) == []
    assert rasa.sent == ["q0", "q1", "q2"]
    assert incoming_texts(db, conv) == ["q0", "q1", "q2"]  # the rest was not read
    # A minute later the person can write again (one message every 20 s).
    clock.now += 20
    assert texts(await gateway.handle(Incoming(conv, "telegram", "again", locale_hint=locale))) == ["echo: again"]
    assert rasa.sent[-1] == "again"


async def test_the_notice_comes_again_after_30_seconds_of_flooding(gateway, renderer, clock) -> None:  # type: ignore[no-untyped-def]
    conv = "webchat:flood"
    for i in range(3):
        await gateway.handle(Incoming(conv, "webchat", f"q{i}"))
    slow_down = renderer.render("app_slow_down", "en", {}).text
    assert texts(await gateway.handle(Incoming(conv, "webchat", "x"))) == [slow_down]
    clock.now += 10  # half a token: still over the limit
    assert texts(await gateway.handle(Incoming(conv, "webchat", "x"))) == []
    clock.now += 5
    assert texts(await gateway.handle(Incoming(conv, "webchat", "x"))) == []
    clock.now += 15
    # 30 s: a new token, used by this message; the notice is due again for the next one.
    assert texts(await gateway.handle(Incoming(conv, "webchat", "y"))) == ["echo: y"]
    assert texts(await gateway.handle(Incoming(conv, "webchat", "z"))) == [slow_down]


async def test_many_conversations_from_one_address_share_its_limit(gateway, rasa, renderer) -> None:  # type: ignore[no-untyped-def]
    for i in range(5):
        await gateway.handle(Incoming(f"webchat:tab{i}", "webchat", "hello", peer="203.0.113.9"))
    refused = await gateway.handle(Incoming("webchat:tab5", "webchat", "hello", peer="203.0.113.9"))
    assert texts(refused) == [renderer.render("app_slow_down", "en", {}).text]
    other = await gateway.handle(Incoming("webchat:tab6", "webchat", "hello", peer="198.51.100.1"))
    assert texts(other) == ["echo: hello"]
    assert len(rasa.sent) == 6


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_crisis_over_the_limit_still_gets_the_emergency_numbers(
        gateway, rasa, renderer, db, locale) -> None:  # type: ignore[no-untyped-def]
    conv = f"webchat:crisis-{locale}"
    for i in range(3):
        await gateway.handle(Incoming(conv, "webchat", f"q{i}", locale_hint=locale))
    numbers = renderer.render("utter_urgent_help", locale, {}).text
    slow_down = renderer.render("app_slow_down", locale, {}).text
    crisis = SAY[locale]["urgent_help"]
    assert texts(await gateway.handle(Incoming(conv, "webchat", crisis, locale_hint=locale))) == [numbers, slow_down]
    # Also when the "send it again" was said just now: the numbers never stay away.
    assert texts(await gateway.handle(Incoming(conv, "webchat", crisis, locale_hint=locale))) == [numbers]
    # The crisis is in the transcript (a casemanager can see it); Rasa was not asked.
    assert incoming_texts(db, conv)[-2:] == [crisis, crisis]
    assert crisis not in rasa.sent


async def test_a_crisis_over_the_limit_makes_the_live_escalation_urgent(gateway, db) -> None:  # type: ignore[no-untyped-def]
    conv = "telegram:42"
    with db.session() as s:
        s.add(Conversation(id=conv, channel="telegram", locale="en"))
        s.flush()
        s.add(Escalation(conversation_id=conv, kind="handoff", reason="asked", status="open",
                         live=1, urgent=0, channel="telegram", details={}))
    for i in range(4):
        await gateway.handle(Incoming(conv, "telegram", f"q{i}"))
    await gateway.handle(Incoming(conv, "telegram", SAY["en"]["urgent_help"]))
    with db.session() as s:
        assert s.query(Escalation).filter_by(conversation_id=conv).one().urgent == 1


async def test_the_notice_goes_through_the_channels_delivery(gateway, db) -> None:  # type: ignore[no-untyped-def]
    """Telegram's replies are queued in its outbox with them: a notice too."""
    queued: list[str] = []
    gateway.deliveries["telegram"] = lambda session, conv, replies: queued.extend(r.text for r in replies)
    for i in range(4):
        await gateway.handle(Incoming("telegram:7", "telegram", f"q{i}"))
    assert len(queued) == 4 and queued[-1] != "echo: q3"


async def test_the_log_of_a_throttled_message_names_the_conversation_only_by_its_hash(
        gateway, caplog) -> None:  # type: ignore[no-untyped-def]
    from bot.privacy import log_id

    conv = "webchat:a-session-id-nobody-may-read"
    caplog.set_level("INFO", logger="bot.channels.gateway")
    for i in range(4):
        await gateway.handle(Incoming(conv, "webchat", f"q{i}"))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "over the limits" in logged
    assert log_id(conv) in logged and "a-session-id-nobody-may-read" not in logged
