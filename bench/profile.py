"""Where a turn's time goes: py-spy on the running Rasa server (and the action server and
app) during one long web chat conversation.

    python -m bench.profile [--messages 200] [--out bench/results/profile]

Writes ``<process>.txt`` (collapsed stacks, for speedscope or flamegraph.pl) and prints,
per process, the functions that were on the stack most often (inclusive) and where the
time was spent (exclusive). Also prints the median latency of the first and last ten
messages, so the effect of a change on conversation growth is visible.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.load import conversation_growth, message_mix
from harness.stack import Stack

BIN = Path(sys.executable).parent


def summarise(collapsed: Path, top: int = 25) -> str:
    inclusive: collections.Counter = collections.Counter()
    exclusive: collections.Counter = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[_short(frame)] += n
        exclusive[_short(frames[-1])] += n
    if not total:
        return "(no samples)"
    lines = [f"{total} samples", "inclusive:"]
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in inclusive.most_common(top)]
    lines += ["exclusive:"]
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in exclusive.most_common(top)]
    return "\n".join(lines)


def _short(frame: str) -> str:
    # "function (path/to/module.py:123)" -> "function (module.py)"
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    parts = path.split("/")
    short = "/".join(parts[-2:]) if parts else path
    return f"{name} ({short})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("bench/results/profile"))
    parser.add_argument("--rate", type=int, default=50, help="samples per second")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    workdir = Path(tempfile.mkdtemp(prefix="wegwijs-profile-"))
    stack = Stack(workdir)
    spies: dict[str, subprocess.Popen] = {}
    try:
        print(f"starting the stack: healthy after {stack.start():.1f}s", flush=True)
        for name, proc in stack.procs.items():
            spies[name] = subprocess.Popen(
                [str(BIN / "py-spy"), "record", "--pid", str(proc.pid), "--subprocesses",
                 "--rate", str(args.rate), "--format", "raw", "--nonblocking",
                 "--output", str(args.out / f"{name}.txt")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        time.sleep(1)
        latencies = asyncio.run(conversation_growth(stack.app_url, args.messages, message_mix()))
        first, last = statistics.median(latencies[:10]), statistics.median(latencies[-10:])
        print(f"{args.messages} messages: median first 10 {first:.0f} ms, last 10 {last:.0f} ms "
              f"(×{last / first:.2f})")
    finally:
        for spy in spies.values():
            spy.send_signal(signal.SIGINT)
        for spy in spies.values():
            try:
                spy.wait(timeout=30)
            except subprocess.TimeoutExpired:
                spy.kill()
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    for name in spies:
        path = args.out / f"{name}.txt"
        if path.exists():
            print(f"\n== {name} ==\n{summarise(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
