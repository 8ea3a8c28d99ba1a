"""The worker process: runs summarization jobs (and one-off model tasks) away from the window.

No Qt here. ``worker_main`` is the target of the GUI's long-lived child process (started with
the ``spawn`` method): it keeps one ``EnginePool`` so the model stays loaded between jobs, and
reports everything back as the typed messages of ``desktop.ml.protocol`` over a channel (a
``multiprocessing`` connection or queue; a ``queue.Queue`` works too, for running it in a thread):

    Ready(pid)                              once, when the loop is up
    Started(job_id)                         the job was taken and the cancel flag cleared
    EventMessage(job_id, Progress|Partial|Preview|Notice)
    JobFinished(job_id, digest, documents, errors)
    Failed(job_id, error, message)          the typed error's name, a sentence for the user
    WasCancelled(job_id)

``task_main`` runs one killable model-manager task (download, import, build the quantized
version) in its own child process with the same messages (``TaskFinished`` at the end), then exits.
"""

from __future__ import annotations

import ctypes
import faulthandler
import logging
import os
import sys
import threading
import time
from typing import Any

from desktop.core.errors import Cancelled, EngineError, PrecisError
from desktop.core.events import CancelToken, Event, EventCallback, Progress
from desktop.ml import protocol
from desktop.ml.protocol import (
    EventMessage,
    Failed,
    FileFailure,
    InternalError,
    JobFinished,
    Message,
    OutOfMemory,
    Ready,
    RunJob,
    Shutdown,
    Started,
    TaskFinished,
    WasCancelled,
)

log = logging.getLogger(__name__)

#: Progress events at most this often (the bar cannot show more); the others are never dropped.
PROGRESS_INTERVAL_S = 0.1


# ----- the cancel flag ----------------------------------------------------------------------
class CancelFlag:
    """A flag shared with a child process without a lock.

    ``multiprocessing.Event`` takes a lock in ``is_set``; a worker killed while holding it (the
    out-of-memory killer picks any moment) would leave the window's next ``set()`` waiting
    forever. One shared byte has no lock to leave behind. ``ctx`` is the multiprocessing
    context of the child that will read it (``spawn``).
    """

    def __init__(self, ctx: Any = None) -> None:
        import multiprocessing

        self._value = (ctx or multiprocessing.get_context("spawn")).RawValue(ctypes.c_bool, False)

    def is_set(self) -> bool:
        return bool(self._value.value)

    def set(self) -> None:
        self._value.value = True

    def clear(self) -> None:
        self._value.value = False


# ----- the outgoing channel -----------------------------------------------------------------
class Outbox:
    """Sends messages from any thread of the worker; throttles Progress, never drops the rest.

    A Progress event that arrives too soon after the last one is held back and sent by a small
    timer thread (or before the next other message, so the order stays true), so the bar never
    shows a stale stage for long.
    """

    def __init__(self, channel: Any, interval: float = PROGRESS_INTERVAL_S) -> None:
        self._channel = channel
        self._interval = interval
        self._lock = threading.Lock()
        self._pending: Message | None = None
        self._last = 0.0
        self._closed = threading.Event()
        self._timer = threading.Thread(target=self._tick_loop, name="precis-outbox", daemon=True)
        self._timer.start()

    def put(self, message: Message) -> None:
        self.put_encoded(protocol.encode(message))

    def put_encoded(self, data: bytes) -> None:
        """A message already encoded (``protocol.encode``)."""
        with self._lock:
            self._flush_locked(force=True)
            protocol.send_bytes(self._channel, data)

    def _send(self, message: Message) -> None:
        protocol.send(self._channel, message)

    def progress(self, task_id: str, event: Progress) -> None:
        with self._lock:
            now = time.monotonic()
            if now - self._last >= self._interval:
                self._pending = None
                self._last = now
                self._send(EventMessage(task_id, event))
            else:
                self._pending = EventMessage(task_id, event)

    def callback(self, task_id: str) -> EventCallback:
        def on_event(event: Event) -> None:
            if isinstance(event, Progress):
                self.progress(task_id, event)
            else:
                self.put(EventMessage(task_id, event))
        return on_event

    def close(self) -> None:
        self._closed.set()

    def _flush_locked(self, force: bool = False) -> None:
        if self._pending is not None and (force or time.monotonic() - self._last >= self._interval):
            message, self._pending = self._pending, None
            self._last = time.monotonic()
            self._send(message)

    def _tick_loop(self) -> None:
        while not self._closed.wait(self._interval / 2):
            try:
                with self._lock:
                    self._flush_locked()
            except (OSError, ValueError, EOFError):  # the window went away; the main loop ends too
                return


