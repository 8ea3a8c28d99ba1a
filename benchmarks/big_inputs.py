"""Big inputs stay flat: time and peak RSS of ``precis-cli summarize`` at 1x, 4x and 16x inputs.

Builds its own inputs from the shared corpus: a PDF of the corpus PDFs' text pages concatenated
(16x = 500 pages) and an mbox of the corpus's emails re-dated and re-titled (16x = 5,000
messages). Every page and message gets one line of its own, so no two chunks are alike and the
summary cache cannot answer a repeat (which would make time look sublinear). Each run is its own
``precis-cli`` process with a fresh ``PRECIS_HOME``; its peak RSS is the process's own ``VmHWM``
(``desktop.core.memory.peak_rss_mb``), printed by the child as it exits. Growth is judged on the
process's CPU seconds: on a shared machine wall time also counts the wait for a free core.

    .venv/bin/python benchmarks/big_inputs.py                       # extractive + tiny model, 1x 4x 16x
    .venv/bin/python benchmarks/big_inputs.py --engines extractive --scales 1 4 --json
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import logging
import mailbox
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

FULL_PAGES = 500
FULL_MESSAGES = 5000
PEAK_MARK = "PRECIS_PEAK_RSS_MB "
RSS_BOUND_MB = 900
_WORDS = ("amber", "basalt", "cedar", "delta", "ember", "fjord", "garnet", "harbor", "indigo", "juniper",
          "kestrel", "lumen", "meadow", "nectar", "onyx", "prairie", "quartz", "raven", "sierra", "tundra")
_CHILD = ("import sys\nfrom desktop.cli import main\nfrom desktop.core.memory import peak_rss_mb\n"
          "code = main(sys.argv[1:])\nprint('" + PEAK_MARK + "%.1f' % peak_rss_mb(), file=sys.stderr)\n"
          "sys.exit(code)\n")


def default_corpus() -> Path:
    return Path(os.environ.get("PRECIS_CORPUS", REPO.parent / "shared" / "corpus"))


def tag(i: int) -> str:
    """Words unique to item ``i`` (no digits alone: readers drop lines that differ only by a number)."""
    a, b, c = _WORDS[i % 20], _WORDS[(i // 20) % 20], _WORDS[(i // 400) % 20]
    return f"Reference {a} {b} {c} marks item {i + 1} of this collection."


def _text_pages(corpus: Path) -> list[Any]:
    """Pages of the corpus's PDFs that carry a real text layer (no OCR, no password)."""
    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # the corpus holds deliberately broken files
    pages = []
    for path in sorted((corpus / "pdf").glob("*.pdf")):
        try:
            reader = pypdf.PdfReader(path)
            if reader.is_encrypted:
                continue
            pages.extend(p for p in reader.pages if len((p.extract_text() or "").split()) >= 80)
        except Exception:  # noqa: BLE001, S112 - broken corpus files are skipped
            continue
    return pages


def _stamp(writer: Any, page: Any, text: str) -> None:
    """Add one line of text at the page's foot (a Helvetica text object appended to its content)."""
    from pypdf.generic import ArrayObject, ContentStream, DictionaryObject, NameObject

    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else DictionaryObject()
    fonts = resources.get("/Font")
    fonts = fonts.get_object() if fonts is not None else DictionaryObject()
    fonts[NameObject("/FPrecisTag")] = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica")})
    resources[NameObject("/Font")] = fonts
    page[NameObject("/Resources")] = resources
    safe = text.replace("\\", "").replace("(", "").replace(")", "")
    stream = ContentStream(None, None)
    stream.set_data(f"q BT /FPrecisTag 9 Tf 36 30 Td ({safe}) Tj ET Q".encode("latin-1"))
    ref = writer._add_object(stream)  # pypdf has no public "add a stream" call
    contents = page.get("/Contents")
    items = ArrayObject()
    if contents is not None:
        obj = contents.get_object()
        items.extend(obj if isinstance(obj, ArrayObject) else [contents])
    items.append(ref)
    page[NameObject("/Contents")] = items


def build_pdf(corpus: Path, pages: int, out: Path) -> Path:
    import pypdf

    source = _text_pages(corpus)
    if not source:
        raise RuntimeError(f"no PDF with a text layer in {corpus / 'pdf'}")
    writer = pypdf.PdfWriter()
    for i in range(pages):
        page = writer.add_page(source[i % len(source)])
        _stamp(writer, page, tag(i))
    with out.open("wb") as fh:
        writer.write(fh)
    return out


