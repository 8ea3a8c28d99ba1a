"""Which mail of a folder to summarize: any time, the last days, or between two dates, and
"unread only"; the ``since``/``until``/``unseen`` of ``MailOptions``."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QLabel, QVBoxLayout, QWidget

#: (label, days back; 0 = any time, -1 = between two dates)
PERIODS = (("Any time", 0), ("Last 7 days", 7), ("Last 30 days", 30), ("Last 90 days", 90), ("Between…", -1))
BETWEEN = len(PERIODS) - 1


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class MailRangeForm(QWidget):
    """Emits ``changed`` whenever the choice changes; ``selection()`` is (since, until, unseen)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mailRange")
        self.period = QComboBox()
        self.period.setObjectName("mailPeriod")
        for label, days in PERIODS:
            self.period.addItem(label, days)
        self.period.setToolTip("By each message's Date header (inclusive days)")
        self.unread = QCheckBox("Unread only")
        self.unread.setObjectName("mailUnread")
        self.unread.setToolTip("Only messages not yet read (where the store records it); nothing is marked read")
        today = date.today()
        self.since_edit = self._date_edit("mailSince", today - timedelta(days=30))
        self.until_edit = self._date_edit("mailUntil", today)
        self.between = QWidget()
        row = QHBoxLayout(self.between)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        row.addWidget(self.since_edit, 1)
        dash = QLabel("to")
        dash.setObjectName("hint")
        row.addWidget(dash)
        row.addWidget(self.until_edit, 1)
        self.between.setVisible(False)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(8)
        top.addWidget(self.period, 1)
        top.addWidget(self.unread)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.between)
        self.period.currentIndexChanged.connect(self._on_period)
        self.unread.toggled.connect(lambda _on: self.changed.emit())

    def _date_edit(self, name: str, day: date) -> QDateEdit:
        edit = QDateEdit(_qdate(day))
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.dateChanged.connect(lambda _d: self.changed.emit())
        return edit

    def _on_period(self, index: int) -> None:
        self.between.setVisible(index == BETWEEN)
        self.changed.emit()

    def set_between(self, since: date, until: date) -> None:
        self.since_edit.setDate(_qdate(since))
        self.until_edit.setDate(_qdate(until))
        self.period.setCurrentIndex(BETWEEN)

    def selection(self, today: date | None = None) -> tuple[date | None, date | None, bool]:
        """(since, until, unread only); a range given backwards is read the right way round."""
        days = self.period.currentData()
        unseen = self.unread.isChecked()
        if days == -1:
            since, until = _day(self.since_edit.date()), _day(self.until_edit.date())
            return (min(since, until), max(since, until), unseen)
        if days:
            return ((today or date.today()) - timedelta(days=days - 1), None, unseen)
        return (None, None, unseen)
