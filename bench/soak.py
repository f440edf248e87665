"""`python -m bench.soak`: a steady load for a long time (``make bench-soak``) — 20 messages
a second for 30 minutes by default, half through the web chat and half through Telegram
(webhook, against the local fake Bot API server) — reporting the p50/p95/p99 time until
each message was answered, errors, messages the stack could not take when they were due,
and memory growth (RSS of each process at start and end). A benchmark, not a test:
nothing here asserts a number.

Settings (environment): ``SOAK_SECONDS`` (1800), ``SOAK_RATE`` (messages per second, 20),
``SOAK_USERS`` (people per channel, 60). ``--smoke``: a few seconds at 2 a second.
Results: bench/results/soak.json (and printed).

Open loop: a message is due every 1/rate seconds, whatever happened to the last ones; it
goes to a person of the next channel who is not waiting for an answer (people wait for
their answer before they write again, as people do). When every person of that channel
is still waiting, the message counts as **behind** (the stack is not keeping up) and is
not sent.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.load import LoadResult, WebchatUser, message_mix

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ANSWER_TIMEOUT_S = 120.0


def progress(msg: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {msg}", flush=True)


@dataclass
class Channel:
    """The people of one channel and what happened to their messages."""

    name: str
    result: LoadResult
    idle: asyncio.Queue = field(default_factory=asyncio.Queue)
    behind: int = 0
    in_flight: int = 0


class TelegramPeople:
    """People on Telegram: an update goes to the app's webhook through the fake Bot API
    server; the answer is the bot's next message to that chat (the fake records it)."""

    def __init__(self, fake, bot) -> None:  # type: ignore[no-untyped-def]
        from harness.telegram_updates import message, new_user_id, text_content

        self.fake, self.bot = fake, bot
        self._message, self._text = message, text_content
        self._new_id = new_user_id
        self._seen = 0
        # chat id -> (the answer awaited, when the message went out)
        self._waiting: dict[int, tuple[asyncio.Future, float]] = {}

    def person(self) -> int:
        return self._new_id()

    async def watch(self) -> None:
        """Hands each message the bot sends to the person waiting for it."""
        while True:
            calls = self.bot.calls
            for call in calls[self._seen:len(calls)]:
                if call.method == "sendMessage" and not call.failed:
                    chat = int(call.params.get("chat_id", 0))
                    waiting = self._waiting.get(chat)
                    # A later message of an earlier turn is not this message's answer.
                    if waiting is not None and call.at >= waiting[1] and not waiting[0].done():
                        waiting[0].set_result(call.at)
            self._seen = len(calls)
            await asyncio.sleep(0.01)

    async def say(self, user_id: int, text: str) -> float:
        future = asyncio.get_running_loop().create_future()
        start = time.monotonic()  # the fake's clock for its calls
        self._waiting[user_id] = (future, start)
        update = {"update_id": next(self.bot.update_ids),
                  "message": self._message(user_id, "nl", **self._text(text))}
        status = await self.fake.push(self.bot, update)
        if status != 200:
            self._waiting.pop(user_id, None)
            raise RuntimeError(f"webhook answered {status}")
        try:
            answered_at = await asyncio.wait_for(future, ANSWER_TIMEOUT_S)
        finally:
            self._waiting.pop(user_id, None)
        return (answered_at - start) * 1000


async def soak(app_url: str, rate: float, seconds: float, users: int,
               telegram: TelegramPeople | None = None) -> dict:
    """The load itself, against a running app; returns the numbers per channel."""
    mix = message_mix()
    texts = itertools.cycle(text for _, text in mix)
    web = Channel("webchat", LoadResult("webchat", users, 0, 0.0))
    tg = Channel("telegram", LoadResult("telegram", users, 0, 0.0))
    channels = [web] + ([tg] if telegram is not None else [])
    webchat_users = [WebchatUser(app_url) for _ in range(users)]
    for i in range(0, users, 10):  # a few at a time: the welcome is a Rasa turn each
        await asyncio.gather(*(u.connect(mix[j % len(mix)][0]) for j, u in enumerate(webchat_users[i:i + 10])))
    for u in webchat_users:
        web.idle.put_nowait(u)
    watcher = None
    if telegram is not None:
        for _ in range(users):
            tg.idle.put_nowait(telegram.person())
        watcher = asyncio.create_task(telegram.watch())

    async def one(channel: Channel, person, text: str) -> None:  # type: ignore[no-untyped-def]
        channel.in_flight += 1
        try:
            if channel is web:
                latency = await person.say(text)
            else:
                assert telegram is not None
                latency = await telegram.say(person, text)
            channel.result.latencies_ms.append(latency)
        except Exception:  # noqa: BLE001 - every failure is counted, none stops the soak
            channel.result.errors += 1
        finally:
            channel.in_flight -= 1
            channel.idle.put_nowait(person)

    tasks: set[asyncio.Task] = set()
    start = time.perf_counter()
    due = start
    for n in itertools.count():
        if due - start >= seconds:
            break
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        channel = channels[n % len(channels)]
        channel.result.messages += 1
        if channel.idle.empty():
            channel.behind += 1
        else:
            task = asyncio.create_task(one(channel, channel.idle.get_nowait(), next(texts)))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        due += 1.0 / rate
    if tasks:
        await asyncio.wait(tasks, timeout=ANSWER_TIMEOUT_S + 10)
    elapsed = time.perf_counter() - start
    if watcher is not None:
        watcher.cancel()
    await asyncio.gather(*(u.close() for u in webchat_users), return_exceptions=True)
    out = {}
    for channel in channels:
        channel.result.seconds = elapsed
        summary = channel.result.summary()
        summary["answered"] = len(channel.result.latencies_ms)
        summary["behind"] = channel.behind
        summary["throughput_msg_s"] = round(len(channel.result.latencies_ms) / elapsed, 2) if elapsed else 0.0
        out[channel.name] = summary
    return out


