"""Markdown tables for the speed benchmark's results (one function per table)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def speed_table(rows: Sequence[dict[str, Any]]) -> str:
    header = ["backend", "quantization", "threads", "batching", "load s", "one-off build s", "encoder s/chunk",
              "decode tok/s", "map s", "map CPU s", "speed-up", "peak RSS MB"]
    body = []
    for r in rows:
        name = r["backend"] if r["backend"] != "auto" else f"**auto** ({r.get('picked', '?')})"
        build = r.get("build_seconds")
        body.append([name, r["quantization"], _fmt(r.get("threads")), r.get("batching", ""), _fmt(r.get("load_seconds")),
                     _fmt(build, 1) if build is not None else "–", _fmt(r.get("encoder_seconds_per_chunk"), 3),
                     _fmt(r.get("decode_tokens_per_s"), 1), _fmt(r.get("map_seconds")), _fmt(r.get("map_cpu_seconds"), 1),
                     f"{r['speedup']:.1f}x" if r.get("speedup") else "–", _fmt(r.get("peak_rss_mb"))])
    return _table(header, body)


def e2e_table(e2e: dict[str, Any] | None, cold: dict[str, Any] | None) -> str:
    body = []
    if e2e:
        body.append([f"end-to-end: `precis-cli summarize {e2e['file']}` ({e2e['pages']} pages, {e2e.get('chunks', '?')} chunks)",
                     f"{e2e['first_seconds']:.1f} s", f"cached rerun {e2e['second_seconds']:.1f} s",
                     f"**{e2e['cache_speedup']:.0f}x** faster (target >= 20x)"])
    if cold:
        body.append([f"cold start: process start -> first chunk summary ({cold['file']}, quantized model cached)",
                     f"{cold['first_partial_seconds']:.2f} s", f"model load {_fmt(cold.get('load_seconds'))} s",
                     "target < 5 s"])
    return _table(["run", "wall time", "detail", "note"], body) if body else ""


def quality_table(rows: Sequence[dict[str, Any]]) -> str:
    header = ["model", "backend", "int8 vs fp32: token match", "ROUGE-L F1", "identical outputs",
              "task ROUGE-L fp32 / int8"]
    body = []
    for r in rows:
        task = (f"{r['task_rouge_l_fp32']:.3f} / {r['task_rouge_l_int8']:.3f}" if "task_rouge_l_fp32" in r else "–")
        body.append([r["model"], r["backend"], f"{100 * r['token_match']:.1f}%", f"{r['rouge_l']:.3f}",
                     f"{r['identical']}/{r['prompts']}", task])
    return _table(header, body)
