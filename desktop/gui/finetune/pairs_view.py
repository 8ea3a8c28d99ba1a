"""Step 1 of the fine-tune panel: collect (document, summary) pairs from files, a folder, or the
digests the user edited and saved; list them with lengths and flags, count them, show the split."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.finetune.pairs_loader import PairsLoader
from desktop.gui.finetune.pairs_table_model import (
    COLUMNS,
    DOCUMENT,
    FLAGS,
    LEFT_OUT,
    LONG,
    SOURCE,
    SUMMARY,
    PairsTableModel,
    tone,
)
from desktop.ml.finetune import PairSet, saved_pairs_file

log = logging.getLogger(__name__)

FILE_FILTER = "Pairs (*.jsonl *.json *.ndjson *.csv *.tsv);;All files (*)"
SAVED = "saved pairs"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class PairsView(QGroupBox):
    """``add_source(path)``, ``add_saved_pairs()``, ``clear()``; ``pairs_changed`` after every read."""

    pairs_changed = Signal()
    #: error name, sentence (the read failed; the pairs listed before stay)
    failed = Signal(str, str)

    def __init__(self, store_root: Path, parent: QWidget | None = None) -> None:
        super().__init__("1 · Training pairs", parent)
        self.setObjectName("pairsView")
        self.sources: list[str] = []
        self.pairs: PairSet | None = None
        self.model_name: str | None = None
        self.val_share = 0.1
        self.seed = 42
        self.replay = 0.3
        self._pending: dict[int, list[str]] = {}
        self.loader = PairsLoader(store_root, self)
        self.loader.progress.connect(self._on_progress)
        self.loader.finished.connect(self._on_loaded)
        self.loader.failed.connect(self._on_failed)

        self.file_button = QPushButton("Import file…")
        self.file_button.setToolTip("A JSONL or CSV file with \"document\" (text or \"path\" to a file) and \"summary\"")
        self.file_button.clicked.connect(self._choose_file)
        self.folder_button = QPushButton("Import folder…")
        self.folder_button.setToolTip("A folder where each document (report.pdf) has its summary beside it "
                                      "(report.summary.txt)")
        self.folder_button.clicked.connect(self._choose_folder)
        self.saved_button = QPushButton("Saved from edited digests")
        self.saved_button.setToolTip("The digests you edited and saved with \"Save as training pair\"")
        self.saved_button.clicked.connect(self.add_saved_pairs)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Forget the pairs listed here (your files are not touched)")
        self.clear_button.clicked.connect(self.clear)
        buttons = QHBoxLayout()
        for b in (self.file_button, self.folder_button, self.saved_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)

        self.sources_label = QLabel()
        self.sources_label.setObjectName("hint")
        self.sources_label.setWordWrap(True)
        self.message = QLabel()
        self.message.setObjectName("pairsMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        self.model = PairsTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("pairsTable")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setMinimumSectionSize(60)
        modes = {SOURCE: QHeaderView.ResizeMode.Interactive, DOCUMENT: QHeaderView.ResizeMode.Stretch,
                 SUMMARY: QHeaderView.ResizeMode.Stretch, FLAGS: QHeaderView.ResizeMode.Interactive}
        for col in range(len(COLUMNS)):
            header.setSectionResizeMode(col, modes.get(col, QHeaderView.ResizeMode.ResizeToContents))
        self.table.setColumnWidth(SOURCE, 105)
        self.table.setColumnWidth(FLAGS, 150)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)

        self.counts = QLabel("Import pairs to begin: a JSONL or CSV file, a folder of documents with their summaries, "
                             "or the digests you edited and saved.")
        self.counts.setObjectName("pairsCounts")
        self.counts.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.sources_label)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.counts)
        self._show_sources()

    # ----- sources ---------------------------------------------------------------------------
    def add_source(self, path: Path | str) -> int | None:
        """Read the pairs again with ``path`` added; returns the read's number (None: already listed)."""
        path = str(Path(path).expanduser())
        if path in self.sources:
            self.show_message(f"{Path(path).name} is listed already.")
            return None
        return self._load([*self.sources, path])

    def add_saved_pairs(self) -> int | None:
        path = saved_pairs_file()
        if not path.is_file():
            self.show_message("No pairs are saved yet: edit a digest and press \"Save as training pair\" below it.",
                              error=True)
            return None
        return self.add_source(path)

    def clear(self) -> None:
        self.loader.generation += 1  # a read still running is ignored when it ends
        self._pending.clear()
        self.sources = []
        self.pairs = None
        self.model.set_pairs(None)
        self.show_message("")
        self._show_sources()
        self._update_counts()
        self.pairs_changed.emit()

    def set_model(self, name: str | None) -> None:
        """Token lengths depend on the model's tokenizer: count them again with the new one."""
        if name == self.model_name:
            return
        self.model_name = name
        if self.sources:
            self._load(list(self.sources))

    def set_training_settings(self, max_source_len: int, max_target_len: int, val_share: float, seed: int,
                              replay: float) -> None:
        self.model.set_limits(max_source_len, max_target_len)
        self.val_share, self.seed, self.replay = val_share, seed, replay
        self._update_counts()

    @property
    def loading(self) -> bool:
        return bool(self._pending)

    def split_sizes(self) -> tuple[int, int]:
        if self.pairs is None:
            return 0, 0
        train, val = self.pairs.split(self.val_share, self.seed)
        return len(train), len(val)

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet("color: palette(bright-text);" if error else "")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # ----- reading ---------------------------------------------------------------------------
    def _load(self, sources: list[str]) -> int:
        generation = self.loader.load(sources, self.model_name)
        self._pending = {generation: sources}
        self.show_message("Reading the pairs…")
        self._set_busy(True)
        return generation

    def _set_busy(self, busy: bool) -> None:
        for b in (self.file_button, self.folder_button, self.saved_button, self.clear_button):
            b.setEnabled(not busy)

    def _on_progress(self, generation: int, stage: str) -> None:
        if generation in self._pending:
            self.show_message(f"Reading the pairs: {stage}…")

    def _on_loaded(self, generation: int, pairs: PairSet, exact: bool) -> None:
        sources = self._pending.pop(generation, None)
        if sources is None:
            return
        self._set_busy(False)
        self.sources = sources
        self.pairs = pairs
        self.model.set_pairs(pairs, exact)
        self.show_message("" if exact else "No model is installed yet, so token lengths are estimated from words.")
        self._show_sources()
        self._update_counts()
        self.pairs_changed.emit()

    def _on_failed(self, generation: int, name: str, sentence: str) -> None:
        if self._pending.pop(generation, None) is None:
            return
        self._set_busy(False)
        self.show_message(sentence, error=True)
        self.failed.emit(name, sentence)
        self.pairs_changed.emit()

    # ----- words -----------------------------------------------------------------------------
    def _show_sources(self) -> None:
        saved = str(saved_pairs_file())
        names = ["saved from edited digests" if s == saved else Path(s).name + ("/" if Path(s).is_dir() else "")
                 for s in self.sources]
        self.sources_label.setText(f"From {', '.join(names)}" if names else "")
        self.sources_label.setVisible(bool(names))
        self.clear_button.setEnabled(bool(self.sources))

    def _update_counts(self) -> None:
        if self.pairs is None:
            self.counts.setText("Import pairs to begin: a JSONL or CSV file, a folder of documents with their "
                                "summaries, or the digests you edited and saved.")
            return
        c = self.pairs.counts()
        left_out = c["total"] - c["usable"]
        parts = [f"<b>{_plural(c['total'], 'pair')}</b>", f"<b>{c['usable']}</b> usable"]
        if left_out:
            why = [f"{c[k]} {label}" for k, label in (("empty", "empty"), ("duplicates", "duplicate"),
                                                     ("unreadable", "unreadable")) if c[k]]
            parts.append(f"<span style='color:{tone(LEFT_OUT).name()}'>{left_out} flagged and left out ({', '.join(why)})</span>")
        long = self.model.long_count()
        if long:
            parts.append(f"<span style='color:{tone(LONG).name()}'>{long} too long (cut to fit)</span>")
        train, val = self.split_sizes()
        split = f"Split: <b>{train}</b> for training, <b>{val}</b> for validation"
        if c["usable"] and not val:
            split += " (4 usable pairs or more are needed to hold some out)"
        if self.replay > 0:
            split += f", plus {round(self.replay * 100)}% replay examples"
        self.counts.setText(" · ".join(parts) + "<br>" + split)

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import training pairs", str(Path.home()), FILE_FILTER)
        if path:
            self.add_source(path)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder of documents and summaries", str(Path.home()))
        if folder:
            self.add_source(folder)
