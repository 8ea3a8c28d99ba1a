"""One spawned child process and its pipes, as the window sees it: nothing here ever blocks.

Messages from the child are read and decoded (``desktop.ml.protocol``) by a small thread into a
``queue.Queue`` that the GUI thread drains on a timer, so a large digest never stalls painting.
The child's end of the event pipe is the only writer (we close ours right after the start), so the
reader sees end-of-file the moment the child dies, however it dies; it then reaps the process and
queues ``Exited(exitcode)`` after the child's last message.

No Qt here: ``WorkerBridge`` and ``ChildTask`` put the Qt face on it.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import queue
import signal
import threading
from collections.abc import Callable
from typing import Any

from desktop.ml import protocol
from desktop.ml.protocol import Exited, Message
from desktop.ml.worker import CancelFlag

log = logging.getLogger(__name__)


class ChildProcess:
    """Start ``target(*args, [requests,] events, cancel_flag)`` in a spawned child.

    ``requests`` (a connection the child ``recv``s from) is passed only with ``requests=True``.
    The child is not a daemon: daemons may not start processes, and the model conversion of
    the CTranslate2 and ONNX engines runs in a grandchild.
    """

    def __init__(self, target: Callable[..., None], args: tuple[Any, ...] = (), *, name: str,
                 requests: bool = True) -> None:
        ctx = mp.get_context("spawn")
        self.flag = CancelFlag(ctx)
        self.inbox: queue.Queue[Message] = queue.Queue()
        self.killed = False
        self.exitcode: int | None = None
        events_r, events_w = ctx.Pipe(duplex=False)
        self._requests: Any = None
        child_args: tuple[Any, ...]
        if requests:
            req_r, self._requests = ctx.Pipe(duplex=False)
            child_args = (*args, req_r, events_w, self.flag)
        else:
            req_r = None
            child_args = (*args, events_w, self.flag)
        self.process = ctx.Process(target=target, args=child_args, name=name, daemon=False)
        try:
            self.process.start()
        finally:
            # The child holds its own copies now; ours would hide its death from the reader.
            events_w.close()
            if req_r is not None:
                req_r.close()
        self._events = events_r
        self._reader = threading.Thread(target=self._read, name=f"{name}-reader", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    @property
    def exited(self) -> bool:
        return not self._reader.is_alive()

    def send(self, message: Message) -> bool:
        """Queue a request for the child; False when the child is gone."""
        if self._requests is None:
            return False
        try:
            protocol.send(self._requests, message)
        except (OSError, ValueError):
            return False
        return True

    def messages(self, limit: int = 200) -> list[Message]:
        """What has arrived, without waiting."""
        out: list[Message] = []
        while len(out) < limit:
            try:
                out.append(self.inbox.get_nowait())
            except queue.Empty:
                break
        return out

    def kill(self) -> None:
        """Kill the child at once, with any conversion process it started (its process group)."""
        self.killed = True
        pid = self.process.pid
        if pid is None:
            return
        if hasattr(os, "killpg") and self._leads_own_group():  # see worker._setup_child
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(OSError, ValueError, AttributeError):
            self.process.kill()

    def close_requests(self) -> None:
        """Tell the child nothing more will come (a worker then exits after its job)."""
        if self._requests is not None:
            with contextlib.suppress(OSError):
                self._requests.close()
            self._requests = None

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the child has exited and been reaped; True if it has."""
        self._reader.join(timeout)
        return not self._reader.is_alive()

    def _leads_own_group(self) -> bool:
        """True once the child has made its own process group (it does so before any message)."""
        pid = self.process.pid
        if pid is None or not hasattr(os, "getpgid"):
            return False
        try:
            return os.getpgid(pid) == pid
        except OSError:
            return False

    def _read(self) -> None:
        own_group = False
        while True:
            try:
                message = protocol.receive(self._events)
            except (EOFError, OSError):
                break
            except ValueError:  # a message that does not decode: skip it, keep reading
                log.exception("unreadable message from %s", self.process.name)
                continue
            if not own_group:
                own_group = self._leads_own_group()
            self.inbox.put(message)
        with contextlib.suppress(OSError):
            self._events.close()
        self.process.join(10)
        if self.process.is_alive():  # closed its pipe but hangs on exit
            self.kill()
            self.process.join()
        self.exitcode = self.process.exitcode
        if own_group and self.process.pid is not None:
            # A conversion it started outlives a child killed from outside (the OOM killer):
            # what is left of its group is only such leftovers.
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.close_requests()
        self.inbox.put(Exited(self.exitcode))


def describe_exit(exitcode: int | None) -> str:
    """Why a child ended, in words: "it was killed (SIGKILL), often because memory ran out"."""
    if exitcode is None:
        return "it did not report why"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if -exitcode == getattr(signal, "SIGKILL", 9):
            return f"it was killed ({name}), often because the computer ran out of memory"
        return f"it crashed ({name})"
    return f"exit code {exitcode}"
