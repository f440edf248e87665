"""`python -m bench [--smoke]`: measure understanding and serving, write a report.

Results: bench/results/latest.json, bench/results/report.md and PNG plots beside them.
``--smoke`` runs the same code on a tiny load (``make test`` runs it so the bench never
rots); nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
MODEL = ROOT / "models" / "wegwijs.tar.gz"


def progress(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (Linux /proc)."""
    total = 0
    pids = [pid]
    try:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        pids += [int(c) for c in children]
    except FileNotFoundError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return round(total / 1024, 1)


def machine() -> dict:
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {"cores": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1),
            "python": platform.python_version(), "commit": commit or "unknown",
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def understanding(results_dir: Path) -> dict:
    """Per-locale scores on the held-out split and the safety set, confusion matrices."""
    from harness.evaluation import evaluate

    progress("understanding: parsing the held-out split and the crisis set in five locales")
    results = asyncio.run(evaluate())
    scores = results["understanding"]
    plots = [_confusion_png(s, results_dir) for s in scores]
    return {
        "per_locale": [{k: v for k, v in s.items() if k != "errors"} for s in scores],
        "safety": [{k: v for k, v in s.items() if k not in ("missed", "false_alarms")}
                   for s in results["safety"]],
        "summary": results["summary"],
        "gap_best_worst_intent_accuracy": results["summary"]["gap"],
        "worst_locale": min(scores, key=lambda s: s["intent_accuracy"])["locale"],
        "confusion_plots": plots,
    }


def _confusion_png(score: dict, results_dir: Path) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    from harness.heldout import heldout

    locale = score["locale"]
    wrong = {e["text"]: e["got"].split("/")[0] for e in score["errors"]}
    exp = [ex.parent_intent for ex in heldout(locale)]
    got = [wrong.get(ex.text, ex.parent_intent) for ex in heldout(locale)]
    labels = sorted(set(exp) | set(got))
    matrix = confusion_matrix(exp, got, labels=labels)
    fig, ax = plt.subplots(figsize=(8, 7))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    ax.set_title(f"{locale}: intent confusion on the held-out split")
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                ax.text(j, i, matrix[i, j], ha="center", va="center", fontsize=6)
    fig.tight_layout()
    path = results_dir / f"confusion_{locale}.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path.name


def serving(smoke: bool, results_dir: Path) -> dict:
    from bench.load import conversation_growth, message_mix, rest_load, webchat_load
    from harness.stack import Stack

    mix = message_mix()
    # Messages per conversation at each level (fewer at 50, to keep `make bench` near 10 min).
    levels = {1: 3, 2: 3} if smoke else {1: 20, 10: 20, 50: 8}
    length = 12 if smoke else 200
    workdir = Path(tempfile.mkdtemp(prefix="wegwijs-bench-"))
    stack = Stack(workdir)
    progress("serving: starting Rasa, action server and app")
    try:
        startup = stack.start()
        progress(f"serving: healthy after {startup:.1f}s")
        out: dict = {"startup_s": round(startup, 1), "webchat": [], "rasa_rest": []}
        for n, per_user in levels.items():
            progress(f"serving: {n} concurrent web chat conversations × {per_user} messages")
            out["webchat"].append(asyncio.run(webchat_load(stack.app_url, n, per_user, mix)).summary())
            progress("serving: the same load straight to Rasa's REST channel")
            out["rasa_rest"].append(asyncio.run(rest_load(stack.env["WEGWIJS_RASA_URL"], n, per_user, mix)).summary())
        progress(f"serving: one conversation of {length} messages")
        growth = asyncio.run(conversation_growth(stack.app_url, length, mix))
        first = statistics.median(growth[:10])
        last = statistics.median(growth[-10:])
        out["conversation_growth"] = {
            "length": length, "median_first_10_ms": round(first, 1),
            "median_last_10_ms": round(last, 1), "ratio": round(last / first, 2) if first else None,
            "latencies_ms": [round(x, 1) for x in growth],
        }
        out["rss_mb"] = {name: rss_mb(proc.pid) for name, proc in stack.procs.items()}
        _serving_plots(out, results_dir)
        return out
    finally:
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _serving_plots(out: dict, results_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for target in ("webchat", "rasa_rest"):
        rows = out[target]
        xs = [r["concurrency"] for r in rows]
        for p, style in (("p50_ms", "-o"), ("p95_ms", "--o"), ("p99_ms", ":o")):
            ax.plot(xs, [r[p] for r in rows], style, label=f"{target} {p[:3]}")
    ax.set_xlabel("concurrent conversations")
    ax.set_ylabel("latency (ms)")
    ax.set_title("Latency per message vs concurrency")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(results_dir / "latency_vs_concurrency.png", dpi=90)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4))
    lat = out["conversation_growth"]["latencies_ms"]
    ax.plot(range(1, len(lat) + 1), lat, ".")
    ax.set_xlabel("message number in one conversation")
    ax.set_ylabel("latency (ms)")
    ax.set_title("Latency as a conversation grows")
    fig.tight_layout()
    fig.savefig(results_dir / "latency_vs_length.png", dpi=90)
    plt.close(fig)


