"""Download a catalog model through huggingface_hub: pinned, verified, resumable, cancellable.

huggingface_hub does the talking (file list, redirects, Range resume of ``.incomplete`` files,
the Xet backend, ``HF_ENDPOINT`` mirrors, ``HF_TOKEN``); Precis adds what it promises on top:
only the files a model needs (safetensors, never pickles), every file checked against the
checksum the Hub lists for the pinned revision (or the catalog's own), progress with speed and
ETA, Cancel within a second (``hub_transfer.py``), and a model installed only once all of it is
there. Nothing here is specific to FLAN-T5: a catalog entry says which files it wants
(``CatalogEntry.files``) and ``check`` says what makes them a model.
"""

from __future__ import annotations

import collections
import errno
import fnmatch
import hashlib
import json
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core.errors import Cancelled, DownloadError, HubUnreachable, PrecisError
from desktop.core.events import EventCallback, Progress, ignore_events
from desktop.ml.models.catalog import CatalogEntry
from desktop.ml.models.hub_env import HubEnvironment, hub_environment, hub_token
from desktop.ml.models.manifest import ModelManifest, human_bytes, is_model_file
from desktop.ml.models.store import InstalledModel, ModelStore
from desktop.ml.models.validate import validate_model_dir
from desktop.ml.models.whisper_validate import validate_whisper_dir

STATE_FILE = "precis-download.json"
STATE_SCHEMA = 2
#: huggingface_hub's bookkeeping inside a ``local_dir`` download (metadata, ``.incomplete`` files).
HF_DIR = ".cache"
#: Tries of one file after a dropped connection; only tries that brought no new bytes count.
ATTEMPTS = 3
EVENT_INTERVAL_S = 0.1
SPEED_WINDOW_S = 5.0


@dataclass(frozen=True, slots=True)
class RemoteFile:
    name: str
    size: int
    sha256: str | None  # LFS files
    blob_id: str | None  # git blob sha1, for small files stored in git itself


def download(
    entry: CatalogEntry,
    store: ModelStore,
    *,
    on_progress: EventCallback = ignore_events,
    should_stop: Callable[[], bool] | None = None,
    endpoint: str | None = None,
    check: Callable[[Path], Any] | None = None,
) -> InstalledModel:
    """Fetch ``entry`` into ``store`` and install it; an installed model is returned as it is.

    ``endpoint`` overrides ``HF_ENDPOINT``; ``check`` validates the finished folder (by default a
    T5 model, or a CTranslate2 Whisper model for a ``ctranslate2`` entry). Raises HubUnreachable (network, offline mode), DownloadError (refused, damaged,
    disk), Cancelled (what arrived stays in ``.partial`` and the next call resumes from it).
    """
    existing = store.get(entry.name)
    if existing is not None:
        return existing
    env = hub_environment()
    if env.offline:
        raise HubUnreachable(f"Precis cannot download {entry.name} because offline mode is on ({env.offline_from}); "
                             "turn it off to download.")
    return _Downloader(entry, store, env, endpoint or env.endpoint, on_progress, should_stop or (lambda: False),
                       check).run()