def _bodies(corpus: Path) -> list[tuple[str, str, str]]:
    """(sender, subject, plain body) of the corpus's emails, from .eml files and mboxes."""
    found: list[tuple[str, str, str]] = []

    def take(msg: Any) -> None:
        try:
            part = msg.get_body(preferencelist=("plain",))
            text = part.get_content() if part is not None else ""
        except Exception:  # noqa: BLE001 - the corpus's torture tests are meant to break parsers
            return
        words = text.split()
        if len(words) >= 30:
            sender = str(msg.get("From", "someone@example.org"))[:80] or "someone@example.org"
            found.append((sender, str(msg.get("Subject", "") or "")[:80], " ".join(words[:400])))

    for path in sorted((corpus / "email").glob("*.eml")):
        take(email.message_from_bytes(path.read_bytes(), policy=email.policy.default))
    for path in sorted((corpus / "email").glob("*.mbox")):
        box = mailbox.mbox(str(path), create=False)
        for key in box.iterkeys():
            take(email.message_from_bytes(box.get_bytes(key), policy=email.policy.default))
    return found


def build_mbox(corpus: Path, messages: int, out: Path) -> Path:
    source = _bodies(corpus)
    if not source:
        raise RuntimeError(f"no email with a plain body in {corpus / 'email'}")
    start = datetime(2024, 1, 8, 9, 0, tzinfo=UTC)
    box = mailbox.mbox(str(out))
    box.lock()
    try:
        for i in range(messages):
            sender, subject, body = source[i % len(source)]
            msg = EmailMessage()
            msg["From"] = sender.replace("\n", " ")
            msg["To"] = "team@example.org"
            msg["Subject"] = f"{subject or 'Update'} ({_WORDS[i % 20]} {i + 1})".replace("\n", " ")
            msg["Date"] = format_datetime(start + timedelta(minutes=37 * i))
            msg.set_content(f"{body}\n\n{tag(i)}\n")
            box.add(msg)
        box.flush()
    finally:
        box.unlock()
        box.close()
    return out


def _engine_args(engine: str, model_dir: Path | None) -> list[str]:
    if engine == "extractive":
        return ["--engine", "extractive"]
    assert model_dir is not None
    if engine == "tiny-torch":  # transformers' eager T5 attention: what installs without CTranslate2 run
        return ["--engine", "flan-t5", "--model", str(model_dir), "--backend", "torch", "--quantize", "none"]
    return ["--engine", "flan-t5", "--model", str(model_dir)]  # the default: auto (CTranslate2 int8)


def run_one(path: Path, engine: str, model_dir: Path | None, timeout: float = 3600,
            derived: Path | None = None) -> dict[str, Any]:
    """One ``precis-cli summarize`` process on ``path``: wall seconds, peak RSS and the digest's stats.

    A fresh ``PRECIS_HOME`` (empty summary cache); ``derived`` is shared between runs so the
    model's CTranslate2 conversion (a child process, done once) is not timed with each input."""
    home = Path(tempfile.mkdtemp(prefix="precis-big-home-"))
    if derived is not None:
        derived.mkdir(parents=True, exist_ok=True)
        (home / "data" / "models").mkdir(parents=True)
        (home / "data" / "models" / "derived").symlink_to(derived, target_is_directory=True)
    out = home / "digest.json"
    env = dict(os.environ, PRECIS_HOME=str(home), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               PRECIS_BENCH_FIXED_LENGTH="1")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    cmd = [sys.executable, "-c", _CHILD, "summarize", str(path), *_engine_args(engine, model_dir),
           "--ocr", "never", "--no-progress", "--format", "json", "--out", str(out)]
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        peak = next((float(ln[len(PEAK_MARK):]) for ln in proc.stderr.splitlines() if ln.startswith(PEAK_MARK)), None)
        if proc.returncode not in (0, 1) or not out.is_file():
            raise RuntimeError(f"precis-cli failed ({proc.returncode}) on {path.name}: {proc.stderr[-2000:]}")
        digest = json.loads(out.read_text(encoding="utf-8"))
        stats = digest.get("stats", {})
        return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "job_s": stats.get("seconds_total"), "peak_rss_mb": None if peak is None else round(peak),
                "chunks": stats.get("chunks"), "generated": stats.get("generated"),
                "cache_hits": stats.get("cache_hits"), "stages": stats.get("stages", {}),
                "digest_bytes": out.stat().st_size, "points": len(digest.get("points", []))}
    finally:
        shutil.rmtree(home, ignore_errors=True)


