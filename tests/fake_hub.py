"""A stand-in for the Hugging Face Hub on 127.0.0.1, for download tests without the network.

huggingface_hub talks to it as to the real Hub (through ``HF_ENDPOINT`` or ``endpoint=``): the
file list (``/api/models/{id}/revision/{rev}?blobs=True`` with rfilename, size, blobId and
lfs.sha256), ``HEAD`` and ``GET`` of ``/{id}/resolve/{rev}/{file}`` with the headers
huggingface_hub reads (``X-Repo-Commit``, ``ETag``, ``X-Linked-Etag``, ``X-Linked-Size``,
``X-Error-Code``), LFS files redirected to a CDN address that serves the bytes with Range
support. With ``token`` set it answers only requests carrying ``Authorization: Bearer <token>``,
as for a private repo. Knobs make it misbehave the ways real networks do.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from desktop.ml.models.random_model import LFS_SUFFIXES


class FakeHub:
    def __init__(self) -> None:
        self.repos: dict[tuple[str, str], dict[str, bytes]] = {}
        #: (path, Range header or None) for every request (HEAD and GET), in order.
        self.requests: list[tuple[str, str | None]] = []
        #: The Authorization header of every request (None when absent), in order.
        self.authorizations: list[str | None] = []
        #: When set, the repos are private: the API and resolve calls need this bearer token.
        self.token: str | None = None
        #: (file name, Range header or None) for every response carrying a file's bytes.
        self.served: list[tuple[str, str | None]] = []
        #: file name -> bytes to send before dropping the connection (once per entry).
        self.drop_once: dict[str, int] = {}
        #: file names served with one byte flipped, once / every time.
        self.corrupt_once: set[str] = set()
        self.corrupt_always: set[str] = set()
        #: seconds to sleep between 16 KiB writes (a slow link), for the files in ``slow_files``
        #: (every file when it is empty).
        self.delay_per_chunk = 0.0
        self.slow_files: set[str] = set()
        self.ignore_range = False
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add_repo(self, hub_id: str, revision: str, files: dict[str, bytes]) -> None:
        self.repos[(hub_id, revision)] = dict(files)

    def add_folder(self, hub_id: str, revision: str, folder: Path, extra: dict[str, bytes] | None = None) -> None:
        files = {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir()) if p.is_file()}
        self.add_repo(hub_id, revision, {**files, **(extra or {})})

    def ranges_for(self, name: str) -> list[str | None]:
        """Range headers of the requests that served one file's bytes, in order."""
        return [r for served, r in self.served if served == name]

    def fetches_of(self, name: str) -> int:
        return len(self.ranges_for(name))

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ----- what the real Hub would answer ----------------------------------------------
    def api_json(self, hub_id: str, revision: str) -> dict[str, Any]:
        siblings = []
        for name, data in sorted(self.repos[(hub_id, revision)].items()):
            sib: dict[str, Any] = {"rfilename": name, "size": len(data)}
            if name.endswith(LFS_SUFFIXES):
                sib["blobId"] = hashlib.sha1(b"blob 134\0pointer").hexdigest()  # the pointer's, as on the Hub
                sib["lfs"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
            else:
                sib["blobId"] = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            siblings.append(sib)
        return {"id": hub_id, "sha": revision, "siblings": siblings}


def _cdn_key(name: str) -> str:
    return "/" + hashlib.sha1(name.encode()).hexdigest()


def _etag(name: str, data: bytes) -> str:
    """What the Hub sends as a file's ETag: the sha256 for LFS files, the git blob sha1 for others."""
    if name.endswith(LFS_SUFFIXES):
        return hashlib.sha256(data).hexdigest()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _handler_for(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    api = re.compile(r"^/api/models/(?P<id>[^/]+/[^/]+)/revision/(?P<rev>[^/?]+)(\?.*)?$")
    resolve = re.compile(r"^/(?P<id>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>[^/?]+)$")
    cdn = re.compile(r"^/cdn/(?P<id>[^/]+/[^/]+)/(?P<rev>[^/]+)/(?P<file>[^/]+)/[0-9a-f]{40}$")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def do_HEAD(self) -> None:
            self._answer(head=True)

        def do_GET(self) -> None:
            self._answer(head=False)

        def _answer(self, *, head: bool) -> None:
            with hub._lock:
                hub.requests.append((self.path, self.headers.get("Range")))
                hub.authorizations.append(self.headers.get("Authorization"))
            if m := cdn.match(self.path):  # signed CDN addresses need no token
                return self._serve_file(m["file"], hub.repos[(m["id"], m["rev"])][m["file"]], head=head)
            if hub.token is not None and self.headers.get("Authorization") != f"Bearer {hub.token}":
                return self._send(401, b'{"error": "Invalid username or password."}', {"X-Error-Code": "RepoNotFound"})
            if m := api.match(self.path):
                key = (m["id"], m["rev"])
                if key not in hub.repos:
                    code = "RevisionNotFound" if any(k[0] == m["id"] for k in hub.repos) else "RepoNotFound"
                    return self._send(404, b'{"error": "Not Found"}', {"X-Error-Code": code})
                return self._send(200, json.dumps(hub.api_json(*key)).encode())
            if m := resolve.match(self.path):
                files = hub.repos.get((m["id"], m["rev"]))
                if files is None:
                    return self._send(404, b"Revision not found", {"X-Error-Code": "RevisionNotFound"})
                if m["file"] not in files:
                    return self._send(404, b"Entry not found", {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": m["rev"]})
                data = files[m["file"]]
                meta = {"X-Repo-Commit": m["rev"], "ETag": f'"{_etag(m["file"], data)}"'}
                if m["file"].endswith(LFS_SUFFIXES):  # the real Hub sends LFS files from its CDN
                    location = f"{hub.url}/cdn/{m['id']}/{m['rev']}/{m['file']}{_cdn_key(m['file'])}"
                    return self._send(302, b"", {**meta, "Location": location, "X-Linked-Etag": meta["ETag"],
                                                 "X-Linked-Size": str(len(data))})
                return self._serve_file(m["file"], data, head=head, extra=meta)
            return self._send(404, b"not found")

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _serve_file(self, name: str, data: bytes, *, head: bool, extra: dict[str, str] | None = None) -> None:
            if head:
                return self._send_head(len(data), extra or {})
            with hub._lock:
                hub.served.append((name, self.headers.get("Range")))
                if name in hub.corrupt_always or name in hub.corrupt_once:
                    hub.corrupt_once.discard(name)
                    data = bytes([data[0] ^ 0xFF]) + data[1:]
                drop = hub.drop_once.pop(name, None)
            start = 0
            rng = self.headers.get("Range")
            if rng and not hub.ignore_range:
                start = int(re.match(r"bytes=(\d+)-", rng).group(1))  # type: ignore[union-attr]
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data) - start))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            body = data[start:] if drop is None else data[start:start + drop]
            delay = hub.delay_per_chunk if not hub.slow_files or name in hub.slow_files else 0.0
            try:
                for i in range(0, len(body), 16384):
                    self.wfile.write(body[i:i + 16384])
                    if delay:
                        time.sleep(delay)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client cancelled
            # With drop set we return early: the server closes the socket mid-body, as a
            # flaky network would; the client sees fewer bytes than Content-Length.

        def _send_head(self, size: int, extra: dict[str, str]) -> None:
            self.send_response(200)
            for key, value in extra.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(size))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()

    return Handler