def run(rate: float, seconds: float, users: int) -> dict:
    """Start the stack (with Telegram against the fake Bot API), soak it, report."""
    from bench.__main__ import machine, rss_mb
    from harness.fake_telegram import FakeTelegram
    from harness.stack import Stack

    fake = FakeTelegram()
    fake.start()
    bot = fake.add_bot("wegwijs_soak_bot")
    workdir = Path(tempfile.mkdtemp(prefix="wegwijs-soak-"))
    stack = Stack(workdir)
    stack.extra_env = {
        "TELEGRAM_TOKEN": bot.token, "TELEGRAM_MODE": "webhook",
        "TELEGRAM_WEBHOOK_URL": f"{stack.app_url}/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": "soak-webhook-secret",
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "WEGWIJS_LOG_LEVEL": "WARNING",
    }
    try:
        progress("starting Rasa, the action server and the app")
        startup = stack.start()
        # The webhook is registered once Telegram (the fake) is connected.
        while not bot.webhook_url:
            time.sleep(0.2)
        rss_start = {name: rss_mb(proc.pid) for name, proc in stack.procs.items()}
        progress(f"healthy after {startup:.0f}s; {rate:g} messages a second for {seconds:g}s")
        channels = asyncio.run(soak(stack.app_url, rate, seconds, users, TelegramPeople(fake, bot)))
        rss_end = {name: rss_mb(proc.pid) for name, proc in stack.procs.items()}
        health = httpx.get(f"{stack.app_url}/healthz", timeout=10).json()
        return {
            "machine": machine(), "rate_msg_s": rate, "seconds": seconds, "users_per_channel": users,
            "channels": channels,
            "rss_mb": {name: {"start": rss_start[name], "end": rss_end.get(name),
                              "growth": round((rss_end.get(name) or 0) - rss_start[name], 1)}
                       for name in rss_start},
            "pending_turns_at_end": health.get("pending_turns"),
        }
    finally:
        stack.stop()
        fake.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def report(results: dict) -> str:
    lines = [f"Soak: {results['rate_msg_s']:g} messages/s for {results['seconds']:g} s "
             f"({results['machine']['cores']} cores, commit {results['machine']['commit']})", ""]
    lines.append("| channel | due | answered | errors | behind | p50 ms | p95 ms | p99 ms | answered/s |")
    lines.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, c in results["channels"].items():
        lines.append(f"| {name} | {c['messages']} | {c['answered']} | {c['errors']} | {c['behind']} | "
                     f"{c['p50_ms']} | {c['p95_ms']} | {c['p99_ms']} | {c['throughput_msg_s']} |")
    lines += ["", "| process | RSS start MB | RSS end MB | growth MB |", "| --- | --- | --- | --- |"]
    for name, m in results["rss_mb"].items():
        lines.append(f"| {name} | {m['start']} | {m['end']} | {m['growth']} |")
    lines.append(f"\npending turns at the end: {results.get('pending_turns_at_end')}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench.soak")
    parser.add_argument("--smoke", action="store_true", help="a few seconds at 2 messages a second")
    args = parser.parse_args()
    if not (ROOT / "models" / "wegwijs.tar.gz").exists():
        print("no trained model: run `make train`", file=sys.stderr)
        return 2
    rate = 2.0 if args.smoke else float(os.environ.get("SOAK_RATE", "20"))
    seconds = 5.0 if args.smoke else float(os.environ.get("SOAK_SECONDS", "1800"))
    users = 4 if args.smoke else int(os.environ.get("SOAK_USERS", "60"))
    results = run(rate, seconds, users)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "soak-smoke.json" if args.smoke else "soak.json"
    (RESULTS / name).write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
