"""Download a catalog model from the Hugging Face Hub: resumable, verified, cancellable.

We talk to the Hub's HTTP API directly rather than through huggingface_hub so we own progress
(bytes and ETA as events), resume (HTTP Range on our own ``.part`` files), cancel (checked every
chunk) and the file filter (safetensors only). The approach follows buzz's ``model_loader.py``;
the HTTP calls themselves are in ``hub_api``.
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import json
import os
import shutil
import time
import urllib.error
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from desktop.core.errors import Cancelled, DownloadError, HubUnreachable, InvalidModel
from desktop.core.events import EventCallback, Progress, ignore_events
from desktop.ml.models.catalog import CatalogEntry
from desktop.ml.models.hub_api import (
    NETWORK_ERRORS,
    RemoteFile,
    content_range_start,
    file_url,
    http_error,
    hub_endpoint,
    list_model_files,
    offline_mode,
    open_url,
    unreachable,
)
from desktop.ml.models.manifest import ModelManifest, human_bytes, sha256_file
from desktop.ml.models.store import InstalledModel, ModelStore
from desktop.ml.models.validate import validate_model_dir
from desktop.ml.models.whisper_validate import validate_whisper_dir

TIMEOUT_S = 30.0
CHUNK = 64 * 1024
#: Tries per file for dropped connections; each one resumes where the last stopped.
ATTEMPTS = 3
EVENT_INTERVAL_S = 0.1
STATE_FILE = "precis-download.json"


class _Transient(Exception):
    """A dropped or refused connection: worth another try with Range."""


def download(
    entry: CatalogEntry,
    store: ModelStore,
    *,
    on_progress: EventCallback = ignore_events,
    should_stop: Callable[[], bool] | None = None,
    endpoint: str | None = None,
    timeout: float = TIMEOUT_S,
) -> InstalledModel:
    """Fetch ``entry`` into ``store`` and install it; an installed model is returned as it is.

    Raises HubUnreachable (network), DownloadError (checksum, disk, refused), Cancelled (files
    fetched so far stay in ``.partial`` and the next call resumes from them).
    """
    existing = store.get(entry.name)
    if existing is not None:
        return existing
    if offline_mode():
        raise HubUnreachable(f"Precis cannot download {entry.name} because offline mode is on (HF_HUB_OFFLINE); turn it off to download.")
    return _Downloader(entry, store, on_progress, should_stop or (lambda: False), hub_endpoint(endpoint), timeout).run()


class _Downloader:
    def __init__(self, entry: CatalogEntry, store: ModelStore, on_progress: EventCallback,
                 should_stop: Callable[[], bool], endpoint: str, timeout: float) -> None:
        self.entry, self.store, self.emit, self.should_stop = entry, store, on_progress, should_stop
        self.endpoint, self.timeout = endpoint, timeout
        self.work = store.partial_dir(entry.name)
        self.done = self.total = self.started_at = 0
        self.t0 = self.last_event = 0.0

    # ----- the whole model -----------------------------------------------------------
    def run(self) -> InstalledModel:
        files = list_model_files(self.entry, self.endpoint, self.timeout)
        self._prepare_work_dir()
        self.total = sum(f.size for f in files)
        self.done = self.started_at = sum(self._present_bytes(f) for f in files)
        self._check_free_space(self.total - self.done)
        self.t0 = time.monotonic()
        entries: dict[str, dict[str, Any]] = {}
        for f in files:
            entries[f.name] = {"size": f.size, "sha256": self._fetch_verified(f)}
        self._event("installing", force=True)
        try:
            (validate_whisper_dir if self.entry.format == "ctranslate2" else validate_model_dir)(self.work)
        except InvalidModel:
            shutil.rmtree(self.work, ignore_errors=True)
            raise
        (self.work / STATE_FILE).unlink(missing_ok=True)
        manifest = ModelManifest(self.entry.name, self.entry.revision, "hub", hub_id=self.entry.hub_id, files=entries,
                                 kind=self.entry.kind)
        try:
            return self.store.install(self.work, manifest)
        except OSError as exc:
            raise self._disk_error(exc) from exc

    def _prepare_work_dir(self) -> None:
        """Keep earlier partial files only if they belong to the same repo and revision."""
        state = {"hub_id": self.entry.hub_id, "revision": self.entry.revision}
        try:
            if self.work.is_dir():
                try:
                    old = json.loads((self.work / STATE_FILE).read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    old = None
                if old != state:
                    shutil.rmtree(self.work)
            self.work.mkdir(parents=True, exist_ok=True)
            (self.work / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")
        except OSError as exc:
            raise self._disk_error(exc) from exc

    def _present_bytes(self, f: RemoteFile) -> int:
        final, part = self.work / f.name, self.work / (f.name + ".part")
        if final.is_file():
            return final.stat().st_size
        return min(part.stat().st_size, f.size) if part.is_file() else 0

    def _check_free_space(self, needed: int) -> None:
        free = shutil.disk_usage(self.work).free
        if free < needed + 16 * 1024 * 1024:
            raise DownloadError(
                f"There is not enough free disk space to download {self.entry.name}: it needs {human_bytes(needed)} "
                f"and only {human_bytes(free)} is free; free some space or move the model store in Settings."
            )

    # ----- one file --------------------------------------------------------------------
    def _fetch_verified(self, f: RemoteFile) -> str:
        """Download (or resume) one file, verify it, move it into place; return its sha256."""
        final, part = self.work / f.name, self.work / (f.name + ".part")
        if final.is_file() and final.stat().st_size == f.size:
            return f.sha256 or sha256_file(final, self.should_stop)  # verified before its rename
        for _attempt in (1, 2):
            self._event(f"downloading {f.name}", force=True)
            self._stream(f, part)
            self._event(f"verifying {f.name}", force=True)
            sha256 = self._verify(f, part)
            if sha256 is not None:
                try:
                    os.replace(part, final)
                except OSError as exc:
                    raise self._disk_error(exc) from exc
                return sha256
            part.unlink(missing_ok=True)
            self.done -= f.size
        raise DownloadError(
            f"The file {f.name} of {self.entry.name} arrived damaged twice (its checksum did not match); "
            "try the download again later."
        )

    def _verify(self, f: RemoteFile, path: Path) -> str | None:
        sha256, sha1 = hashlib.sha256(), hashlib.sha1(b"blob %d\0" % f.size)
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                if self.should_stop():
                    raise Cancelled()
                sha256.update(block)
                sha1.update(block)
        if f.sha256 is not None and sha256.hexdigest() != f.sha256:
            return None
        if f.sha256 is None and f.blob_id is not None and sha1.hexdigest() != f.blob_id:
            return None
        return sha256.hexdigest()

    def _stream(self, f: RemoteFile, part: Path) -> None:
        """Leave ``part`` holding all ``f.size`` bytes, resuming through dropped connections.

        Only tries that brought no new bytes count towards giving up, so a flaky link that keeps
        dropping still finishes a large file."""
        failures = 0
        while True:
            offset = part.stat().st_size if part.is_file() else 0
            if offset > f.size:  # not ours to trust: start over
                self._discard(part, offset)
                offset = 0
            if offset == f.size:
                return
            try:
                self._request_into(f, part, offset)
            except _Transient as exc:
                progressed = part.is_file() and part.stat().st_size > offset
                failures = 0 if progressed else failures + 1
                if failures >= ATTEMPTS:
                    raise unreachable(self.entry) from exc
                self._sleep(0.5 * max(failures, 1))

    def _request_into(self, f: RemoteFile, part: Path, offset: int) -> None:
        if self.should_stop():
            raise Cancelled()
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        try:
            resp = open_url(file_url(self.endpoint, self.entry, f.name), self.timeout, headers)
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and offset:  # our .part does not fit the file: start over
                self._discard(part, offset)
                raise _Transient("range not satisfiable") from exc
            if exc.code == 429 or exc.code >= 500:
                raise _Transient(f"HTTP {exc.code}") from exc
            raise http_error(self.entry, exc, f.name) from exc
        except NETWORK_ERRORS as exc:
            raise _Transient(str(exc)) from exc
        with resp:
            if resp.status == 206 and offset:
                start = content_range_start(resp.headers.get("Content-Range"))
                if start != offset:
                    self._discard(part, offset)
                    raise _Transient(f"server resumed at {start}, not {offset}")
                mode = "ab"
            elif resp.status == 200:
                if offset:  # the server ignored Range and sends the whole file
                    self._discard(part, offset)
                mode = "wb"
            else:
                raise DownloadError(f"The Hugging Face Hub answered {resp.status} for {f.name}; try again later.")
            try:
                with open(part, mode) as fh:  # a full disk may only show when close() flushes
                    self._copy_body(resp, fh, f)
            except OSError as exc:
                raise self._disk_error(exc) from exc
        size = part.stat().st_size
        if size > f.size:
            self._discard(part, size)
            raise DownloadError(f"The Hugging Face Hub sent more of {f.name} than its listed size; try again later.")
        if size < f.size:
            raise _Transient("the connection closed before the end of the file")

    def _copy_body(self, resp: http.client.HTTPResponse, fh: IO[bytes], f: RemoteFile) -> None:
        stage = f"downloading {f.name}"
        while True:
            if self.should_stop():
                self._event(stage, force=True)
                raise Cancelled()
            try:
                # read1 returns whatever has arrived, so should_stop is seen between packets
                # rather than after a full buffer on a slow link.
                block = resp.read1(CHUNK)
            except (OSError, http.client.HTTPException) as exc:
                raise _Transient(str(exc)) from exc
            if not block:
                return
            fh.write(block)
            self.done += len(block)
            self._event(stage)

    # ----- helpers ---------------------------------------------------------------------
    def _discard(self, part: Path, present: int) -> None:
        part.unlink(missing_ok=True)
        self.done -= present

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.should_stop():
                raise Cancelled()
            time.sleep(0.05)

    def _event(self, stage: str, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last_event < EVENT_INTERVAL_S:
            return
        self.last_event = now
        fetched, elapsed = self.done - self.started_at, now - self.t0
        eta = (self.total - self.done) * elapsed / fetched if fetched > 0 and elapsed > 0 else None
        self.emit(Progress(stage, self.done, self.total, eta))

    def _disk_error(self, exc: OSError) -> DownloadError:
        where = self.store.root
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            return DownloadError(f"The disk holding {where} is full, so {self.entry.name} could not be saved; free some space and download again to resume.")
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return DownloadError(f"Precis may not write to the model store {where} (read-only or no permission); choose another folder in Settings.")
        return DownloadError(f"{self.entry.name} could not be saved in {where} ({exc.strerror or exc}).")


