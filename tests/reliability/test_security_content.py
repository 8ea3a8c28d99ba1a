"""Security, what Precis shows and records: email HTML never fetches remote content (not when
read, summarized or shown in the window), and the logs hold no document text unless debug
logging is on. The rest of the security checks are in test_security.py."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from desktop.core.ingest import read_bytes
from desktop.core.ingest.context import ReadContext
from desktop.ml.engine.job import JobSpec, run_job
from tests.reliability.heldout import MARKER, write_heldout
from tests.reliability.mutations import all_mutations
from tests.reliability.probes import child_env, cli, run_measured

TINY = {"engine": "flan-t5", "model": "tiny", "backend": "ctranslate2", "quantization": "int8", "device": "cpu",
        "threads": 1, "length": "short"}


# ----- email HTML -------------------------------------------------------------------------------
class _Recorder(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def remote() -> Iterator[tuple[str, list[str]]]:
    """A web server on 127.0.0.1 that records every request it gets."""
    hits: list[str] = []
    handler = type("Recorder", (_Recorder,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def _html_email(base: str) -> bytes:
    html = f"""<html><head><link rel="stylesheet" href="{base}/style.css"><script src="{base}/x.js"></script>
<style>body {{ background: url({base}/bg.png) }} @import url({base}/imp.css);</style></head>
<body><p>The {MARKER} quarterly numbers are attached below for review.</p>
<img src="{base}/pixel.png" alt="tracking pixel"><iframe src="{base}/frame"></iframe>
<object data="{base}/obj"></object><video poster="{base}/poster.jpg"></video>
<p>Please <a href="{base}/link">confirm the figures</a> before Friday so the board can approve them.</p>
<img srcset="{base}/a.png 1x, {base}/b.png 2x"></body></html>"""
    plain_with_tags = f'Raw markup in plain text: <img src="{base}/plain.png"> and <a href="{base}/p">a link</a>.'
    return (f"From: Finance <f@example.org>\r\nTo: you@example.org\r\nSubject: Quarterly numbers\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n"
            f"--m\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n"
            f"--m\r\nContent-Type: text/plain; name=\"notes.txt\"\r\nContent-Disposition: attachment; filename=\"notes.txt\"\r\n\r\n"
            f"{plain_with_tags}\r\n--m--\r\n").encode()


def test_email_html_fetches_nothing(remote: tuple[str, list[str]], tiny: str, tmp_path: Path, qtbot) -> None:
    from desktop.core.digest import Digest
    from desktop.gui.digest.digest_view import DigestView
    from desktop.gui.source.source_view import SourceView

    base, hits = remote
    mail = tmp_path / "numbers.eml"
    mail.write_bytes(_html_email(base))
    doc = read_bytes(mail.read_bytes(), ReadContext(path=mail))
    assert f"The {MARKER} quarterly numbers" in doc.text() and "confirm the figures" in doc.text()
    extractive = run_job(JobSpec(paths=[str(mail)], engine="extractive"))
    model = run_job(JobSpec(paths=[str(mail)], **TINY))
    for args in (["extract", str(mail)], ["summarize", "--engine", "extractive", "--no-progress", str(mail)]):
        done = run_measured(cli(args), timeout=120, cwd=tmp_path, env=child_env(Path(os.environ["PRECIS_HOME"])))
        assert done.rc == 0, done.stderr
    # The window: the source view and the digest view (a QTextBrowser) showing that text.
    source, view = SourceView(), DigestView()
    qtbot.addWidget(source)
    qtbot.addWidget(view)
    source.set_documents(extractive.documents)
    digest = Digest.from_dict(extractive.digest.to_dict())
    digest.overview += f' <img src="{base}/in-digest.png"> ![x]({base}/md-image.png)'
    view.show_digest(digest, paths=[str(mail)], documents=extractive.documents)
    view.show_digest(model.digest, paths=[str(mail)], documents=model.documents)
    source.show()
    view.show()
    qtbot.wait(500)
    assert hits == []


# ----- logs -------------------------------------------------------------------------------------
@pytest.fixture
def app_logging() -> Iterator[Path]:
    """The desktop app's own logging set-up (debug logging off), restored afterwards."""
    from desktop import __main__ as app
    from desktop.core import paths

    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    app.setup_logging(debug=False)
    try:
        yield paths.log_dir() / app.LOG_FILE
    finally:
        for handler in root.handlers:
            if handler not in saved[1]:
                handler.close()
        root.handlers[:] = saved[1]
        root.setLevel(saved[0])


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_logs_hold_no_document_text(app_logging: Path, tiny: str, tmp_path: Path, figures) -> None:
    """Read, damage and summarize documents that all contain one unusual word, with the app's
    logging on (debug off): the word appears in no log record at INFO or above, in the log file,
    or on the CLI's verbose stderr."""
    capture = _Capture()
    capture.setLevel(logging.INFO)
    logging.getLogger().addHandler(capture)
    files = write_heldout(tmp_path / "docs")
    cases = 0
    try:
        for path in files:
            for mutation in all_mutations(path.read_bytes(), path.name, 24):
                try:
                    read_bytes(mutation.data, ReadContext(path=tmp_path / mutation.name))
                except Exception as exc:  # noqa: BLE001 - only DocumentErrors come out (test_fuzz checks)
                    assert exc.__class__.__module__ == "desktop.core.errors"
                cases += 1
        run_job(JobSpec(paths=[str(p) for p in files], engine="extractive"))
        run_job(JobSpec(paths=[str(p) for p in files], **TINY))
    finally:
        logging.getLogger().removeHandler(capture)
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert capture.lines, "nothing was logged at all: the check would prove nothing"
    assert [line for line in capture.lines if MARKER in line] == []
    assert MARKER not in app_logging.read_text(encoding="utf-8")
    done = run_measured(cli(["-v", "summarize", "--engine", "extractive", "--no-progress", *map(str, files)]), timeout=120,
                        cwd=tmp_path, env=child_env(Path(os.environ["PRECIS_HOME"])))
    assert done.rc == 0 and MARKER in done.stdout and MARKER not in done.stderr
    figures("security: log check", documents_read=cases, log_records=len(capture.lines))
