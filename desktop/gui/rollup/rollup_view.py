"""The Roll-up view: the period, the sources and "me" above one page of decisions, what I owe,
what I'm owed and deadlines, each item's citations clickable (``citation_activated``, which the
window opens in the source view). The page is made on a thread of its own (``rollup_build``) and
made again when History or the choices change; Export writes Markdown, JSON or an .ics file."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.core.digest import Source
from desktop.core.errors import PrecisError
from desktop.core.history import History
from desktop.core.render import parse_cite_href
from desktop.core.rollup.build import Rollup
from desktop.core.rollup.collect import parse_period
from desktop.core.rollup.render import to_markdown
from desktop.gui.common import messages
from desktop.gui.common.citation_style import anchor_hrefs, style_citations
from desktop.gui.common.elided_label import ElidedLabel
from desktop.gui.rollup.rollup_build import Built, RollupRequest, build
from desktop.gui.rollup.rollup_export import FORMATS, default_name, export_rollup
from desktop.gui.rollup.rollup_sources import SourceChooser

#: (what ``parse_period`` takes, what the list says); "range": the two dates beside it.
PERIODS = (("today", "Today"), ("this week", "This week"), ("last week", "Last week"), ("this month", "This month"),
           ("7 days", "Last 7 days"), ("30 days", "Last 30 days"), ("", "Everything"), ("range", "Range"))
ME_HINT = "Your names and addresses, e.g. Maria Lopez <maria@example.org>; M. Lopez"


class RollupView(QWidget):
    citation_activated = Signal(object)  # Source
    #: The user's names and addresses as typed (``Settings.me``).
    me_changed = Signal(list)
    _built = Signal(int, object)

    def __init__(self, history: History, me: list[str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rollupView")
        self.history = history
        self.rollup: Rollup | None = None
        self._generation = 0
        self._building = False
        self._stale = True

        self.period_combo = QComboBox()
        self.period_combo.setObjectName("rollupPeriod")
        for value, text in PERIODS:
            self.period_combo.addItem(text, value)
        self.period_combo.setCurrentIndex(1)
        self.period_combo.currentIndexChanged.connect(self._on_period)
        today = QDate.currentDate()
        self.since_edit = _date_edit("rollupSince", today.addDays(-(today.dayOfWeek() - 1)))
        self.until_edit = _date_edit("rollupUntil", today)
        for edit in (self.since_edit, self.until_edit):
            edit.dateChanged.connect(lambda _d: self.rebuild())
        self.sources = SourceChooser(history)
        self.sources.changed.connect(self.rebuild)
        self.me_field = QLineEdit("; ".join(me or []))
        self.me_field.setObjectName("rollupMe")
        self.me_field.setPlaceholderText(ME_HINT)
        self.me_field.setToolTip("Who “me” is: items you take on are What I owe, items you asked of others What I'm owed")
        self.me_field.setClearButtonEnabled(True)
        self.me_field.editingFinished.connect(self._on_me)
        self.export_button = QPushButton("Export")
        self.export_button.setObjectName("rollupExport")
        self.export_button.setToolTip("Save this roll-up as Markdown or JSON, or its deadlines as a calendar file (.ics)")
        menu = QMenu(self.export_button)
        menu.addAction("Markdown…", lambda: self.export_dialog(".md"))
        menu.addAction("JSON…", lambda: self.export_dialog(".json"))
        menu.addAction("Calendar (.ics)…", lambda: self.export_dialog(".ics"))
        self.export_button.setMenu(menu)

        period_row = QHBoxLayout()
        period_row.setContentsMargins(0, 0, 0, 0)
        period_row.setSpacing(6)
        to = _caption("to")
        for widget in (self.period_combo, self.since_edit, to, self.until_edit):
            period_row.addWidget(widget)
        period_row.addStretch(1)
        self._range_widgets = (self.since_edit, to, self.until_edit)
        sources_row = QHBoxLayout()
        sources_row.setContentsMargins(0, 0, 0, 0)
        sources_row.setSpacing(6)
        sources_row.addWidget(self.sources.combo)
        sources_row.addStretch(1)
        # Captions in one column, so the choices line up.
        controls = QGridLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.setHorizontalSpacing(8)
        controls.setVerticalSpacing(6)
        for row, (caption, part) in enumerate((("Period", period_row), ("Sources", sources_row))):
            controls.addWidget(_caption(caption), row, 0)
            controls.addLayout(part, row, 1)
        controls.addWidget(_caption("Me"), 2, 0)
        controls.addWidget(self.me_field, 2, 1)
        controls.setColumnStretch(1, 1)
        self.status_label = ElidedLabel("")
        self.status_label.setObjectName("digestStatus")
        self.status_label.setMinimumWidth(40)
        self.browser = QTextBrowser()
        self.browser.setObjectName("rollupBrowser")
        self.browser.setOpenLinks(False)
        self.browser.setOpenExternalLinks(False)
        self.browser.anchorClicked.connect(lambda url: self.activate_link(url.toString()))
        self.browser.document().setDocumentMargin(18)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(controls)
        layout.addWidget(self.sources.list_view)
        status_row = QHBoxLayout()
        status_row.setContentsMargins(0, 0, 0, 0)
        status_row.addWidget(self.status_label, 1)
        status_row.addWidget(self.export_button)
        layout.addLayout(status_row)
        layout.addWidget(self.browser, 1)
        self._built.connect(self._on_built)
        self._on_period(self.period_combo.currentIndex())

    # ------------------------------------------------------------------ choices
    def period(self) -> tuple[date | None, date | None]:
        value = self.period_combo.currentData()
        if value == "range":
            lo, hi = _day(self.since_edit.date()), _day(self.until_edit.date())
            return (lo, hi) if lo <= hi else (hi, lo)
        return parse_period(value, None) if value else (None, None)

    def set_period(self, value: str, since: date | None = None, until: date | None = None) -> None:
        if since is not None:
            self.since_edit.setDate(QDate(since))
        if until is not None:
            self.until_edit.setDate(QDate(until))
        self.period_combo.setCurrentIndex(max(0, self.period_combo.findData(value)))

    def me(self) -> list[str]:
        return [part.strip() for part in self.me_field.text().split(";") if part.strip()]

    def set_me(self, me: list[str]) -> None:
        if me != self.me():
            self.me_field.setText("; ".join(me))
            self.rebuild()

    def set_watched(self, folders: list[str]) -> None:
        self.sources.set_watched(folders)

    def _on_period(self, _index: int) -> None:
        for widget in self._range_widgets:
            widget.setVisible(self.period_combo.currentData() == "range")
        self.rebuild()

    def _on_me(self) -> None:
        self.me_changed.emit(self.me())
        self.rebuild()

    # ------------------------------------------------------------------ making the page
    @property
    def building(self) -> bool:
        return self._building

    def history_changed(self) -> None:
        """History gained or lost a digest: made again now if shown, else when next shown."""
        self.sources.refresh_entries()
        if self.isVisible():
            self.rebuild()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.rebuild()

    def rebuild(self) -> None:
        self._stale = False
        self._generation += 1
        generation = self._generation
        since, until = self.period()
        entries = [(e.id, e.created) for e in self.sources.entries()]
        request = RollupRequest(self.history, entries, self.me(), since, until)
        self._building = True
        self.status_label.setText("Rolling up…")

        def work() -> None:
            try:
                built = build(request)
            except PrecisError as exc:
                built = Built(None, exc.message)
            self._built.emit(generation, built)

        threading.Thread(target=work, name="rollup-builder", daemon=True).start()

    def _on_built(self, generation: int, built: Built) -> None:
        if generation != self._generation:
            return  # a newer choice is being made
        self._building = False
        self.rollup = built.rollup
        if built.rollup is None:
            self.status_label.setText(built.problem)
            self.browser.clear()
            return
        r = built.rollup
        text = f"{r.digests} digest{'s' if r.digests != 1 else ''} · {r.items} item{'s' if r.items != 1 else ''} in the period"
        if built.skipped:
            text += f" · {built.skipped} could not be read"
        self.status_label.setText(text)
        bar = self.browser.verticalScrollBar()
        keep = bar.value()
        self.browser.setMarkdown(to_markdown(r, links=True))
        style_citations(self.browser)
        bar.setValue(keep)

    # ------------------------------------------------------------------ citations
    def source_for(self, href: str) -> Source | None:
        parsed = parse_cite_href(href)
        if parsed is None or self.rollup is None or parsed[0] not in Rollup.SECTIONS:
            return None
        section, item, source = parsed
        try:
            return getattr(self.rollup, section)[item].sources[source]
        except IndexError:
            return None

    def activate_link(self, href: str) -> bool:
        source = self.source_for(href)
        if source is None:
            return False
        self.citation_activated.emit(source)
        return True

    def citation_hrefs(self, section: str | None = None) -> list[str]:
        hrefs = anchor_hrefs(self.browser)
        return [h for h in hrefs if section is None or h.startswith(f"cite:{section}/")]

    # ------------------------------------------------------------------ export
    def export_dialog(self, suffix: str) -> None:
        if self.rollup is None:
            return
        start = Path.home() / default_name(self.rollup, suffix)
        path, _ = QFileDialog.getSaveFileName(self, "Export roll-up", str(start), FORMATS[suffix])
        if path:
            target = Path(path)
            self.export_to(target if target.suffix else target.with_suffix(suffix))

    def export_to(self, path: Path) -> Path | None:
        if self.rollup is None:
            return None
        try:
            return export_rollup(self.rollup, path)
        except PrecisError as exc:
            messages.error(exc.message)
            return None


def _day(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def _date_edit(name: str, day: QDate) -> QDateEdit:
    edit = QDateEdit(day)
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("d MMM yyyy")
    return edit


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("toolbarCaption")
    return label

