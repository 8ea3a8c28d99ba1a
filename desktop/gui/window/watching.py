"""The watcher wired into the window: the Watched view's Add, Remove and Pause reach the
``WatchService`` and ``Settings.watched``; the user's own jobs pause it (from the first queued job
until the queue is quiet) and it resumes after; each digest refreshes History and the roll-up and
brings a desktop notification; the tray icon shows while anything is watched, with Open and Pause.
The Mail tab's *Watch* adds a mailbox or one of its folders (a ``mailbox:`` string the mailbox
maker in ``SOURCE_MAKERS`` turns into its source, with the Mail tab's settings for it); a watched
IMAP account waiting for its password asks for it when its row is opened. A part of
``MainWindow``, given the window it acts on."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog

from desktop.core import paths
from desktop.core.mailstores import credentials
from desktop.core.mailstores.mailboxes import load_mailboxes
from desktop.core.watch.events import Digested
from desktop.core.watch.mailbox import MailboxSource, parse_watch_spec
from desktop.gui.common.password_dialog import password_dialog
from desktop.gui.jobs.template_picker import usable_template
from desktop.gui.settings.save import save_or_say
from desktop.gui.watch.source_list import same_folder, use_mailboxes
from desktop.gui.watch.tray import WatchTray
from desktop.gui.watch.watch_service import JOB, USER, WatchService
from desktop.ml.engine.job import JobSpec

if TYPE_CHECKING:
    from desktop.gui.window.main_window import MainWindow


class Watching(QObject):
    def __init__(self, window: MainWindow, service: WatchService) -> None:
        super().__init__(window)
        self.window = window
        self.service = service
        self.tray: WatchTray | None = None
        self._busy = False
        self.password_dialog: QInputDialog | None = None
        use_mailboxes(lambda: load_mailboxes(self.window.settings.mailboxes))
        view = window.panes.watched_view
        view.add_requested.connect(self.add_folder)
        view.remove_requested.connect(self.remove_source)
        view.entry_activated.connect(self.open_entry)
        view.pause_toggled.connect(self.set_paused)
        view.source_activated.connect(self.ask_password)
        window.mail_panel.watch_requested.connect(self.add_source)
        self.mailbox_action = QAction("Watch a Mailbox…", self)
        self.mailbox_action.setObjectName("watchMailboxAction")
        self.mailbox_action.setToolTip("In the Mail tab, choose a mailbox or folder and press Watch")
        self.mailbox_action.triggered.connect(self.choose_mailbox)
        view.add_source_action(self.mailbox_action)
        service.digested.connect(self._on_digested)
        service.changed.connect(self._update_tray)
        q = window.queue
        for signal in (q.job_added, q.job_changed, q.job_finished, q.job_removed):
            signal.connect(self._on_queue)
        if window.settings.watched:
            service.configure(list(window.settings.watched), self.spec())
        window.panes.rollup_view.set_watched(self.rollup_folders())

    def spec(self) -> JobSpec:
        """The watcher's jobs: the user's settings, with the default template only if it can be used
        (a broken one would fail every file, and a failed file is not tried again until it changes)."""
        settings = self.window.settings
        return JobSpec.from_settings(settings, [], template=usable_template(settings.template)[0])

    # ------------------------------------------------------------------ sources
    def add_folder(self, folder: str) -> bool:
        """Watch ``folder`` from now on (and after a restart); False if it already is."""
        settings = self.window.settings
        if any(same_folder(folder, w) for w in settings.watched):
            self.window.status.showMessage(f"{Path(folder).name} is watched already.", 5000)
            return False
        settings.watched = [*settings.watched, str(Path(folder).expanduser())]
        self._sources_changed()
        return True

    def add_source(self, spec: str) -> bool:
        """Watch a mailbox (its ``mailbox:`` string) from now on; False if it already is."""
        if parse_watch_spec(spec) is None:
            return self.add_folder(spec)
        settings = self.window.settings
        name = next((e.name for e in self.service.entries if e.spec == spec), None)
        if spec in settings.watched:
            self.window.status.showMessage(f"{name or 'That mailbox'} is watched already.", 5000)
            return False
        settings.watched = [*settings.watched, spec]
        self._sources_changed()
        entry = next((e for e in self.service.entries if e.spec == spec), None)
        if entry is not None:
            self.window.status.showMessage(f"Watching {entry.name}: mail that arrives from now on is summarized.", 8000)
        return True

    def choose_mailbox(self) -> None:
        """Add › Watch a Mailbox…: the Mail tab, where Watch is (its Add dialog when it has none)."""
        w = self.window
        w.panes.browse_tabs.setCurrentWidget(w.mail_panel)
        if not w.mail_panel.mailboxes:
            w.mail_panel.add_mailbox()
        else:
            w.status.showMessage("Choose a mailbox or one of its folders, then Watch.", 8000)

    def ask_password(self, spec: str) -> QInputDialog | None:
        """A watched IMAP account waiting for its password: ask for it (without blocking); the
        password is kept for this session, where the waiting source finds it at its next look."""
        entry = next((e for e in self.service.entries if e.spec == spec), None)
        source = entry.source if entry is not None else None
        if not isinstance(source, MailboxSource) or not source.needs_password or source.account is None:
            return None
        account = source.account
        if self.password_dialog is not None:
            self.password_dialog.close()
        dialog = password_dialog(self.window, name="watchPasswordDialog", title=f"Password for {account.label}",
                                 text=f"{source.problem}\n\nEnter the password for {account.user} on {account.host}:",
                                 ok="Go on watching")
        # Session memory only: the keyring may block (a locked desktop keyring), never on this thread.
        dialog.textValueSelected.connect(lambda text: credentials.remember(account.key, text, keep=False) if text else None)
        self.password_dialog = dialog
        dialog.open()
        return dialog

    def remove_source(self, spec: str) -> None:
        settings = self.window.settings
        settings.watched = [w for w in settings.watched if w != spec]
        self._sources_changed()

    def _sources_changed(self) -> None:
        settings = self.window.settings
        save_or_say(settings)
        self.service.configure(list(settings.watched), self.spec())
        self.window.panes.rollup_view.set_watched(self.rollup_folders())

    def rollup_folders(self) -> list[str]:
        """Where the watched sources' digests' files are, for the roll-up's "Watched folders": a
        folder itself; a mailbox, the folder its new mail is set aside in."""
        state = self.service.state_dir or paths.data_dir() / "watch"
        out = []
        for spec in self.window.settings.watched:
            entry = next((e for e in self.service.entries if e.spec == spec), None)
            source = entry.source if entry is not None else None
            out.append(str(source.home(state)) if isinstance(source, MailboxSource) else spec)
        return out

    def settings_applied(self) -> None:
        """The user saved Settings: the watcher's jobs follow (model, length, template...)."""
        self.service.set_spec(self.spec())

    # ------------------------------------------------------------------ pausing
    def set_paused(self, paused: bool) -> None:
        if paused:
            self.service.pause(USER)
        else:
            self.service.resume(USER)

    def _on_queue(self, _job_id: str) -> None:
        busy = self.window.queue.is_busy()
        if busy == self._busy:
            return
        self._busy = busy
        if busy:
            self.service.pause(JOB)
        else:
            self.service.resume(JOB)

    # ------------------------------------------------------------------ digests and the tray
    def _on_digested(self, event: Digested) -> None:
        w = self.window
        w.history_view.refresh()
        w.panes.rollup_view.history_changed()
        name = Path(event.name).name
        title = event.title or name
        mailbox = parse_watch_spec(next((e.spec for e in self.service.entries if e.owns(event.key)), "")) is not None
        w.status.showMessage(f"Digested {name} from a watched {'mailbox' if mailbox else 'folder'}: {title}", 8000)
        self._ensure_tray().notify("Precis: new digest", f"{title}\n{name}", event.entry_id)

    def open_entry(self, entry_id: str) -> None:
        w = self.window
        w.panes.centre_tabs.setCurrentWidget(w.panes.digest_page)
        w.history_view.select(entry_id)
        w.digest_actions.open_history_entry(entry_id)
        self.open_window()

    def open_window(self) -> None:
        w = self.window
        if w.isMinimized():
            w.showNormal()
        w.show()
        w.raise_()
        w.activateWindow()

    def _ensure_tray(self) -> WatchTray:
        if self.tray is None:
            tray = WatchTray(self.window.windowIcon(), self)
            tray.open_requested.connect(self.open_window)
            tray.entry_requested.connect(self.open_entry)
            tray.pause_toggled.connect(self.set_paused)
            self.tray = tray
        return self.tray

    def _update_tray(self) -> None:
        watching = self.service.watching
        if self.tray is None and not watching:
            return
        tray = self._ensure_tray()
        tray.set_paused(self.service.paused_by_user)
        tray.set_watching(watching, self.service.state()[1])

    def shutdown(self) -> None:
        """The window is closing: stop watching (what it was summarizing is redone next start)."""
        self.service.shutdown()
        if self.tray is not None:
            self.tray.set_watching(False)


