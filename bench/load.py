"""Closed-loop load: N conversations, each sends its next message when the last turn ended."""

from __future__ import annotations

import asyncio
import math
import random
import statistics
import time
import uuid
from dataclasses import dataclass, field

import httpx
import socketio

from bot.i18n.locales import LOCALES
from harness.heldout import heldout

# Questions the bot answers itself. Messages that hand the chat to a person (asking for the
# casemanager, urgent help, "yes" to the offer after two misses) would make the bot quiet by
# design, and the benchmark would measure the relay instead of the bot.
ANSWERED_INTENTS = {"benefits", "insurance", "greet", "goodbye", "thank", "bot_challenge", "help"}


def message_mix(seed: int = 7) -> list[tuple[str, str]]:
    """Realistic questions in the five locales (the held-out split), shuffled."""
    rng = random.Random(seed)
    mix = [
        (ex.locale, ex.text)
        for loc in LOCALES
        for ex in heldout(loc)
        if ex.parent_intent in ANSWERED_INTENTS
    ]
    rng.shuffle(mix)
    return mix


@dataclass
class LoadResult:
    target: str
    concurrency: int
    messages: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def throughput(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        data = sorted(self.latencies_ms)
        k = max(0, min(len(data) - 1, math.ceil(p / 100 * len(data)) - 1))  # nearest rank
        return data[k]

    def summary(self) -> dict:
        return {
            "target": self.target,
            "concurrency": self.concurrency,
            "messages": self.messages,
            "errors": self.errors,
            "throughput_msg_s": round(self.throughput, 2),
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 1) if self.latencies_ms else 0.0,
        }


class WebchatUser:
    """One person on the web chat; ``say`` returns the time until the bot's turn ended."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.AsyncClient(reconnection=False)
        self.session_id = None  # the server issues the session
        self.done: asyncio.Queue[dict] = asyncio.Queue()
        self.sio.on("bot_turn_done", self.done.put)
        self.quiet_turns = 0  # turns without a bot message (a person took over)

    async def connect(self, locale: str) -> None:
        await self.sio.connect(self.url, socketio_path="socket.io", transports=["websocket"])
        await self.sio.emit("session_request", {"session_id": self.session_id, "customData": {"language": locale}})
        await asyncio.wait_for(self.done.get(), 120)  # the welcome

    async def say(self, text: str) -> float:
        start = time.perf_counter()
        await self.sio.emit("user_uttered", {"message": text, "session_id": self.session_id, "customData": {}})
        done = await asyncio.wait_for(self.done.get(), 120)
        if not done.get("messages"):
            self.quiet_turns += 1
        return (time.perf_counter() - start) * 1000

    async def close(self) -> None:
        await self.sio.disconnect()


async def webchat_load(url: str, concurrency: int, per_user: int, mix: list[tuple[str, str]]) -> LoadResult:
    users = [WebchatUser(url) for _ in range(concurrency)]
    await asyncio.gather(*(u.connect(mix[i % len(mix)][0]) for i, u in enumerate(users)))
    result = LoadResult("webchat", concurrency, concurrency * per_user, 0.0)

    async def run(i: int, user: WebchatUser) -> None:
        for j in range(per_user):
            _, text = mix[(i * per_user + j) % len(mix)]
            try:
                result.latencies_ms.append(await user.say(text))
            except (asyncio.TimeoutError, socketio.exceptions.SocketIOError):
                result.errors += 1

    start = time.perf_counter()
    await asyncio.gather(*(run(i, u) for i, u in enumerate(users)))
    result.seconds = time.perf_counter() - start
    await asyncio.gather(*(u.close() for u in users))
    return result


async def rest_load(rasa_url: str, concurrency: int, per_user: int, mix: list[tuple[str, str]]) -> LoadResult:
    """The same load straight to Rasa's REST channel: what the app layer costs."""
    result = LoadResult("rasa_rest", concurrency, concurrency * per_user, 0.0)
    async with httpx.AsyncClient(timeout=120) as client:

        async def run(i: int) -> None:
            sender = f"bench-rest:{uuid.uuid4().hex}"
            for j in range(per_user):
                locale, text = mix[(i * per_user + j) % len(mix)]
                start = time.perf_counter()
                try:
                    resp = await client.post(
                        f"{rasa_url}/webhooks/rest/webhook",
                        json={"sender": sender, "message": text, "metadata": {"language": locale}},
                    )
                    resp.raise_for_status()
                    result.latencies_ms.append((time.perf_counter() - start) * 1000)
                except httpx.HTTPError:
                    result.errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(run(i) for i in range(concurrency)))
        result.seconds = time.perf_counter() - start
    return result


GROWTH_BLOCK = 10


async def conversation_growth(url: str, length: int, mix: list[tuple[str, str]]) -> list[float]:
    """Latency of each message of one long conversation (every one answered by the bot).

    The conversation repeats the same ten messages, so messages 1–10 and 191–200 are the
    same texts and differ only in how long the conversation already is.
    """
    user = WebchatUser(url)
    await user.connect("nl")
    out = []
    for i in range(length):
        out.append(await user.say(mix[i % GROWTH_BLOCK][1]))
    await user.close()
    if user.quiet_turns:
        raise RuntimeError(f"{user.quiet_turns} messages got no answer: the growth figure would be wrong")
    return out
