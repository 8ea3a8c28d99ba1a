"""Screenshots of the real window for the README: the main window with a digest, the model
manager (a model found in the Hugging Face cache, the Hub settings), the queue in the middle of a
job, a scanned page's recognized text with its picture, checked points (a flagged point's citation
opened), the fine-tune panel (mid-training and with its evaluation card), a mailbox's folders with
the Add-a-mailbox dialog, the Watched list after files arrived in a watched folder, the Roll-up
tab, a long document's sections with its furniture dimmed in the source view
(``structure_shots.py``), and a meeting recording's time citation playing in the source view's
player strip (``recording_shot.py``). Run by ``make screenshots`` under Xvfb:

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

# Beside this script (Python puts its folder first on the path); imports nothing of Qt or Precis yet.
from recording_shot import recording_shot
from structure_shots import model_manager_shot, sections_shot

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


def _checked_points_shot(app, window, save) -> None:  # type: ignore[no-untyped-def]
    """6. Checked points: a meeting's digest whose last action item says "Thursday the 19th" where
    Tom said "Wednesday the 18th". The points are written the way a model might write them and
    checked by the real check stage (tests/gui/_checked.py); the digest is reopened from History
    and the flagged point's citation clicked: the source view shows Tom's sentence, his
    "Wednesday" and "18th" marked."""
    from desktop.core.render import to_markdown
    from tests.gui._checked import VTT, meeting_digest

    digest, _doc = meeting_digest()
    window.tree.set_root(REPO / "resources" / "samples")
    entry = window.history.add(digest, [VTT], to_markdown(digest, links=True))
    window.resize(1400, 820)
    window.history_view.refresh()
    window.side_tabs.setCurrentWidget(window.history_view)
    window.digest_actions.open_history_entry(entry.id)
    _wait(app, lambda: window.digest_view.digest is not None and not window.source_view.loading)
    flagged = [h for h in window.digest_view.citation_hrefs() if h.startswith("cite:action_items/1/")]
    window.digest_view.activate_link(flagged[0])
    _settle(app, 0.6)
    save(window, "checked-points.png")
    window.resize(*SIZE)


#: A team's mail for the mailbox shots: (folder, sender, subject, body, date, read).
_MAIL = [
    ("", "Priya Natarajan <priya@example.com>", "Office move: keys and parking",
     ("The move to the Harbour Street office is confirmed for Friday the 15th of March. Keys will be handed out on "
     "Thursday afternoon at reception. Parking permits for the new garage must be requested by Wednesday; "
     "send Tom your licence plate."), "Mon, 04 Mar 2024 09:12:00 +0000", True),
    ("", "Tom Becker <tom@example.com>", "Re: Office move: keys and parking",
     ("I have collected eleven plate numbers so far. The garage allows fifteen cars, so the rest will share the "
     "visitor spaces for the first month."), "Tue, 05 Mar 2024 14:40:00 +0000", False),
    ("", "IT Service Desk <it@example.com>", "Laptops and the new network",
     ("Please bring your laptop to the new office on Monday; the old Wi-Fi network will be switched off on the "
     "18th. Docking stations are already on every desk."), "Wed, 06 Mar 2024 08:05:00 +0000", False),
    ("Projects.Launch", "Mara Lindqvist <mara@example.com>", "Launch moves to April",
     ("The launch moves from March 25th to April 8th because the payment provider needs two more weeks to certify "
     "the new checkout. Marketing keeps the press release ready but will not send it before the certificate "
     "arrives. Jonas owns the new date with the provider."), "Mon, 11 Mar 2024 10:30:00 +0000", True),
    ("Projects.Launch", "Jonas Weber <jonas@example.com>", "Re: Launch moves to April",
     ("The provider confirmed the certification slot on April 2nd. If it passes, we go live on April 8th at 9:00; "
     "if not, the fallback date is April 15th. I will send the checklist for the go-live call on Friday."),
     "Wed, 13 Mar 2024 16:20:00 +0000", False),
    ("Projects.Launch", "Mara Lindqvist <mara@example.com>", "Go-live checklist",
     ("Please add the support rota to the go-live checklist and confirm that the status page is ready. Decision: "
     "we will not run a discount for launch week."), "Fri, 15 Mar 2024 11:00:00 +0000", False),
    ("Projects.Budget", "Finance <finance@example.com>", "Q2 budget approved",
     "The Q2 budget of 48,000 euros is approved, with the travel line cut by ten percent.",
     "Thu, 07 Mar 2024 12:00:00 +0000", True),
    ("Archive.2023", "Priya Natarajan <priya@example.com>", "Year-end summary",
     "Thank you all for a good year; the office will be closed between Christmas and New Year.",
     "Fri, 15 Dec 2023 17:00:00 +0000", True),
    ("Trash", "Newsletter <news@example.com>", "Spring offers", "Save on spring offers.",
     "Mon, 04 Mar 2024 06:00:00 +0000", True),
]


def _team_maildir(root: Path) -> Path:
    """The team's mail above as a Maildir, written by Python's ``mailbox``."""
    import mailbox
    from email.message import EmailMessage

    box = mailbox.Maildir(root, create=True)
    for folder, sender, subject, body, date, read in _MAIL:
        target = box if not folder else (box.get_folder(folder) if folder in box.list_folders() else box.add_folder(folder))
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"], msg["Date"] = sender, "team@example.com", subject, date
        msg.set_content(body)
        entry = mailbox.MaildirMessage(msg)
        if read:
            entry.set_subdir("cur")
            entry.add_flag("S")
        target.add(entry)
    return root


def _mail_shots(app, window, save) -> None:  # type: ignore[no-untyped-def]
    """7. Mail where it lives: a Maildir's folders as a tree in the Mail tab, a folder summarized
    for a date range with a citation open, and the Add-a-mailbox dialog on its IMAP page."""
    import datetime as dt

    from desktop.core.mailstores.mailboxes import local_mailbox

    store = _team_maildir(Path(os.environ["PRECIS_HOME"]) / "Team mail")
    panel = window.mail_panel
    window.panes.browse_tabs.setCurrentWidget(panel)
    panel.add(local_mailbox(store))
    _wait(app, lambda: not panel.is_listing())
    panel.tree.expandAll()
    panel.tree.select(str(store), "Projects/Launch")
    panel.range.set_between(dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    panel.summarize_button.click()
    job = window.queue.jobs()[-1].id
    _wait(app, lambda: _ended(window, job), timeout=120)
    window.show_job(job)
    window.follow(job)
    _wait(app, lambda: window.digest_view.digest is not None and not window.source_view.loading)
    hrefs = window.digest_view.citation_hrefs()
    window.digest_view.activate_link(hrefs[1] if len(hrefs) > 1 else hrefs[0])
    _settle(app, 0.6)
    save(window, "mail-folders.png")

    dialog = panel.add_mailbox()
    page = dialog.show_page("imap")
    page.server_edit.setText("mail.example.com")
    page.user_edit.setText("alice@example.com")
    page.password_edit.setText("correct horse battery staple")
    _settle(app, 0.5)
    save(dialog, "add-mailbox.png")
    dialog.reject()


def _keep_up_shots(app, window, save) -> None:  # type: ignore[no-untyped-def]
    """8. The Watched list: three files dropped into a watched folder, summarized with no click, the
    latest digest opened from its arrival. 9. The Roll-up tab over those digests for Priya, with a
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


