"""Cancel within a second and steady progress for huggingface_hub's downloads.

huggingface_hub streams a file in 10 MiB reads and has no way to stop one. Its documented hook,
``configure_http_backend``, lets Precis hand it the ``requests`` session it uses; ours reads a
response in 64 KiB pieces and checks the download's Cancel between them, and a watcher thread
closes the socket of a stalled response when Cancel is pressed, so even a link that sends
nothing stops at once. Everything else (redirects, Range requests, retries, the file layout)
stays huggingface_hub's. Outside a download the session behaves like huggingface_hub's own.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests

from desktop.core.errors import Cancelled

#: Bytes read at a time: at 1 MB/s Cancel is seen within 0.07 s.
PIECE = 64 * 1024
POLL_S = 0.05

_local = threading.local()
_installed = False
_install_lock = threading.Lock()


class Transfer:
    """One download's Cancel, shared by the thread that downloads and the watcher thread."""

    def __init__(self) -> None:
        self.stopped = threading.Event()
        self._response: requests.Response | None = None
        self._lock = threading.Lock()

    def check(self) -> None:
        if self.stopped.is_set():
            raise Cancelled()

    def watch(self, response: requests.Response) -> None:
        with self._lock:
            self._response = response

    def stop(self) -> None:
        """Stop the download: the next piece raises Cancelled, and a read waiting on a silent
        connection returns at once because its socket is shut."""
        self.stopped.set()
        with self._lock:
            response = self._response
        if response is not None:
            # urllib3 2.3's HTTPResponse.shutdown: made for this, waking a read blocked in another thread.
            with contextlib.suppress(AttributeError, ValueError, RuntimeError, OSError):
                response.raw.shutdown()


class _Pieces:
    """A urllib3 response read in small pieces, each after a Cancel check (requests' ``iter_content``
    calls ``stream``; everything else is passed through)."""

    def __init__(self, raw: Any, transfer: Transfer) -> None:
        self._raw = raw
        self._transfer = transfer

    def stream(self, amt: int | None = None, decode_content: bool | None = None) -> Iterator[bytes]:
        size = min(amt or PIECE, PIECE)
        while True:
            self._transfer.check()
            try:
                data = self._raw.read(size, decode_content=decode_content)
            except Exception:
                if self._transfer.stopped.is_set():  # the socket was shut by Cancel
                    raise Cancelled() from None
                raise
            if not data:
                break
            yield data
        self._transfer.check()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


class _Offline(requests.adapters.HTTPAdapter):
    """Offline mode, decided when the request is made rather than when huggingface_hub was imported."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        from desktop.ml.models.hub_env import hub_environment

        if hub_environment().offline:
            from huggingface_hub.errors import OfflineModeIsEnabled

            raise OfflineModeIsEnabled(f"Cannot reach {request.url}: offline mode is on (HF_HUB_OFFLINE).")
        return super().send(request, *args, **kwargs)


class _Session(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.mount("http://", _Offline())
        self.mount("https://", _Offline())

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        transfer: Transfer | None = getattr(_local, "transfer", None)
        if transfer is not None:
            transfer.check()
        response = super().send(request, **kwargs)
        if transfer is not None and kwargs.get("stream") and not isinstance(response.raw, _Pieces):
            response.raw = _Pieces(response.raw, transfer)
            transfer.watch(response)
        return response


def install_session() -> None:
    """Give huggingface_hub our session factory (once per process)."""
    global _installed
    with _install_lock:
        if not _installed:
            from huggingface_hub import configure_http_backend

            configure_http_backend(backend_factory=_Session)
            _installed = True


@contextlib.contextmanager
def watched(should_stop: Callable[[], bool], tick: Callable[[], None], interval: float = 0.1) -> Iterator[Transfer]:
    """Run the body as one cancellable transfer: a watcher thread calls ``tick`` every ``interval``
    seconds and stops the transfer as soon as ``should_stop`` answers True."""
    install_session()
    transfer = Transfer()
    done = threading.Event()

    def watch() -> None:
        last = 0.0
        while not done.wait(POLL_S):
            if should_stop():
                transfer.stop()
                return
            now = time.monotonic()
            if now - last >= interval:
                last = now
                tick()

    watcher = threading.Thread(target=watch, name="precis-download-watch", daemon=True)
    _local.transfer = transfer
    watcher.start()
    try:
        yield transfer
        transfer.check()
    finally:
        _local.transfer = None
        done.set()
        watcher.join(timeout=1.0)
