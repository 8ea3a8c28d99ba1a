"""The Watched view: the watched sources with how each stands, Add and Remove, Pause, and the
recent arrivals (activating a digested one opens its digest). It paints the ``WatchService``'s
state and says what the user asked for; the window keeps the settings and wires the rest."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.watch.arrivals import DIGESTED, FAILED, QUEUED, SUMMARIZING, Arrival
from desktop.gui.watch.watch_service import WatchService

SPEC = Qt.ItemDataRole.UserRole + 1
ENTRY = Qt.ItemDataRole.UserRole + 2
STATE_WORDS = {QUEUED: "waiting", SUMMARIZING: "summarizing…", DIGESTED: "digested", FAILED: "failed"}


class WatchedView(QWidget):
    #: A folder the user chose to watch.
    add_requested = Signal(str)
    #: A source (its ``Settings.watched`` string) to watch no more.
    remove_requested = Signal(str)
    #: A digested arrival's History entry, to open.
    entry_activated = Signal(str)
    #: True: pause watching; False: resume.
    pause_toggled = Signal(bool)
    #: A watched source (its ``Settings.watched`` string) the user opened: a mailbox waiting for its password.
    source_activated = Signal(str)

    def __init__(self, service: WatchService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("watchedView")
        self.service = service
        self.state_label = QLabel()
        self.state_label.setObjectName("watchState")
        self.state_label.setWordWrap(True)
        self.state_label.setToolTip("New and changed files are summarized in the background, at low priority, once "
                                    "they have stopped changing; paused while your own job runs.")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setObjectName("watchPauseButton")
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip("Summarize nothing in the background until you resume")
        self.pause_button.toggled.connect(self._on_pause)
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.state_label, 1)
        head.addWidget(self.pause_button, 0, Qt.AlignmentFlag.AlignTop)

        self.source_list = _list("watchedSources", Qt.TextElideMode.ElideMiddle)
        self.source_list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.source_list.itemActivated.connect(lambda item: self.source_activated.emit(item.data(SPEC)))
        self.add_menu = QMenu(self)
        self.add_folder_action = QAction("Add Folder…", self)
        self.add_folder_action.setObjectName("addWatchedFolderAction")
        self.add_folder_action.triggered.connect(self.choose_folder)
        self.add_menu.addAction(self.add_folder_action)
        self.add_button = QToolButton()
        self.add_button.setObjectName("watchAddButton")
        self.add_button.setDefaultAction(self.add_folder_action)
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.add_button.setMenu(self.add_menu)
        self.remove_button = QToolButton()
        self.remove_button.setObjectName("watchRemoveButton")
        self.remove_button.setText("Remove")
        self.remove_button.setToolTip("Watch this source no more (its digests stay in History)")
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)

        self.arrival_list = _list("arrivalsList")
        self.arrival_list.itemActivated.connect(self._on_arrival)
        self.arrival_list.setToolTip("")
        self.notice_label = QLabel()
        self.notice_label.setObjectName("hint")
        self.notice_label.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addLayout(head)
        layout.addWidget(_title("Watched"))
        layout.addWidget(self.source_list, 1)
        layout.addLayout(buttons)
        layout.addWidget(_title("Recent arrivals"))
        layout.addWidget(self.arrival_list, 3)
        layout.addWidget(self.notice_label)
        service.changed.connect(self.refresh)
        self.refresh()

    def add_source_action(self, action: QAction) -> None:
        """Another way to add a source (a mailbox), beside Add Folder…, in the Add button's menu."""
        self.add_menu.addAction(action)

    # ------------------------------------------------------------------ painting
    def refresh(self) -> None:
        service = self.service
        state, text = service.state()
        self.state_label.setText(text)
        self.state_label.setProperty("state", state)
        self.state_label.style().unpolish(self.state_label)
        self.state_label.style().polish(self.state_label)
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(service.paused_by_user)
        self.pause_button.setText("Resume" if service.paused_by_user else "Pause")
        self.pause_button.blockSignals(False)
        self.pause_button.setEnabled(bool(service.entries))
        self._fill_sources()
        self._fill_arrivals(service.arrivals.recent())
        self.notice_label.setText("\n".join(service.notices))
        self.notice_label.setVisible(bool(service.notices))
        self._update_buttons()

    def _fill_sources(self) -> None:
        current = self.selected_source()
        self.source_list.clear()
        style = self.style()
        for entry in self.service.entries:
            icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning if entry.problem else (
                QStyle.StandardPixmap.SP_DriveNetIcon if entry.kind == "mailbox" else QStyle.StandardPixmap.SP_DirIcon))
            item = QListWidgetItem(icon, f"{entry.name}\n{entry.kind_name} · {self.service.source_status(entry)}")
            item.setData(SPEC, entry.spec)
            problem = entry.problem or getattr(entry.source, "problem", "")
            hint = "\nOpen it to give the password." if getattr(entry.source, "needs_password", False) else ""
            item.setToolTip(f"{entry.detail}\n{problem}{hint}" if problem else entry.detail)
            item.setSizeHint(QSize(0, self.fontMetrics().lineSpacing() * 2 + 12))
            self.source_list.addItem(item)
            if entry.spec == current:
                self.source_list.setCurrentItem(item)
        if not self.service.entries:
            self.source_list.setToolTip("Add a folder (new and changed files in it are summarized in the background), "
                                        "or Watch a mailbox in the Mail tab (new mail is).")

    def _fill_arrivals(self, arrivals: list[Arrival]) -> None:
        self.arrival_list.clear()
        style = self.style()
        icons = {DIGESTED: style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton),
                 FAILED: style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
                 SUMMARIZING: style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload),
                 QUEUED: style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)}
        for a in arrivals:
            detail = f"{datetime.fromtimestamp(a.at):%H:%M} · {STATE_WORDS.get(a.state, a.state)}"
            if a.state == DIGESTED and a.title:
                detail += f" · {a.title}"
            elif a.state == QUEUED and a.reason not in ("", "new"):
                detail += f" ({a.reason})"
            item = QListWidgetItem(icons.get(a.state, QIcon()), f"{Path(a.name).name}\n{detail}")
            item.setData(ENTRY, a.entry_id)
            item.setToolTip("\n".join(x for x in (a.name, a.message or (f"Open: {a.title}" if a.entry_id else "")) if x))
            item.setSizeHint(QSize(0, self.fontMetrics().lineSpacing() * 2 + 12))
            self.arrival_list.addItem(item)

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.selected_source() is not None)

    # ------------------------------------------------------------------ what the user asks
    def selected_source(self) -> str | None:
        item = self.source_list.currentItem()
        return item.data(SPEC) if item is not None else None

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Watch a folder", str(Path.home()))
        if folder:
            self.add_requested.emit(folder)

    def remove_selected(self) -> None:
        spec = self.selected_source()
        if spec is not None:
            self.remove_requested.emit(spec)

    def arrival_entry(self, row: int) -> str | None:
        item = self.arrival_list.item(row)
        return item.data(ENTRY) if item is not None else None

    def _on_arrival(self, item: QListWidgetItem) -> None:
        entry_id = item.data(ENTRY)
        if entry_id:
            self.entry_activated.emit(entry_id)

    def _on_pause(self, checked: bool) -> None:
        self.pause_toggled.emit(checked)


def _list(name: str, elide: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> QListWidget:
    view = QListWidget()
    view.setObjectName(name)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setUniformItemSizes(True)
    view.setWordWrap(False)
    view.setTextElideMode(elide)
    view.setMinimumHeight(56)  # two rows' worth: the left pane keeps its usual minimum height
    return view


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("paneTitle")
    return label
