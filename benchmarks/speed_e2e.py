"""End-to-end and cold-start rows: the real CLI on the largest PDF of the shared corpus.

Both run with ``PRECIS_BENCH_FIXED_LENGTH=1`` (every generation exactly its preset's maximum
length, no retries; see ``desktop/ml/engine/generation.py``) so the work does not depend on when a
random-weight model happens to stop, and with a fresh ``PRECIS_HOME`` whose settings point at
the benchmark's model store, so the summary cache starts empty.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.speed_workload import model_name

REPO = Path(__file__).resolve().parents[1]
FIXED_LENGTH_ENV = "PRECIS_BENCH_FIXED_LENGTH"
_COLD_MARK = "PRECIS_COLD "


def default_corpus() -> Path:
    return Path(os.environ.get("PRECIS_CORPUS", REPO.parent / "shared" / "corpus"))


def largest_pdf(corpus: Path) -> tuple[Path, int] | None:
    """The PDF with the most pages that opens without a password and has a text layer."""
    import logging

    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # the corpus's broken files are expected
    best: tuple[Path, int] | None = None
    for path in sorted((corpus / "pdf").glob("*.pdf")):
        try:
            reader = pypdf.PdfReader(path)
            if reader.is_encrypted or not (reader.pages[0].extract_text() or "").strip():
                continue
            pages = len(reader.pages)
        except Exception:  # noqa: BLE001, S112 - the corpus holds deliberately broken files
            continue
        if best is None or pages > best[1]:
            best = (path, pages)
    return best


def _home(store_root: Path, shape: str, threads: int) -> Path:
    home = Path(tempfile.mkdtemp(prefix="precis-bench-home-"))
    (home / "config").mkdir()
    settings = {"model_store": str(store_root), "model": model_name(shape), "threads": threads}
    (home / "config" / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    return home


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, PRECIS_HOME=str(home), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env[FIXED_LENGTH_ENV] = "1"
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("precis-cli")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from desktop.cli import main; sys.exit(main())"]


def end_to_end(store_root: Path, shape: str, pdf: Path, pages: int, threads: int = 0) -> dict[str, Any]:
    """``precis-cli summarize`` twice on the same file: the second run is answered by the summary cache."""
    home = _home(store_root, shape, threads)
    try:
        times, digest = [], {}
        for _ in range(2):
            out = home / "digest.json"
            cmd = [*_cli(), "summarize", str(pdf), "--model", model_name(shape), "--engine", "flan-t5",
                   "--no-progress", "--format", "json", "--out", str(out)]
            started = time.perf_counter()
            proc = subprocess.run(cmd, check=False, env=_env(home), capture_output=True, text=True, timeout=3600)
            times.append(time.perf_counter() - started)
            if proc.returncode not in (0, 1) or not out.is_file():
                raise RuntimeError(f"precis-cli failed ({proc.returncode}): {proc.stderr[-2000:]}")
            digest = json.loads(out.read_text(encoding="utf-8"))
        stats = digest.get("stats", {})
        return {"file": pdf.name, "pages": pages, "chunks": stats.get("chunks"), "first_seconds": round(times[0], 2),
                "second_seconds": round(times[1], 2), "cache_speedup": round(times[0] / times[1], 1),
                "picked": f"{stats.get('backend')} {stats.get('quantization')}", "cache_hits": stats.get("cache_hits"),
                "generated_second_run": stats.get("generated")}
    finally:
        shutil.rmtree(home, ignore_errors=True)


def cold_start(store_root: Path, shape: str, pdf: Path, threads: int = 0) -> dict[str, Any]:
    """Seconds from launching a fresh process to its first chunk summary (first ``Partial`` event)."""
    home = _home(store_root, shape, threads)
    try:
        launched = time.time()
        proc = subprocess.run([sys.executable, __file__, str(pdf), model_name(shape), str(store_root), str(threads)],
                              env=_env(home), check=False, capture_output=True, text=True, timeout=1800)
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith(_COLD_MARK)), None)
        if line is None:
            raise RuntimeError(f"cold start run failed ({proc.returncode}): {proc.stderr[-2000:]}")
        marks = json.loads(line[len(_COLD_MARK):])
        return {"file": pdf.name, "first_partial_seconds": round(marks["partial"] - launched, 2),
                "load_seconds": round(marks["loaded"] - marks["loading"], 2) if "loaded" in marks else None,
                "imports_seconds": round(marks["imported"] - launched, 2)}
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _cold_child(pdf: str, model: str, store: str, threads: str) -> None:
    """The cold-start process: the same job the CLI runs, stopped at the first chunk summary."""
    marks: dict[str, float] = {}
    from desktop.core.events import Partial, Progress
    from desktop.ml.engine.job import JobSpec, run_job

    marks["imported"] = time.time()

    def on_event(event: object) -> None:
        if isinstance(event, Progress) and event.stage.startswith("loading "):
            marks.setdefault("loading", time.time())
        elif isinstance(event, Progress) and event.stage.startswith("loaded "):
            marks.setdefault("loaded", time.time())
        elif isinstance(event, Partial):
            marks["partial"] = time.time()
            print(_COLD_MARK + json.dumps(marks), flush=True)
            os._exit(0)  # the rest of the job is not part of this measurement

    run_job(JobSpec(paths=[pdf], engine="flan-t5", model=model, model_store=store, threads=int(threads)),
            on_event=on_event)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    _cold_child(*sys.argv[1:5])
