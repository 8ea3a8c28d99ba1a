"""A one-off model task (download, import, build the quantized version) in its own child process.

``ChildTask`` gives it its signals and a Cancel that kills the process if it has not stopped by
itself within ``CANCEL_GRACE_MS``; this module only names the task and what it runs.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QObject

from desktop.gui.process.child_task import ChildTask
from desktop.ml.worker import task_main

_WHAT = {"download": "The download", "import": "The import", "quantize": "Building the quantized version"}


class ModelTask(ChildTask):
    """``ModelTask("download", {"entry": entry}).start()``; see ``desktop.ml.worker.run_task``.
    ``finished`` carries the task's result dict ({"name", "path", ...})."""

    def __init__(self, kind: str, params: dict[str, Any], parent: QObject | None = None) -> None:
        super().__init__(f"{kind}-{uuid.uuid4().hex[:8]}", parent)
        self.kind = kind
        self.params = dict(params)
        self.what = _WHAT.get(kind, "The task")

    def start(self) -> None:
        self._start(task_main, (self.task_id, self.kind, self.params), f"precis-{self.kind}")
