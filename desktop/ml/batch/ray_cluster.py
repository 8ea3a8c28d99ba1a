"""Run batch units on a Ray cluster with Ray Data: the unit list is a dataset, ``map_batches`` runs
an actor class that loads the model once per actor, and the rows stream back to the driver, which
alone writes outputs and the manifest (so resuming works exactly as on one machine).

Ray is an optional extra (``pip install '.[cluster]'``), imported only here. Security: token
authentication stays on (Ray's default for a local cluster since 2.59; a warning if the user turned
it off), and the local cluster starts without a dashboard (Ray's default host is 127.0.0.1 anyway).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from desktop.core.errors import BatchError, Cancelled
from desktop.core.events import CancelToken, EventCallback, Notice, ignore_events
from desktop.core.ingest import is_mail_address
from desktop.ml.batch.task import TaskSettings, UnitResult, UnitTask, run_unit

log = logging.getLogger(__name__)

#: A unit whose actor dies is retried this many times by Ray (its default, -1, retries forever:
#: a file that crashes the process every time would never let the batch finish).
MAX_TASK_RETRIES = 3
#: Through Ray Client, units go to the cluster in windows of this many per actor.
CLIENT_WINDOW_PER_ACTOR = 4
#: Files sent as bytes go to the cluster in windows of at most this many bytes.
WINDOW_BYTES = 512 * 2**20
#: Fetches an IMAP unit's messages on the driver (the unit with its bytes), or records why it
#: cannot and returns None.
Fetch = Callable[[UnitTask], "UnitTask | None"]


class UnitActor:
    """A Ray Data callable class: one model load per actor (``EnginePool`` in ``__init__``)."""

    def __init__(self, settings: TaskSettings) -> None:
        from desktop.core.memory import limit_malloc_arenas
        from desktop.ml.engine.job import EnginePool

        limit_malloc_arenas()
        self.settings = settings
        self.pool = EnginePool()

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        import ray

        node = ray.get_runtime_context().get_node_id()[:8]
        out: dict[str, list[Any]] = {k: [] for k in ("key", "status", "error", "message", "seconds", "texts",
                                                     "file_errors", "worker")}
        for i, key in enumerate(batch["key"]):
            paths = json.loads(str(batch["paths"][i]))
            blobs = None
            if "blobs" in batch:
                blobs = [bytes(b) for b in batch["blobs"][i]]
            try:
                res = run_unit(UnitTask(str(key), paths, blobs), self.settings, self.pool)
            except Cancelled:
                res = UnitResult(str(key), "failed", "Cancelled", "Cancelled.")
            out["key"].append(res.key)
            out["status"].append(res.status)
            out["error"].append(res.error or "")
            out["message"].append(res.message or "")
            out["seconds"].append(float(res.seconds))
            out["texts"].append(json.dumps(res.texts))
            out["file_errors"].append(json.dumps(res.file_errors))
            out["worker"].append(f"node {node} {res.worker}")
        return out


def _init_ray(address: str, workers: int | None) -> int:
    """Connect to (or start) Ray; returns the number of actors to run."""
    try:
        import ray
    except ImportError as exc:
        raise BatchError("Running on a cluster needs Ray: pip install 'precis-desktop[cluster]' "
                         "(or .venv/bin/pip install -e '.[cluster]' in a checkout).") from exc
    # Ray >= 2.59 turns token authentication on by itself for a local cluster (and generates the
    # token) when RAY_AUTH_MODE is unset; setting the variable here instead would not reach a Ray
    # already imported in this process, whose driver would then lack the token its servers demand.
    mode = os.environ.get("RAY_AUTH_MODE", "")
    if mode and mode.lower() != "token":
        log.warning("Ray token authentication is off (RAY_AUTH_MODE=%s): anyone who can reach the "
                    "cluster can run code on it.", mode)
    kwargs: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING, "configure_logging": False}
    try:
        if address == "ray":  # a local Ray for this run only, stopped at the end
            from desktop.ml.batch.sizing import cpu_count

            # address="local": a new Ray even when `ray start` left one running on this machine.
            ray.init(address="local", num_cpus=workers or cpu_count(), include_dashboard=False, **kwargs)
        else:
            ray.init(address=address, **kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        hint = "" if address == "ray" else (" If the cluster uses token authentication, set RAY_AUTH_MODE=token and "
                                            "put its token in ~/.ray/auth_token (or RAY_AUTH_TOKEN).")
        raise BatchError(f"Precis could not connect to the Ray cluster at {address}: {exc}.{hint}") from exc
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # its INFO lines would bury our progress
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    cpus = int(ray.cluster_resources().get("CPU", 1))
    return max(1, min(workers or cpus, cpus))


def _items(tasks: list[UnitTask], shared_fs: bool) -> Iterator[dict[str, Any]]:
    for t in tasks:
        item: dict[str, Any] = {"key": t.key, "paths": json.dumps(t.paths)}
        if t.blobs is not None:  # fetched by the driver (an IMAP folder's messages)
            item["blobs"] = t.blobs
        elif not shared_fs:
            blobs = []
            for p in t.paths:
                try:
                    with open(p, "rb") as fh:
                        blobs.append(fh.read())
                except OSError:
                    blobs.append(b"")  # the reader then reports the file as empty on the node
            item["blobs"] = blobs
        yield item


def _map_units(ray: Any, ds: Any, settings: TaskSettings, actors: int) -> Any:
    """``map_batches`` with the actor class; retries bounded while Ray still takes the argument
    (it is deprecated for removal in Ray 2.64, whose default then retries without a bound)."""
    args: dict[str, Any] = {
        "fn_constructor_args": (settings,),
        "compute": ray.data.ActorPoolStrategy(size=actors),
        "num_cpus": 1,
        "batch_size": 1,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return ds.map_batches(UnitActor, **args, max_task_retries=MAX_TASK_RETRIES)
        except TypeError:
            return ds.map_batches(UnitActor, **args)


def _run_window(items: list[dict[str, Any]], settings: TaskSettings, actors: int) -> list[dict[str, Any]]:
    """A window of units as one Ray task on the cluster: Ray Data cannot run in a Ray Client
    (``ray://``) driver (ray-project/ray#41333), so there it runs inside a task, whose rows come back."""
    import ray

    ds = ray.data.from_items(items, override_num_blocks=max(1, len(items)))
    return [dict(row) for row in _map_units(ray, ds, settings, actors).iter_rows()]


def _byte_windows(tasks: Iterable[UnitTask], limit: int) -> Iterator[list[UnitTask]]:
    """Consecutive groups of units whose files add up to at most ``limit`` bytes (at least one unit)."""
    window: list[UnitTask] = []
    size = 0
    for t in tasks:
        n = (sum(map(len, t.blobs)) if t.blobs is not None
             else sum(os.path.getsize(p) if os.path.isfile(p) else 0 for p in t.paths))
        if window and size + n > limit:
            yield window
            window, size = [], 0
        window.append(t)
        size += n
    if window:
        yield window


def _rows(ray: Any, tasks: list[UnitTask], settings: TaskSettings, actors: int, shared_fs: bool,
          client: bool, fetch: Fetch | None = None) -> Iterator[dict[str, Any]]:
    """Result rows as they finish: streamed from one dataset, or (Ray Client) window by window,
    each window recorded before the next is sent, so a stopped run loses one window at most."""
    by_path = [t for t in tasks if not _fetched_here(t)]
    # Files sent as bytes sit in the driver and the object store: a window at a time, so a share
    # of many gigabytes never has to fit in memory at once (each window starts its own actors, one
    # model load each; with --shared-fs the files are one stream). IMAP units come last, each
    # fetched by the driver just before its window goes: one dataset never mixes rows with and
    # without bytes, and the driver holds one window of mail at a time.
    files = ([by_path] if by_path else []) if shared_fs else _byte_windows(by_path, WINDOW_BYTES)
    mail = _byte_windows(_fetch_each([t for t in tasks if _fetched_here(t)], fetch), WINDOW_BYTES)
    windows = itertools.chain(files, mail)
    if not client:
        for window in windows:
            ds = ray.data.from_items(list(_items(window, shared_fs)), override_num_blocks=max(1, len(window)))
            yield from _map_units(ray, ds, settings, actors).iter_rows()
        return
    remote = ray.remote(num_cpus=0)(_run_window)
    size = max(8, actors * CLIENT_WINDOW_PER_ACTOR)
    for window in windows:
        for i in range(0, len(window), size):
            yield from ray.get(remote.remote(list(_items(window[i:i + size], shared_fs)), settings, actors))


def _fetched_here(task: UnitTask) -> bool:
    """An IMAP unit: the driver fetches its messages, as bytes, before it goes to the cluster."""
    return task.blobs is None and bool(task.paths) and all(is_mail_address(p) for p in task.paths)


def _fetch_each(tasks: list[UnitTask], fetch: Fetch | None) -> Iterator[UnitTask]:
    for task in tasks:
        ready = fetch(task) if fetch is not None else None
        if ready is not None:  # None: the fetch failed, and ``fetch`` recorded why
            yield ready


def run_on_ray(tasks: list[UnitTask], settings: TaskSettings, on_result: Callable[[UnitResult, int], None], *,
               address: str, workers: int | None = None, shared_fs: bool = False, fetch: Fetch | None = None,
               on_event: EventCallback = ignore_events, cancel: CancelToken | None = None) -> bool:
    """Run every unit on Ray; returns False when cancelled (Ctrl-C), after recording what finished."""
    started = time.monotonic()
    actors = _init_ray(address, workers)
    import ray

    on_event(Notice(f"Ray ready in {time.monotonic() - started:.1f} s: {actors} actor(s) on "
                    f"{int(ray.cluster_resources().get('CPU', 0))} CPU(s)."))
    try:
        for row in _rows(ray, tasks, settings, actors, shared_fs, client=address.startswith("ray://"), fetch=fetch):
            if cancel is not None and cancel.cancelled:
                return False
            if row["error"] == "Cancelled":
                continue
            on_result(UnitResult(
                key=row["key"], status=row["status"], error=row["error"] or None, message=row["message"] or None,
                seconds=float(row["seconds"]), texts=json.loads(row["texts"]),
                file_errors=json.loads(row["file_errors"]), worker=row["worker"],
            ), 1)
        return True
    except KeyboardInterrupt:
        return False
    except Exception as exc:  # an actor that died more often than Ray retries, a lost node, a Ray bug
        log.warning("Ray failed", exc_info=True)
        raise BatchError(f"The Ray cluster stopped the batch ({type(exc).__name__}); what finished is recorded, "
                         "run the same command again to go on.") from exc
    finally:
        ray.shutdown()
