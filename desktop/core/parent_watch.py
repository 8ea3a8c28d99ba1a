"""A child process that ends when its parent dies, even by SIGKILL: ``daemon`` only covers a clean
exit, and nobody would read what an orphan computes."""

from __future__ import annotations

import os
import threading
import time


def exit_with_parent(parent_pid: int | None = None, *, code: int = 1, interval_s: float = 1.0) -> threading.Thread:
    """Watch ``parent_pid`` (default: the parent now) from a daemon thread; ``os._exit(code)`` once
    this process has another parent (the first one died and we were adopted)."""
    watched = os.getppid() if parent_pid is None else parent_pid

    def watch() -> None:
        while True:
            if os.getppid() != watched:
                os._exit(code)
            time.sleep(interval_s)

    thread = threading.Thread(target=watch, name="precis-parent-watch", daemon=True)
    thread.start()
    return thread
