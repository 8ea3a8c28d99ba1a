"""Screenshots of the real window for the README: the main window with a digest, the model
manager, the queue in the middle of a job, a scanned page's recognized text with its picture,
the fine-tune panel (mid-training and with its evaluation card), the Watched list after files
arrived in a watched folder, and the Roll-up tab. Run by ``make screenshots`` under Xvfb:

    xvfb-run -a -s "-screen 0 1600x1000x24" python resources/screenshots/make_screenshots.py

It also works without a display (``QT_QPA_PLATFORM=offscreen``; ``QWidget.grab`` renders
offscreen windows). A throw-away ``PRECIS_HOME`` gives the first-run state a new user sees;
nothing in your own Precis data is touched. Writes the PNGs beside this script.

The fine-tune shots train a tiny random T5 (built here, no download) on toy pairs from the shared
corpus (``PRECIS_CORPUS``, default ``../shared/corpus``): the summaries are each dialogue's first
line, which such a model learns in a minute; they are skipped when the corpus is not there, as is
the scanned-page shot (a corpus page rendered to an image-only PDF, recognized by the real job).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SIZE = (1280, 800)


def _settle(app, seconds: float = 0.3) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def _wait(app, predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.01)


def _finetune_shots(app, window, save) -> None:  # type: ignore[no-untyped-def]
    """5. The fine-tune panel training a tiny model on toy pairs, then its evaluation card."""
    import dataclasses
    import json

    corpus = Path(os.environ.get("PRECIS_CORPUS", REPO.parent / "shared" / "corpus"))
    dialogues = corpus / "references" / "dialogsum_test_pairs.jsonl"
    if not dialogues.is_file():
        print(f"skipped the fine-tune screenshots: no corpus at {corpus} (set PRECIS_CORPUS)")
        return
    from desktop.gui.finetune import FinetunePanel
    from desktop.ml.models.random_model import build_random_t5, default_training_texts
    from desktop.ml.models.store import ModelStore

    home = Path(os.environ["PRECIS_HOME"])
    texts = default_training_texts() + [p.read_text(encoding="utf-8", errors="replace")
                                        for p in sorted((corpus / "transcript").glob("qmsum-*.txt"))[:2]]
    ModelStore().import_folder(build_random_t5(home / "tiny-t5", "tiny", texts=texts, vocab_size=2000), "tiny-t5")
    pairs = home / "meeting-openings.jsonl"
    with open(pairs, "w", encoding="utf-8") as out:
        for line in dialogues.read_text(encoding="utf-8").splitlines()[:24]:
            turns = [t for t in json.loads(line)["document"].splitlines() if t.strip()][:4]
            out.write(json.dumps({"document": "\n".join(turns), "summary": turns[0].strip()}) + "\n")
    # A tiny model trains fastest on one thread.
    panel = FinetunePanel(window, settings=dataclasses.replace(window.settings, threads=1), preset_name="tiny")
    panel.form.name_edit.setText("meeting-openings")
    panel.form.steps_spin.setValue(150)  # long enough for the samples to show what it learned
    panel.show()
    panel.pairs_view.add_source(pairs)
    _wait(app, lambda: panel.pairs_view.pairs is not None and not panel.pairs_view.loading)
    panel.train()
    chart = panel.training.chart
    _wait(app, lambda: bool(chart.train) and chart.train[-1][0] >= 90, timeout=300)
    _settle(app, 0.3)
    save(panel, "finetune-training.png")
    _wait(app, lambda: panel.pending is not None or not panel.running, timeout=300)
    _settle(app, 0.5)
    save(panel, "finetune-card.png")
    panel.discard()
    panel.close()


def _scanned_page_shot(app, window, save) -> None:  # type: ignore[no-untyped-def]
    """4. A scanned page summarized, a citation opened: the recognized text beside (here below)
    the page's picture at a 1400-pixel-wide window. The scan is a corpus page (a school board's
    agenda) rendered to an image-only PDF, as a scanner writes it."""
    corpus = Path(os.environ.get("PRECIS_CORPUS", REPO.parent / "shared" / "corpus"))
    original = corpus / "pdf" / "cupertino_usd_4-6-16.pdf"
    if not original.is_file():
        print(f"skipped the scanned-page screenshot: no corpus at {corpus} (set PRECIS_CORPUS)")
        return
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(original)
    try:
        page = pdf[0].render(scale=200 / 72, grayscale=True).to_pil().convert("L")
    finally:
        pdf.close()
    scan = Path(os.environ["PRECIS_HOME"]) / "board-agenda-scan.pdf"
    page.save(scan, "PDF", resolution=200)
    window.resize(1400, 900)
    job = window.summarize([str(scan)]) or ""
    _wait(app, lambda: _ended(window, job), timeout=300)
    window.show_job(job)
    window.follow(job)
    _wait(app, lambda: window.digest_view.digest is not None and not window.source_view.loading)
    hrefs = window.digest_view.citation_hrefs()
    window.digest_view.activate_link(hrefs[1] if len(hrefs) > 1 else hrefs[0])
    _wait(app, lambda: window.source_view.page_image.page is not None)
    _settle(app, 0.8)
    save(window, "scanned-page.png")
    window.resize(*SIZE)


def _keep_up_shots(app, window, save) -> None:  # type: ignore[no-untyped-def]
    """6. The Watched list: three files dropped into a watched folder, summarized with no click, the
    latest digest opened from its arrival. 7. The Roll-up tab over those digests for Priya, with a
    citation of what she is owed open in the source view."""
    samples = REPO / "resources" / "samples"
    inbox = Path(os.environ["PRECIS_HOME"]) / "Meetings and mail"
    inbox.mkdir()
    service = window.watch_service
    service.settle_s, service.poll_s = 0.5, 0.2  # quicker than a user needs: the shot waits for it
    window.model_picker.select("extractive")
    window.tree.set_root(inbox)
    window.panes.left_splitter.setSizes([230, 530])  # room for the arrivals
    window.side_tabs.setCurrentWidget(window.panes.watched_view)
    window.watching.add_folder(str(inbox))
    _wait(app, lambda: service.watcher is not None)
    before = len(window.history.list())
    for name in ("office-move-thread.eml", "product-sync-meeting.vtt", "quarterly-energy-report.md"):
        shutil.copy(samples / name, inbox / name)
        _settle(app, 0.3)
    _wait(app, lambda: len(window.history.list()) >= before + 3, timeout=120)
    _settle(app, 0.5)
    view = window.panes.watched_view
    view.arrival_list.setCurrentRow(0)
    view.arrival_list.itemActivated.emit(view.arrival_list.item(0))
    _wait(app, lambda: window.digest_view.digest is not None and not window.source_view.loading)
    _settle(app, 0.8)
    save(window, "watched-folder.png")

    rollup = window.panes.rollup_view
    window.show_rollup()
    rollup.sources.set_kind("watched")
    rollup.set_period("")
    rollup.me_field.setText("Priya Shah <priya.shah@example.org>")
    rollup.me_field.editingFinished.emit()
    _wait(app, lambda: not rollup.building and rollup.rollup is not None and bool(rollup.rollup.me))
    owed = rollup.citation_hrefs("owed_to_me") or rollup.citation_hrefs()
    if owed:
        rollup.activate_link(owed[0])
        _wait(app, lambda: not window.source_view.loading)
    window.side_tabs.setCurrentWidget(window.history_view)
    _settle(app, 0.8)
    save(window, "roll-up.png")
    window.watching.remove_source(str(inbox))


def _ended(window, job_id: str) -> bool:  # type: ignore[no-untyped-def]
    job = window.queue.job(job_id)
    return job is not None and job.ended


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where to write the PNGs (default: beside this script)")
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    parser.add_argument("--keep-up-only", action="store_true", help="only the Watched list and Roll-up shots")
    args = parser.parse_args(argv)

    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = tempfile.mkdtemp(prefix="precis-screenshots-")
    os.environ["PRECIS_HOME"] = home
    sys.path.insert(0, str(REPO))

    from desktop.gui.app import create_application
    from desktop.gui.common.theme import apply_theme
    from desktop.gui.jobs.job_queue import JobQueue
    from desktop.gui.window.main_window import MainWindow

    app = create_application([sys.argv[0]])
    apply_theme(app, args.theme)
    queue = JobQueue()
    window = MainWindow(queue)
    window.resize(*SIZE)
    window.show()
    args.out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        path = args.out / name
        widget.grab().save(str(path))
        written.append(path)

    try:
        if args.keep_up_only:
            _keep_up_shots(app, window, save)
            return 0
        # 1. The queue mid-job: three jobs queued, the first one streaming its partial summaries.
        samples = REPO / "resources" / "samples"
        files = [str(p) for p in sorted(samples.iterdir()) if p.is_file()]
        window.tree.set_root(samples)
        window.model_picker.select("extractive")
        grabbed: list[bool] = []

        def grab_mid_job(job_id: str, _text: str, _source: str) -> None:
            job = queue.job(job_id)
            if not grabbed and job is not None and job.partials and len(job.partials) >= 2:
                grabbed.append(True)
                window.repaint()
                save(window, "queue-mid-job.png")

        queue.job_partial.connect(grab_mid_job)
        _settle(app)
        first = window.summarize(files, title="Sample documents")
        window.summarize([files[1]], query="Who fixes the export crash, and by when?")
        window.summarize([files[2]])
        window.follow(first or "")
        _wait(app, lambda: bool(grabbed))
        queue.job_partial.disconnect(grab_mid_job)

        # 2. The main window with the finished digest, a citation opened in the source view.
        _wait(app, lambda: all(j.ended for j in queue.jobs()))
        window.show_job(first or "")
        window.follow(first or "")
        _wait(app, lambda: window.digest_view.digest is not None)
        window.side_tabs.setCurrentWidget(window.queue_view)
        hrefs = window.digest_view.citation_hrefs()
        meeting = [h for h in hrefs if "product-sync" in (window.digest_view.source_for(h).document or "")]  # type: ignore[union-attr]
        window.digest_view.activate_link(meeting[1] if len(meeting) > 1 else hrefs[0])
        window.ask_field.setText("")
        _settle(app, 0.5)
        save(window, "main-window.png")

        # 3. The model manager: the catalog with sizes.
        window.open_model_manager()
        dialog = window.model_manager
        assert dialog is not None
        dialog.resize(900, 560)
        _settle(app, 0.8)
        save(dialog, "model-manager.png")
        dialog.close()

        # 4. A scanned page's text and its picture, at a 1400-pixel-wide window.
        _scanned_page_shot(app, window, save)

        # 5. The fine-tune panel: a tiny model training, then its evaluation card.
        _finetune_shots(app, window, save)

        # 6 and 7. The Watched list after files arrived, and the Roll-up tab.
        _keep_up_shots(app, window, save)
    finally:
        window.close()
        queue.shutdown()
        shutil.rmtree(home, ignore_errors=True)
        for path in written:
            print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
