"""The two Hugging Face Hub HTTP calls a download needs, and the sentences for their failures.

File list: ``GET {endpoint}/api/models/{id}/revision/{rev}?blobs=true`` -> ``siblings`` with
``rfilename``, ``size``, ``blobId`` (git blob sha1) and for LFS files ``lfs.sha256``/``lfs.size``.
File bytes: ``GET {endpoint}/{id}/resolve/{rev}/{file}``, which redirects LFS files to a CDN.
See https://huggingface.co/docs/hub/api.
"""

from __future__ import annotations

import http.client
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, cast

from desktop import __version__
from desktop.core.errors import DownloadError, HubUnreachable, PrecisError
from desktop.ml.models.catalog import CatalogEntry
from desktop.ml.models.manifest import is_model_file
from desktop.ml.models.whisper_validate import is_transcriber_file

DEFAULT_ENDPOINT = "https://huggingface.co"
USER_AGENT = f"precis/{__version__}"
#: Everything that means "the network did not answer" rather than "the Hub said no".
NETWORK_ERRORS = (urllib.error.URLError, OSError, http.client.HTTPException)


@dataclass(frozen=True, slots=True)
class RemoteFile:
    name: str
    size: int
    sha256: str | None  # LFS files
    blob_id: str | None  # git blob sha1, for small files stored in git itself


def hub_endpoint(endpoint: str | None = None) -> str:
    return (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def offline_mode() -> bool:
    """The same switch huggingface_hub and transformers obey, so one setting covers all three."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def open_url(url: str, timeout: float, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    """GET with a socket timeout; urllib follows the CDN redirect and keeps our Range header."""
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
    return cast(http.client.HTTPResponse, urllib.request.urlopen(req, timeout=timeout))


def file_url(endpoint: str, entry: CatalogEntry, name: str) -> str:
    return f"{endpoint}/{entry.hub_id}/resolve/{entry.revision}/{urllib.parse.quote(name)}"


def list_model_files(entry: CatalogEntry, endpoint: str, timeout: float) -> list[RemoteFile]:
    """The files of ``entry`` Precis wants (config, tokenizer, safetensors; a converted model's
    ``model.bin``), with their checksums: the catalog's pins when it has them."""
    url = f"{endpoint}/api/models/{entry.hub_id}/revision/{entry.revision}?blobs=true"
    try:
        with open_url(url, timeout) as resp:
            data = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        raise http_error(entry, exc, "the file list") from exc
    except NETWORK_ERRORS as exc:
        raise unreachable(entry) from exc
    except ValueError as exc:
        raise DownloadError(f"The Hugging Face Hub sent an unreadable file list for {entry.name}; try again later.") from exc
    siblings = data.get("siblings") if isinstance(data, dict) else None
    if not isinstance(siblings, list):
        raise DownloadError(f"The Hugging Face Hub sent no file list for {entry.name}; try again later.")
    files = []
    wanted = is_transcriber_file if entry.format == "ctranslate2" else is_model_file
    for sibling in siblings:
        name = sibling.get("rfilename") if isinstance(sibling, dict) else None
        if isinstance(name, str) and wanted(name):
            remote = _remote_file(sibling)
            if remote is None:
                raise DownloadError(f"The Hugging Face Hub did not say how large {name} of {entry.name} is; try again later.")
            files.append(remote)
    if entry.files:
        return _pinned(entry, files)
    if entry.format == "ctranslate2":
        if not any(f.name == "model.bin" for f in files):
            raise DownloadError(f"{entry.hub_id} has no model.bin at revision {entry.revision[:12]}, so it is not a "
                                "converted Whisper model.")
        return files
    if not any(f.name.endswith(".safetensors") for f in files):
        raise DownloadError(
            f"{entry.hub_id} offers no safetensors weights (only formats such as PyTorch pickle files, which can "
            "run code when loaded), so Precis will not download it."
        )
    return files


def _pinned(entry: CatalogEntry, listed: list[RemoteFile]) -> list[RemoteFile]:
    """Exactly the catalog's files, each to be checked against the catalog's SHA-256; the Hub's
    listing must agree with the pins where it says anything (size, and LFS files' SHA-256)."""
    by_name = {f.name: f for f in listed}
    files = []
    for pin in entry.files:
        remote = by_name.get(pin.name)
        if remote is None:
            raise DownloadError(f"The Hugging Face Hub lists no {pin.name} for {entry.hub_id} at revision "
                                f"{entry.revision[:12]}, which the catalog pins; Precis will not download it.")
        if remote.size != pin.size or (remote.sha256 is not None and remote.sha256 != pin.sha256):
            raise DownloadError(f"The Hugging Face Hub's {pin.name} of {entry.name} is not the file the catalog pins "
                                "(its size or checksum differs); Precis will not download it.")
        files.append(RemoteFile(pin.name, pin.size, pin.sha256, None))
    return files


def unreachable(entry: CatalogEntry) -> HubUnreachable:
    return HubUnreachable(
        f"Precis could not reach the Hugging Face Hub to download {entry.name}; check your internet "
        "connection. You can still summarize with the built-in extractive engine."
    )


def http_error(entry: CatalogEntry, exc: urllib.error.HTTPError, what: str) -> PrecisError:
    if exc.code == 429 or exc.code >= 500:
        return HubUnreachable(f"The Hugging Face Hub is having trouble (HTTP {exc.code}) sending {entry.name}; try again later.")
    if exc.code in (401, 403):
        return DownloadError(f"The Hugging Face Hub refused access to {entry.hub_id} (HTTP {exc.code}); it may be private or gated.")
    if exc.code == 404:
        return DownloadError(f"The Hugging Face Hub has no {what} for {entry.hub_id} at revision {entry.revision[:12]} (HTTP 404).")
    return DownloadError(f"The Hugging Face Hub refused {what} of {entry.name} (HTTP {exc.code}); try again later.")


def content_range_start(value: str | None) -> int | None:
    """``bytes 100-199/200`` -> 100."""
    if not value or not value.startswith("bytes "):
        return None
    try:
        return int(value[6:].split("-", 1)[0])
    except ValueError:
        return None


def _remote_file(sibling: dict[str, Any]) -> RemoteFile | None:
    lfs = sibling.get("lfs") if isinstance(sibling.get("lfs"), dict) else None
    size = (lfs or {}).get("size", sibling.get("size"))
    if not isinstance(size, int) or size < 0:
        return None
    sha256 = lfs.get("sha256") if lfs else None
    blob = sibling.get("blobId")
    return RemoteFile(sibling["rfilename"], size, sha256 if isinstance(sha256, str) else None,
                      blob if isinstance(blob, str) else None)