class _Downloader:
    def __init__(self, entry: CatalogEntry, store: ModelStore, env: HubEnvironment, endpoint: str,
                 on_progress: EventCallback, should_stop: Callable[[], bool], check: Callable[[Path], Any] | None) -> None:
        self.entry, self.store, self.env, self.endpoint = entry, store, env, endpoint.rstrip("/")
        self.emit, self.should_stop = on_progress, should_stop
        self.check = check or (validate_whisper_dir if entry.format == "ctranslate2" else validate_model_dir)
        # False, not None: huggingface_hub would otherwise look for a token where it looked at import.
        self.token: str | bool = hub_token()[0] or False
        self.work = store.partial_dir(entry.name)
        self.files: list[RemoteFile] = []
        self.total = 0
        self.stage = "starting"
        self._samples: collections.deque[tuple[float, int]] = collections.deque()
        self._last_event = 0.0
        self._lock = threading.Lock()

    # ----- the whole model -----------------------------------------------------------
    def run(self) -> InstalledModel:
        from desktop.ml.models.hub_transfer import watched

        try:
            self.files = self._list_files()
            verified = self._prepare_work_dir()
            self.total = sum(f.size for f in self.files)
            self._check_free_space(self.total - self._present())
            entries: dict[str, dict[str, Any]] = {}
            with watched(self.should_stop, lambda: self._event(self.stage)):
                for f in self.files:
                    entries[f.name] = {"size": f.size, "sha256": self._fetch_verified(f, verified)}
        except (Cancelled, PrecisError):
            raise
        except Exception as exc:  # huggingface_hub's and requests' errors become one sentence
            raise self._error(exc) from exc
        return self._install(entries)

    def _list_files(self) -> list[RemoteFile]:
        """The files of the pinned revision this entry wants, with the Hub's sizes and checksums."""
        from huggingface_hub import HfApi

        from desktop.ml.models.hub_transfer import install_session

        install_session()
        info = HfApi(endpoint=self.endpoint, token=self.token).model_info(
            self.entry.hub_id, revision=self.entry.revision, files_metadata=True)
        files = []
        for sibling in info.siblings or []:
            if not self._wanted(sibling.rfilename):
                continue
            lfs = sibling.lfs
            size = lfs.size if lfs is not None else sibling.size
            if not isinstance(size, int) or size < 0:
                raise DownloadError(f"The Hugging Face Hub did not say how large {sibling.rfilename} of {self.entry.name} "
                                    "is; try again later.")
            files.append(RemoteFile(sibling.rfilename, size, lfs.sha256 if lfs is not None else None, sibling.blob_id))
        if not self.entry.files and not any(f.name.endswith(".safetensors") for f in files):
            raise DownloadError(
                f"{self.entry.hub_id} offers no safetensors weights (only formats such as PyTorch pickle files, which "
                "can run code when loaded), so Precis will not download it.")
        if not files:
            raise DownloadError(f"{self.entry.hub_id} has none of the files Precis needs for {self.entry.name}.")
        self._check_pins(files)
        return sorted(files, key=lambda f: f.size)  # small files first: a bad listing fails fast

    def _check_pins(self, files: list[RemoteFile]) -> None:
        """A file the catalog pins must be listed, and where the Hub gives its checksum (LFS files)
        that must be the pinned one: a changed file is refused before a byte of it is fetched."""
        listed = {f.name: f for f in files}
        for name, sha in self.entry.checksums:
            if name not in listed:
                raise DownloadError(f"The Hugging Face Hub lists no {name} in {self.entry.hub_id} at revision "
                                    f"{self.entry.revision[:12]}, which the catalog pins for {self.entry.name}.")
            hub_sha = listed[name].sha256
            if hub_sha and hub_sha != sha:
                raise DownloadError(f"{name} of {self.entry.hub_id} on the Hub is not the file the catalog pins (its "
                                    "checksum differs), so Precis will not download it.")

    def _wanted(self, name: str) -> bool:
        if self.entry.files:
            return "/" not in name and any(fnmatch.fnmatchcase(name, p) for p in self.entry.files)
        return is_model_file(name)

    def _prepare_work_dir(self) -> dict[str, str]:
        """Keep what an earlier try fetched only if it was for the same repo and revision; return
        the files it already verified (name -> sha256)."""
        want = {"schema": STATE_SCHEMA, "hub_id": self.entry.hub_id, "revision": self.entry.revision}
        try:
            state = self._read_state()
            if self.work.is_dir() and {k: state.get(k) for k in want} != want:
                shutil.rmtree(self.work)
                state = {}
            self.work.mkdir(parents=True, exist_ok=True)
            old = state.get("verified")
            verified: dict[str, str] = dict(old) if isinstance(old, dict) else {}
            self._write_state({**want, "verified": verified})
        except OSError as exc:
            raise self._disk_error(exc) from exc
        return verified

    def _read_state(self) -> dict[str, Any]:
        try:
            data = json.loads((self.work / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write_state(self, state: dict[str, Any]) -> None:
        from desktop.core.atomic import atomic_write_text

        atomic_write_text(self.work / STATE_FILE, json.dumps(state, sort_keys=True))

    def _present(self) -> int:
        """Bytes of this model on disk: finished files plus the part being downloaded (HTTP or Xet)."""
        done = sum((self.work / f.name).stat().st_size for f in self.files if (self.work / f.name).is_file())
        partial = self.work / HF_DIR / "huggingface" / "download"
        if partial.is_dir():
            done += sum(p.stat().st_size for p in partial.glob("*.incomplete") if p.is_file())
        return done

    def _check_free_space(self, needed: int) -> None:
        free = shutil.disk_usage(self.work).free
        if free < needed + 16 * 1024 * 1024:
            raise DownloadError(
                f"There is not enough free disk space to download {self.entry.name}: it needs {human_bytes(needed)} "
                f"and only {human_bytes(free)} is free; free some space or move the model store in Settings.")

    def _install(self, entries: dict[str, dict[str, Any]]) -> InstalledModel:
        self._event("installing", force=True)
        shutil.rmtree(self.work / HF_DIR, ignore_errors=True)
        try:
            self.check(self.work)
        except PrecisError:
            shutil.rmtree(self.work, ignore_errors=True)
            raise
        (self.work / STATE_FILE).unlink(missing_ok=True)
        manifest = ModelManifest(self.entry.name, self.entry.revision, "hub", hub_id=self.entry.hub_id, files=entries,
                                 kind=self.entry.kind)
        try:
            return self.store.install(self.work, manifest)
        except OSError as exc:
            raise self._disk_error(exc) from exc

    # ----- one file --------------------------------------------------------------------
    def _fetch_verified(self, f: RemoteFile, verified: dict[str, str]) -> str:
        """Download (or resume) one file through huggingface_hub and check it; return its sha256."""
        path = self.work / f.name
        if f.name in verified and path.is_file() and path.stat().st_size == f.size:
            return verified[f.name]
        for attempt in (1, 2):
            self._fetch(f, force=attempt > 1)
            self._event(f"verifying {f.name}", force=True)
            sha256 = self._verify(f, path)
            if sha256 is not None:
                verified[f.name] = sha256
                self._write_state({"schema": STATE_SCHEMA, "hub_id": self.entry.hub_id,
                                   "revision": self.entry.revision, "verified": verified})
                return sha256
            path.unlink(missing_ok=True)
        raise DownloadError(f"The file {f.name} of {self.entry.name} arrived damaged twice (its checksum did not "
                            "match); try the download again later.")

    def _fetch(self, f: RemoteFile, *, force: bool) -> None:
        """hf_hub_download into the work folder, retried (resuming) while a dropped connection
        still brings new bytes."""
        import requests
        from huggingface_hub import hf_hub_download

        self.stage = f"downloading {f.name}"
        self._event(self.stage, force=True)
        failures = 0
        while True:
            before = self._present()
            try:
                hf_hub_download(self.entry.hub_id, f.name, revision=self.entry.revision, local_dir=self.work,
                                cache_dir=self.env.cache_dir, endpoint=self.endpoint, token=self.token,
                                force_download=force)
                return
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                failures = 0 if self._present() > before else failures + 1
                if failures >= ATTEMPTS:
                    raise HubUnreachable(_unreachable(self.entry)) from exc
                force = False  # resume what arrived
                self._pause(0.5 * max(failures, 1))
            except OSError as exc:
                if "Consistency check failed" not in str(exc):
                    raise
                failures += 1  # the file ended early: resume it
                if failures >= ATTEMPTS:
                    raise DownloadError(f"{f.name} of {self.entry.name} kept arriving incomplete; try again later.") from exc

    def _verify(self, f: RemoteFile, path: Path) -> str | None:
        """The file's sha256 if it matches the catalog's checksum, else the Hub's (sha256 for large
        files, the git blob sha1 for small ones); None if it does not."""
        sha256, sha1 = hashlib.sha256(), hashlib.sha1(b"blob %d\0" % f.size)
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                if self.should_stop():
                    raise Cancelled()
                sha256.update(block)
                sha1.update(block)
        digest = sha256.hexdigest()
        expected = self.entry.checksum(f.name) or f.sha256
        if expected is not None:
            return digest if digest == expected else None
        if f.blob_id is not None:
            return digest if sha1.hexdigest() == f.blob_id else None
        return None  # nothing to check it against: not trusted

    # ----- helpers ---------------------------------------------------------------------
    def _pause(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.should_stop():
                raise Cancelled()
            time.sleep(0.05)

    def _event(self, stage: str, force: bool = False) -> None:
        """Progress with speed (over the last few seconds) in the stage text, and the ETA."""
        with self._lock:
            now = time.monotonic()
            if not force and now - self._last_event < EVENT_INTERVAL_S:
                return
            self._last_event = now
            done = self._present() if self.files else 0
            self._samples.append((now, done))
            while len(self._samples) > 2 and now - self._samples[0][0] > SPEED_WINDOW_S:
                self._samples.popleft()
            t0, d0 = self._samples[0]
            rate = (done - d0) / (now - t0) if now > t0 and done > d0 else 0.0
            eta = (self.total - done) / rate if rate > 0 else None
            text = f"{stage} ({human_bytes(rate)}/s)" if stage.startswith("downloading") and rate > 0 else stage
            self.emit(Progress(text, done, self.total, eta))

    def _error(self, exc: Exception) -> PrecisError:
        import requests

        # requests' and huggingface_hub's errors are OSErrors too; the rest are the disk's.
        if isinstance(exc, OSError) and not isinstance(exc, requests.RequestException):
            return self._disk_error(exc)
        return hub_error(self.entry, exc, self.endpoint)

    def _disk_error(self, exc: OSError) -> DownloadError:
        where = self.store.root
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            return DownloadError(f"The disk holding {where} is full, so {self.entry.name} could not be saved; free some "
                                 "space and download again to resume.")
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return DownloadError(f"Precis may not write to the model store {where} (read-only or no permission); "
                                 "choose another folder in Settings.")
        return DownloadError(f"{self.entry.name} could not be saved in {where} ({exc.strerror or exc}).")


def _unreachable(entry: CatalogEntry) -> str:
    return (f"Precis could not reach the Hugging Face Hub to download {entry.name}; check your internet connection. "
            "You can still summarize with the built-in extractive engine.")


def hub_error(entry: CatalogEntry, exc: Exception, endpoint: str) -> PrecisError:
    """One sentence for what huggingface_hub or the network raised."""
    import requests
    from huggingface_hub import errors

    if isinstance(exc, errors.OfflineModeIsEnabled):
        return HubUnreachable(f"Precis cannot download {entry.name} because offline mode is on (HF_HUB_OFFLINE); "
                              "turn it off to download.")
    if isinstance(exc, errors.LocalEntryNotFoundError | requests.ConnectionError | requests.Timeout):
        return HubUnreachable(_unreachable(entry))
    if isinstance(exc, errors.GatedRepoError):
        return DownloadError(f"{entry.hub_id} is gated: accept its terms on the Hugging Face Hub, then set HF_TOKEN "
                             "(or run `huggingface-cli login`) and download again.")
    if isinstance(exc, errors.RepositoryNotFoundError):
        status = exc.response.status_code if exc.response is not None else 404
        return DownloadError(f"The Hugging Face Hub refused access to {entry.hub_id} (HTTP {status}); it may be private "
                             "or gated (set HF_TOKEN), or the mirror may not have it.")
    if isinstance(exc, errors.RevisionNotFoundError | errors.EntryNotFoundError):
        return DownloadError(f"The Hugging Face Hub has no {entry.hub_id} at revision {entry.revision[:12]} (HTTP 404).")
    if isinstance(exc, errors.HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else 0
        if status == 429 or status >= 500:
            return HubUnreachable(f"The Hugging Face Hub is having trouble (HTTP {status}) sending {entry.name}; try "
                                  "again later.")
        return DownloadError(f"The Hugging Face Hub refused {entry.name} (HTTP {status}); try again later.")
    if isinstance(exc, errors.FileMetadataError):
        return DownloadError(f"{endpoint} does not answer like the Hugging Face Hub ({exc}); check HF_ENDPOINT.")
    return DownloadError(f"Downloading {entry.name} failed ({type(exc).__name__}: {exc}).")
