"""How precis-cli batch reports on stderr: files done of total, files per minute, ETA, and a
summary table at the end. A terminal gets a live bar; a log file gets one line per file."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm

from desktop.cli.progress import StderrBar
from desktop.core.durations import duration, eta
from desktop.core.events import Event, Notice
from desktop.ml.batch.manifest import Row
from desktop.ml.batch.plan import Plan
from desktop.ml.batch.runner import BatchSummary

#: Failed files listed one per line in the summary; the manifest has them all.
MAX_LISTED = 20


class BatchView(StderrBar):
    """Receives the runner's callbacks; draws nothing on stdout."""

    def __init__(self, enabled: bool | None = None, *, quiet: bool = False) -> None:
        super().__init__(enabled)
        self.quiet = quiet
        self.total = 0
        self.skipped = 0

    def on_plan(self, plan: Plan, summary: BatchSummary) -> None:
        self.total, self.skipped = plan.total, len(plan.up_to_date)
        workers = f"{summary.workers.workers} worker(s)" if summary.workers else "the cluster"
        self.write(f"{plan.total} file(s): {len(plan.todo)} to do on {workers}, "
                   f"{self.skipped} already done with the same content and settings.")
        if self.enabled and plan.todo:
            self._bar = tqdm(total=plan.total, initial=self.skipped, file=sys.stderr, unit="file",
                             dynamic_ncols=True, leave=False)

    def progress_text(self, summary: BatchSummary) -> str:
        rate = summary.files_per_minute()
        done = self.skipped + summary.finished
        left = max(0, self.total - done)
        left_text = eta(left / rate * 60) if rate > 0 else "?"
        return f"{done}/{self.total} files, {rate:.1f} files/min, ETA {left_text}"

    def on_row(self, row: Row, summary: BatchSummary) -> None:
        text = self.progress_text(summary)
        if row.status == "failed":
            self.write(f"failed {row.key}: {row.error}: {row.message}")
        if self._bar is not None:
            self._bar.n = self.skipped + summary.finished
            self._bar.set_postfix_str(text.split(", ", 1)[1], refresh=False)
            self._bar.refresh()
        elif not self.quiet:
            self.write(f"[{text}] {row.status} {row.key} ({row.seconds:.1f} s)")

    def __call__(self, event: Event) -> None:
        if isinstance(event, Notice):
            self.write(event.text)

    def summary_table(self, summary: BatchSummary) -> str:
        self.close()
        rate = summary.files_per_minute()
        rows: list[tuple[str, Any, str]] = [
            ("done", summary.done, "summarized in this run"),
            ("failed", summary.failed, "typed error in manifest.jsonl"),
            ("skipped", summary.skipped, "already done: same content and settings"),
        ]
        if summary.missing:
            rows.append(("missing", len(summary.missing), "source gone; its digest was kept"))
        if summary.retried:
            rows.append(("retried", summary.retried, "a worker died mid-file; run again"))
        if summary.cancelled:
            rows.append(("not run", summary.total - summary.skipped - summary.finished, "cancelled; rerun to go on"))
        lines = [f"Batch {summary.run}: {duration(summary.seconds)}, {rate:.1f} files/min"
                 + (f", {summary.workers.workers} worker(s)" if summary.workers else ""),
                 f"{'status':<8} {'files':>6}  note"]
        lines += [f"{name:<8} {count:>6}  {note}" for name, count, note in rows]
        failed = [r for r in summary.rows if r.status == "failed"]
        for r in failed[:MAX_LISTED]:
            lines.append(f"  {r.key}: {r.error}: {r.message}")
        if len(failed) > MAX_LISTED:
            lines.append(f"  ... and {len(failed) - MAX_LISTED} more (manifest.jsonl)")
        for r in summary.missing[:MAX_LISTED]:
            lines.append(f"  missing {r.key} (digest kept: {', '.join(r.outputs) or 'none'})")
        return "\n".join(lines)