def accuracy_plot(und: dict, results_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = und["per_locale"]
    fig, ax = plt.subplots(figsize=(7, 4))
    xs = range(len(rows))
    ax.bar([x - 0.3 for x in xs], [r["intent_accuracy"] for r in rows], 0.2, label="intent accuracy")
    ax.bar([x - 0.1 for x in xs], [r["faq_topic_accuracy"] or 0 for r in rows], 0.2, label="FAQ topic")
    ax.bar([x + 0.1 for x in xs], [r["language_id_accuracy"] for r in rows], 0.2, label="language ID")
    ax.bar([x + 0.3 for x in xs], [s["urgent_recall"] or 0 for s in und["safety"]], 0.2,
           label="urgent recall")
    ax.set_xticks(list(xs), [r["locale"] for r in rows])
    ax.set_ylim(0.7, 1.0)
    ax.axhline(0.95, color="grey", linestyle=":")
    ax.legend()
    ax.set_title("Understanding per locale (held-out split)")
    fig.tight_layout()
    fig.savefig(results_dir / "accuracy_per_locale.png", dpi=90)
    plt.close(fig)


def training(smoke: bool) -> dict:
    out = {"model_mb": round(MODEL.stat().st_size / 1e6, 1) if MODEL.exists() else None}
    if smoke:
        out["note"] = "training time is measured by the full bench only"
        return out
    rasa = Path(sys.executable).parent / "rasa"
    tmp = Path(tempfile.mkdtemp(prefix="wegwijs-train-"))
    for label, extra in (("from_scratch_s", ["--force"]), ("with_cache_s", [])):
        progress(f"training: {label.replace('_', ' ')}")
        start = time.perf_counter()
        subprocess.run([str(rasa), "train", "--data", "data", "nlu", "--out", str(tmp), *extra],
                       cwd=ROOT, check=True, capture_output=True)
        out[label] = round(time.perf_counter() - start, 1)
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def report(results: dict) -> str:
    m = results["machine"]
    u = results["understanding"]
    lines = [
        "# Wegwijs benchmark",
        "",
        f"Commit `{m['commit']}`, {m['date']}, {m['cores']} cores, {m['memory_gb']} GB, Python {m['python']}"
        + (" — **smoke run (tiny load)**" if results["smoke"] else ""),
        "",
        f"**Headline: the gap between the best and the worst locale is "
        f"{u['gap_best_worst_intent_accuracy']:.3f} intent accuracy (worst: {u['worst_locale']}).**",
        "",
        "## Understanding (held-out split, written apart from the training data)",
        "",
        "| locale | n | intent acc (95 % CI) | macro-F1 | FAQ topic | OOS precision | OOS recall "
        "| language ID | wrong switch | Latin script (lang-ID) | code-switch | typos |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]

    def f(x: float | None) -> str:
        return "–" if x is None else f"{x:.3f}"

    for r in u["per_locale"]:
        lo, hi = r["intent_accuracy_ci95"]
        sub = r.get("subsets") or {}
        lines.append(
            f"| {r['locale']} | {r['n']} | {r['intent_accuracy']:.3f} ({lo:.3f}–{hi:.3f}) | "
            f"{r['intent_macro_f1']:.3f} | {f(r['faq_topic_accuracy'])} | "
            f"{f(r['out_of_scope_precision'])} | {f(r['out_of_scope_recall'])} | "
            f"{f(r['language_id_accuracy'])} | {f(r.get('wrong_switch_rate'))} | "
            f"{f((sub.get('latin') or {}).get('intent_accuracy'))} "
            f"({f((sub.get('latin') or {}).get('language_id_accuracy'))}) | "
            f"{f((sub.get('codeswitch') or {}).get('intent_accuracy'))} | "
            f"{f((sub.get('typo') or {}).get('intent_accuracy'))} |"
        )
    lines += ["", "## Safety (crisis set: direct and indirect crisis messages; ordinary messages "
              "with alarming words)", "",
              "| locale | crisis n | urgent recall (95 % CI) | direct | indirect | caught by phrase list "
              "| ordinary n | false alarms | false alarms on held-out |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for s in u.get("safety") or []:
        lo, hi = s["urgent_recall_ci95"]
        lines.append(
            f"| {s['locale']} | {s['urgent_n']} | {f(s['urgent_recall'])} ({lo:.3f}–{hi:.3f}) | "
            f"{f(s['urgent_recall_direct'])} | {f(s['urgent_recall_indirect'])} | "
            f"{f(s['by_phrase_list'])} | {s['ordinary_n']} | {f(s['false_alarm_rate'])} | "
            f"{f(s['false_alarm_rate_heldout'])} |"
        )
    summary = u.get("summary")
    if summary:
        lines += ["", "Against the targets (✓ met, ✗ not yet): " + ", ".join(
            f"{'✓' if ok else '✗'} {name}" for name, ok in summary["targets"].items()) + "."]
    lines += ["", "Worst-confused pairs and weakest intents (F1):", ""]
    for r in u["per_locale"]:
        pairs = ", ".join(f"{p['expected']}→{p['got']} ×{p['count']}"
                          for p in r["worst_confusions"]) or "none"
        weakest = ", ".join(f"{k} {v:.2f}" for k, v in
                            sorted(r["intent_f1"].items(), key=lambda kv: kv[1])[:3])
        lines.append(f"- {r['locale']}: {pairs}; weakest: {weakest}")
    lines += ["", "![accuracy](accuracy_per_locale.png)", ""]
    lines += [f"![confusion {p}]({p})" for p in u["confusion_plots"]]
    s = results["serving"]
    lines += ["", "## Serving", "", f"Startup until `/healthz` is green: {s['startup_s']} s.", "",
              "| path | conversations | messages | msg/s | p50 ms | p95 ms | p99 ms | errors |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for target in ("webchat", "rasa_rest"):
        for r in s[target]:
            lines.append(f"| {target} | {r['concurrency']} | {r['messages']} | {r['throughput_msg_s']} | "
                         f"{r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['errors']} |")
    g = s["conversation_growth"]
    lines += ["", f"One conversation of {g['length']} messages: median {g['median_first_10_ms']} ms for "
              f"messages 1–10, {g['median_last_10_ms']} ms for the last 10 (ratio {g['ratio']}).", "",
              "![latency vs concurrency](latency_vs_concurrency.png)", "",
              "![latency vs length](latency_vs_length.png)", "", "## Resources", ""]
    for name, mb in s["rss_mb"].items():
        lines.append(f"- {name}: {mb} MB resident after the load")
    t = results["training"]
    lines.append(f"- model: {t['model_mb']} MB")
    if "from_scratch_s" in t:
        lines.append(f"- training: {t['from_scratch_s']} s from scratch, {t['with_cache_s']} s with Rasa's cache")
    else:
        lines.append(f"- training: {t['note']}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--smoke", action="store_true", help="tiny load, same code")
    args = parser.parse_args()
    if not MODEL.exists():
        print("no trained model: run `make train`", file=sys.stderr)
        return 2
    results_dir = RESULTS / ("smoke" if args.smoke else "")
    results_dir.mkdir(parents=True, exist_ok=True)
    results = {"smoke": args.smoke, "machine": machine()}
    results["understanding"] = understanding(results_dir)
    accuracy_plot(results["understanding"], results_dir)
    results["serving"] = serving(args.smoke, results_dir)
    results["training"] = training(args.smoke)
    (results_dir / "latest.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    (results_dir / "report.md").write_text(report(results), encoding="utf-8")
    progress(f"written: {(results_dir / 'report.md').relative_to(ROOT)} and latest.json")
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
