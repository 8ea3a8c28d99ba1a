"""The soak test's child process: run summarization jobs over a folder and sample this process's
RSS after every document, the way the GUI's worker runs them.

    python -m tests.reliability.soak_runner OUT.json SPEC_JSON FOLDER [REPEAT]

``SPEC_JSON`` holds JobSpec fields (engine, model, backend...). The job runs ``REPEAT`` times
(default 1) in this one process with one EnginePool, as consecutive jobs do in the worker.
Writes ``OUT.json``: per job the documents and errors, the digest's document paths, RSS after
every document read (``reading``) and after every summary (``summaries``), the peak RSS
(the kernel's VmHWM, reset before each job; else a 10 ms sampler) and the seconds taken.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import psutil

from desktop.core.events import Event, Partial, Progress
from desktop.core.memory import peak_rss_mb
from desktop.ml.engine.job import EnginePool, JobSpec, run_job


class RssProbe:
    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = 0
        self.exact = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def mb(self) -> float:
        rss = self.process.memory_info().rss
        self.peak = max(self.peak, rss)
        return round(rss / 2**20, 1)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.mb()

    def reset_peak(self) -> None:
        """Start a new peak: the kernel's own high-water mark (VmHWM, exact) when this kernel lets
        it be reset through /proc/self/clear_refs, else the 10 ms samples alone."""
        self.exact = False
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
                fh.write("5")
            self.exact = True
        except OSError:
            pass
        self.peak = self.process.memory_info().rss

    def peak_mb(self) -> float:
        peak = self.peak
        if self.exact:
            peak = max(peak, int(peak_rss_mb() * 2**20))
        return round(peak / 2**20, 1)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(1)


def main(argv: list[str]) -> int:
    out, fields, folder = Path(argv[0]), json.loads(argv[1]), argv[2]
    repeat = int(argv[3]) if len(argv) > 3 else 1
    probe = RssProbe()
    pool = EnginePool()
    jobs = []
    for _ in range(repeat):
        reading: list[float] = []
        summaries: list[float] = []

        def on_event(event: Event, reading: list[float] = reading, summaries: list[float] = summaries) -> None:
            if isinstance(event, Progress) and event.stage.startswith("reading "):
                reading.append(probe.mb())
            elif isinstance(event, Partial) and event.level == 0:
                summaries.append(probe.mb())

        probe.reset_peak()
        started = time.monotonic()
        result = run_job(JobSpec(paths=[folder], **fields), on_event=on_event, pool=pool)
        jobs.append({
            "seconds": round(time.monotonic() - started, 1),
            # Large jobs do not return their Documents (they are released as they are summarized).
            "documents": sorted({d.path for d in result.digest.documents}),
            "errors": result.errors,
            "digest_paths": sorted({d.path for d in result.digest.documents}),
            "summarized": sorted({d.path for d in result.digest.documents if d.summary.strip()}),
            "engine": result.digest.engine,
            "stats": result.digest.stats,
            "reading": reading,
            "summaries": summaries,
            "peak_mb": probe.peak_mb(),
            "after_mb": probe.mb(),
        })
    pool.close()
    probe.stop()
    out.write_text(json.dumps(jobs), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