def build_tiny_model(folder: Path) -> Path:
    from desktop.ml.models.random_model import build_random_t5

    return build_random_t5(folder / "tiny-t5", "tiny")


def _base_model() -> Path:
    """The flan-t5-base-shaped random model that ``benchmarks/speed.py`` builds (and caches)."""
    from benchmarks.speed_workload import default_work_dir, ensure_model

    ensure_model(default_work_dir(), "base")
    return default_work_dir() / "models" / "base"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", nargs="+", default=["extractive", "tiny"], choices=["extractive", "tiny", "tiny-torch", "base"],
                        help="base: a random model of flan-t5-base's shape (benchmarks/speed_workload.py), slow: ~1 s a page")
    parser.add_argument("--scales", nargs="+", type=int, default=[1, 4, 16])
    parser.add_argument("--kinds", nargs="+", default=["pdf", "mbox"], choices=["pdf", "mbox"])
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="precis-big-"))
    rows: list[dict[str, Any]] = []
    try:
        model_dir = build_tiny_model(work) if any(e.startswith("tiny") for e in args.engines) else None
        base_dir = _base_model() if "base" in args.engines else None
        derived = work / "derived"
        for engine, folder in (("tiny", model_dir), ("base", base_dir)):
            if engine in args.engines:  # convert once, untimed
                warm = build_pdf(args.corpus, 2, work / "warm-up.pdf")
                run_one(warm, engine, folder, derived=derived)
        top = max(args.scales)
        for kind in args.kinds:
            for scale in sorted(args.scales):
                full = FULL_PAGES if kind == "pdf" else FULL_MESSAGES
                units = max(1, round(full * scale / max(top, 16)))
                path = work / f"big-{scale}x.{kind}"
                built = time.perf_counter()
                if kind == "pdf":
                    build_pdf(args.corpus, units, path)
                else:
                    build_mbox(args.corpus, units, path)
                print(f"built {path.name}: {units} {'pages' if kind == 'pdf' else 'messages'}, "
                      f"{path.stat().st_size / 2**20:.1f} MB in {time.perf_counter() - built:.1f} s", file=sys.stderr)
                for engine in args.engines:
                    row = {"kind": kind, "scale": scale, "units": units, "engine": engine,
                           "file_mb": round(path.stat().st_size / 2**20, 1),
                           **run_one(path, engine, base_dir if engine == "base" else model_dir, derived=derived)}
                    row["ms_per_unit"] = round(1000 * row["wall_s"] / units, 1)
                    rows.append(row)
                    print(f"  {engine}: {row['wall_s']} s, peak {row['peak_rss_mb']} MB, chunks {row['chunks']}",
                          file=sys.stderr)
                path.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(table(rows))
    if args.json:
        print(json.dumps(rows, indent=1))
    over = [r for r in rows if (r["peak_rss_mb"] or 0) > RSS_BOUND_MB]
    return 1 if over else 0


def table(rows: list[dict[str, Any]]) -> str:
    head = ("| input | size | engine | chunks | wall s | CPU s | CPU ms per page/message | CPU vs 1x | peak RSS MB | "
            "slowest stages (wall s) |")
    lines = [head, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    base = {(r["kind"], r["engine"]): r for r in rows if r["scale"] == min(x["scale"] for x in rows)}
    for r in rows:
        b = base.get((r["kind"], r["engine"]))
        growth = f"{r['cpu_s'] / b['cpu_s']:.1f}x" if b and b["cpu_s"] else "–"
        stages = {k: v.get("wall_s", 0.0) if isinstance(v, dict) else v for k, v in r["stages"].items() if k != "_total"}
        top = sorted(((k, v) for k, v in stages.items() if isinstance(v, int | float)), key=lambda kv: -kv[1])[:3]
        unit = "pages" if r["kind"] == "pdf" else "messages"
        lines.append(f"| {r['kind']} | {r['scale']}x ({r['units']} {unit}) | {r['engine']} | {r['chunks'] or '–'} | "
                     f"{r['wall_s']} | {r['cpu_s']} | {1000 * r['cpu_s'] / r['units']:.1f} | {growth} | {r['peak_rss_mb']} | "
                     + ", ".join(f"{k} {v:.1f}" for k, v in top) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