def _window_shots(app, window, queue, save) -> None:  # type: ignore[no-untyped-def]
    """1-5. The queue mid-job, the main window, the model manager, a scanned page, fine-tuning."""
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

    # 3. The model manager: the catalog with sizes, a model found in the Hugging Face cache, the Hub settings.
    model_manager_shot(app, window, save, _settle)

    # 4. A scanned page's text and its picture, at a 1400-pixel-wide window.
    _scanned_page_shot(app, window, save)

    # 5. The fine-tune panel: a tiny model training, then its evaluation card.
    _finetune_shots(app, window, save)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where to write the PNGs (default: beside this script)")
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    parser.add_argument("--only", choices=("checked-points", "mail", "keep-up", "model-manager", "sections", "recording"),
                        help="only these shots (the rest take minutes)")
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
        if args.only is None:
            _window_shots(app, window, queue, save)
            # 6. Checked points: a flagged point's citation opened in the source view.
            _checked_points_shot(app, window, save)
        else:
            window.model_picker.select("extractive")
        if args.only == "checked-points":
            _checked_points_shot(app, window, save)
        if args.only == "model-manager":
            model_manager_shot(app, window, save, _settle)
        if args.only in (None, "mail"):
            # 7. Mail: a Maildir's folders, a folder summarized for March, the Add-a-mailbox dialog.
            _mail_shots(app, window, save)
        if args.only in (None, "keep-up"):
            # 8 and 9. The Watched list after files arrived, and the Roll-up tab.
            _keep_up_shots(app, window, save)
        if args.only in (None, "sections"):
            # 10. A long document's sections, one opened in the source view beside its dimmed contents.
            sections_shot(app, window, save, _wait, _settle)
        if args.only in (None, "recording"):
            # 11. A meeting recording beside its captions: a time citation playing in the player strip.
            recording_shot(app, window, save, _wait, _settle)
    finally:
        window.close()
        queue.shutdown()
        shutil.rmtree(home, ignore_errors=True)
        for path in written:
            print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
