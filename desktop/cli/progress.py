"""Draw engine events as a progress bar on stderr (tqdm), the CLI's only view of a job."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm

from desktop.core.durations import eta
from desktop.core.events import Event, Notice, Progress


class StderrBar:
    """A tqdm bar on stderr (only on a terminal) that lines of text can be written above."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bar: Any = None

    def write(self, text: str) -> None:
        if self._bar is not None:
            self._bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class ProgressBar(StderrBar):
    """Engine events: one bar per kind of stage, with the stage text and the ETA."""

    def __init__(self, enabled: bool | None = None) -> None:
        super().__init__(enabled)
        self._stage_kind = ""

    def __call__(self, event: Event) -> None:
        if isinstance(event, Notice):
            self.write(event.text)
        elif isinstance(event, Progress) and self.enabled:
            kind = event.stage.split(" ", 1)[0]
            if self._bar is None or kind != self._stage_kind or (event.total and self._bar.total != event.total):
                self.close()
                self._bar = tqdm(total=event.total or None, file=sys.stderr, leave=False, dynamic_ncols=True)
                self._stage_kind = kind
            self._bar.set_description_str(event.stage, refresh=False)
            self._bar.n = event.done
            if event.eta_s is not None:
                self._bar.set_postfix_str(f"ETA {eta(event.eta_s)}", refresh=False)
            self._bar.refresh()