# ----- child set-up -------------------------------------------------------------------------
def _setup_child(log_name: str) -> None:
    """Logging to the user log folder and a crash trace; a process group of our own on POSIX,
    so the window can kill this process together with any conversion child it started.

    Does nothing when the loop runs in a thread of the main process (tests, debugging)."""
    import multiprocessing

    if multiprocessing.parent_process() is None:
        return
    if hasattr(os, "setpgid"):
        try:
            os.setpgid(0, 0)
        except OSError:  # already a group leader (or not permitted): killing by pid still works
            pass
    from desktop.core import paths

    try:
        folder = paths.log_dir()
        root = logging.getLogger()
        if not root.handlers:
            handler = logging.FileHandler(folder / f"{log_name}.log", encoding="utf-8")
            handler.setFormatter(logging.Formatter(f"%(asctime)s {log_name}[%(process)d] %(levelname)s %(name)s: %(message)s"))
            root.addHandler(handler)
            root.setLevel(logging.INFO)
        crash = open(folder / f"{log_name}-crash.log", "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
        faulthandler.enable(crash)
    except OSError:
        faulthandler.enable(sys.__stderr__ or sys.stderr)


def _log_file() -> str:
    from desktop.core import paths

    try:
        return str(paths.log_dir() / "worker.log")
    except OSError:
        return "the Precis log folder"


def unexpected_failure(exc: BaseException, what: str) -> PrecisError:
    """The typed error (``OutOfMemory``, ``InternalError``) with its sentence for an exception that
    is not one of ours; the traceback goes to the log."""
    log.error("%s failed unexpectedly", what, exc_info=exc)
    if isinstance(exc, MemoryError):
        return OutOfMemory(f"{what} ran out of memory. Close other programs, choose a smaller model or the "
                           "extractive engine in the toolbar, and try again.")
    return InternalError(f"{what} failed because of an unexpected problem ({type(exc).__name__}: {exc}). "
                         f"The details are in {_log_file()}; please report them.")


# ----- jobs ---------------------------------------------------------------------------------
def job_finished(job_id: str, result: Any) -> JobFinished:
    """What crosses back to the window for a finished job (a ``JobResult``)."""
    return JobFinished(job_id, result.digest, list(result.documents), [FileFailure(**e) for e in result.errors])


def worker_main(requests: Any, events: Any, cancel_flag: Any) -> None:
    """Serve ``RunJob`` requests one at a time until ``Shutdown``.

    Ends too when the window's end of ``requests`` closes (the window died): a worker never
    outlives its window by more than the job it is running.
    """
    _setup_child("worker")
    from desktop.ml.engine.job import EnginePool

    outbox = Outbox(events)
    pool = EnginePool()
    outbox.put(Ready(os.getpid()))
    try:
        while True:
            try:
                message = protocol.receive(requests)
            except (EOFError, OSError):
                break
            except ValueError as exc:
                log.warning("unreadable request ignored: %s", exc)
                continue
            if isinstance(message, Shutdown):
                break
            if isinstance(message, RunJob):
                _run_one(message.job_id, message.spec, outbox, cancel_flag, pool)
            else:
                log.warning("unknown request %s ignored", type(message).__name__)
    finally:
        outbox.close()
        try:
            pool.close()
        except Exception:  # exiting anyway
            log.exception("closing the model failed")
    _fast_exit()


def _fast_exit() -> None:
    """In a child, skip the interpreter's teardown: with torch loaded it takes seconds, and the
    window waits for us on quit. Every message is already sent (``send`` is synchronous)."""
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        logging.shutdown()
        os._exit(0)


def _run_one(job_id: str, spec: Any, outbox: Outbox, cancel_flag: Any, pool: Any) -> None:
    from desktop.ml.engine.job import run_job

    cancel_flag.clear()
    outbox.put(Started(job_id))
    token = CancelToken(cancel_flag)
    started = time.monotonic()
    try:
        result = run_job(spec, on_event=outbox.callback(job_id), cancel=token, pool=pool)
        payload = protocol.encode(job_finished(job_id, result))  # here, so a value that does not encode is a failure
    except Cancelled:
        outbox.put(WasCancelled(job_id))
        return
    except PrecisError as exc:
        outbox.put(Failed.of(job_id, exc))
        return
    except Exception as exc:  # noqa: BLE001 - the worker must survive anything a job does
        if isinstance(exc, MemoryError):
            pool.close()  # free what we can before the next job
        outbox.put(Failed.of(job_id, unexpected_failure(exc, "Summarizing")))
        return
    log.info("job %s finished in %.1f s", job_id, time.monotonic() - started)
    outbox.put_encoded(payload)


# ----- one-off model tasks ------------------------------------------------------------------
TASKS = ("download", "import", "quantize")


def task_main(task_id: str, kind: str, params: dict[str, Any], events: Any, cancel_flag: Any) -> None:
    """Run one model-manager task in this (child) process and report how it ended."""
    _setup_child("tasks")
    outbox = Outbox(events)
    outbox.put(Started(task_id))
    token = CancelToken(cancel_flag)
    try:
        result = run_task(kind, params, on_event=outbox.callback(task_id), cancel=token)
    except Cancelled:
        outbox.put(WasCancelled(task_id))
    except PrecisError as exc:
        outbox.put(Failed.of(task_id, exc))
    except Exception as exc:  # noqa: BLE001
        outbox.put(Failed.of(task_id, unexpected_failure(exc, _TASK_WHAT.get(kind, "The task"))))
    else:
        outbox.put(TaskFinished(task_id, result))
    finally:
        outbox.close()


_TASK_WHAT = {"download": "The download", "import": "Importing the model", "quantize": "Building the quantized version"}


def run_task(kind: str, params: dict[str, Any], *, on_event: EventCallback, cancel: CancelToken) -> dict[str, Any]:
    """Run a task in this process (``task_main`` calls it in a child; tests may call it directly).

    ``params``: ``store_root`` (None: the store of the settings) and, per kind,
    download: ``entry`` (a CatalogEntry) or ``name``, optional ``endpoint``;
    import: ``src``, optional ``name`` and ``replace``;
    quantize: ``name``, optional ``backend``, ``quantization``, ``threads``.
    """
    from desktop.ml.models.store import ModelStore

    store = ModelStore(params.get("store_root"))

    def should_stop() -> bool:
        return cancel.cancelled

    if kind == "download":
        from desktop.ml.models.download import download

        entry = params.get("entry") or _catalog_entry(store, params["name"])
        model = download(entry, store, on_progress=on_event, should_stop=should_stop, endpoint=params.get("endpoint"))
        return {"name": model.name, "path": str(model.path), "size_bytes": model.size_bytes}
    if kind == "import":
        model = store.import_folder(params["src"], params.get("name"), replace=bool(params.get("replace")),
                                    on_progress=on_event, should_stop=should_stop)
        return {"name": model.name, "path": str(model.path), "size_bytes": model.size_bytes}
    if kind == "quantize":
        return build_quantized(store, params["name"], backend=params.get("backend", "auto"),
                               quantization=params.get("quantization", "int8"), threads=int(params.get("threads", 0)),
                               on_event=on_event, cancel=cancel)
    raise EngineError(f"There is no model task called {kind!r}; choose one of {', '.join(TASKS)}.")


def _catalog_entry(store: Any, name: str) -> Any:
    catalog = store.catalog()
    entry = catalog.get(name) if catalog is not None else None
    if entry is None:
        raise EngineError(f"{name} is not in the model catalog, so Precis does not know where to download it from.")
    return entry


#: Backends whose int8 version is a set of files built once and cached (torch quantizes in memory).
BUILT_BACKENDS = ("ctranslate2", "onnx")


def quantized_backend(backend: str = "auto", quantization: str = "int8") -> tuple[str, str]:
    """The (backend, quantization) "Build quantized version" makes for the CPU."""
    from desktop.ml.backends import available_backends, resolve_auto

    if backend in BUILT_BACKENDS and backend in available_backends():
        return backend, quantization if quantization in ("int8", "float32") else "int8"
    name, quant, _device = resolve_auto("cpu", quantization)
    return name, quant


def build_quantized(store: Any, name: str, *, backend: str = "auto", quantization: str = "int8", threads: int = 0,
                    on_event: EventCallback, cancel: CancelToken) -> dict[str, Any]:
    """Load ``name`` once on the CPU with a backend that caches its converted files, so the first
    summary does not pay for the export. The conversion runs in a grandchild process that dies
    with this one."""
    backend, quantization = quantized_backend(backend, quantization)
    if backend not in BUILT_BACKENDS:
        raise EngineError(f"The {backend} engine quantizes the model each time it loads it, so there is nothing to "
                          "build; the CTranslate2 or ONNX engine keeps a quantized copy.")
    stage = f"building the {quantization} version for {backend}"
    on_event(Progress(stage, 0, 0, None))
    from desktop.ml.engine.loader import load_text_model

    started = time.monotonic()
    # Exactly what a job does, so the job finds the files this builds (in the store, beside the model).
    model = load_text_model(name, backend=backend, quantization=quantization, device="cpu", threads=threads,
                            store_root=store.root, on_event=on_event, cancel=cancel)
    info = model.info()
    model.close()
    cancel.raise_if_cancelled()
    on_event(Progress("done", 1, 1, 0.0))
    return {"name": name, "backend": backend, "quantization": quantization,
            "seconds": round(time.monotonic() - started, 1), "summary": info.summary()}


def built_versions(store: Any, name: str, revision: str) -> list[str]:
    """The converted versions already built from this model ("ctranslate2 int8", ...), found by
    their manifests wherever the engine keeps them (beside the store, or in the user cache)."""
    from desktop.ml.backends.derived import MANIFEST, default_root, read_manifest

    identity = f"{name}@{revision}"
    found: set[str] = set()
    for root in (store.root / "derived", default_root()):
        if not root.is_dir():
            continue
        for manifest in [*root.glob(f"*/{MANIFEST}"), *root.glob(f"*/*/{MANIFEST}")]:
            data = read_manifest(manifest.parent) or {}
            key: dict[str, Any] = data["key"] if isinstance(data.get("key"), dict) else {}
            if key.get("model") == identity and "adapter" not in key and key.get("format"):
                found.add(f"{key['format']} {key.get('quantization', '')}".strip())
    return sorted(found)
