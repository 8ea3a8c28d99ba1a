"""Something useful within 3 s: a dropped 65-page PDF shows cited, quoted key points (the
extractive preview) long before the model's first output, marked as a preview."""

from __future__ import annotations

import time
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.gui.digest.preview_text import PREVIEW_NOTE
from tests.gui._jobs import install_tiny
from tests.gui._window import OFFSCREEN_NOISE, drop_files, make_window

pytestmark = OFFSCREEN_NOISE
#: The issue's budget from the drop to the first cited point, with the model installed (not loaded).
BUDGET_S = 3.0


def _main_thread_wait(pid: int | None) -> float:
    """Seconds the worker's main thread (which reads and ranks) waited for a CPU others held."""
    try:
        with open(f"/proc/{pid}/task/{pid}/schedstat", encoding="ascii") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError, TypeError):
        return 0.0


def test_a_dropped_65_page_pdf_shows_cited_preview_points_within_3_s(qtbot: QtBot, tiny_model_dir: Path,
                                                                      corpus: Path) -> None:
    install_tiny(tiny_model_dir)
    win, queue = make_window(qtbot)
    try:
        queue.bridge.start()  # the app starts its worker with the window
        qtbot.waitUntil(queue.bridge.is_ready, timeout=60_000)
        pid = queue.bridge._child.pid if queue.bridge._child is not None else None
        view = win.digest_view
        wall0, worker0 = time.perf_counter(), _main_thread_wait(pid)
        drop_files(view.browser.viewport(), [corpus / "pdf" / "chelsea_pdta.pdf"])
        qtbot.waitUntil(lambda: bool(view.citation_hrefs()), timeout=120_000)
        wall = time.perf_counter() - wall0
        # On a shared machine, less the time the worker's reading thread sat ready while other
        # processes held the CPUs (the GUI thread only relays an event; its waits overlap).
        waited = _main_thread_wait(pid) - worker0
        shown = view.browser.toPlainText()
        assert PREVIEW_NOTE.strip("*").split(":")[0] in shown and "(quoted)" in shown
        source = view.source_for(view.citation_hrefs()[0])
        assert source is not None and source.locator.page is not None and source.document == "chelsea_pdta.pdf"
        assert view.digest is None  # still a preview: the job goes on
        assert wall - waited < BUDGET_S, f"first cited point after {wall:.2f} s ({waited:.2f} s of it waiting for a CPU)"
        print(f"first cited point after {wall:.2f} s wall, {wall - waited:.2f} s less run-queue waits")
    finally:
        queue.shutdown()
