"""Step 4 of the fine-tune panel: the evaluation card of a finished run. ROUGE-1/2/L on the held-out
validation pairs before vs after, and on replay instructions before vs after (the forgetting
check), with coloured deltas; a few side-by-side samples; Keep (under a name) or Discard."""

from __future__ import annotations

import html
import re
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.core.durations import duration
from desktop.ml.engine.evaluate import METRICS
from desktop.ml.finetune import FinetuneResult

METRIC_TITLES = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L"}
#: A change smaller than this is noise on a handful of pairs: shown grey, not green or red.
NOISE = 0.005
GOOD, BAD = "#1a7f37", "#cf222e"
GOOD_DARK, BAD_DARK = "#3fb950", "#ff7b72"


def delta_color(delta: float, dark: bool = False) -> str | None:
    if delta >= NOISE:
        return GOOD_DARK if dark else GOOD
    if delta <= -NOISE:
        return BAD_DARK if dark else BAD
    return None


class EvaluationCardView(QGroupBox):
    """``set_result(result)`` shows the card; ``keep_clicked(name)`` / ``discard_clicked``."""

    keep_clicked = Signal(str)
    discard_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("4 · Evaluation", parent)
        self.setObjectName("evaluationCard")
        self.result: FinetuneResult | None = None
        #: ("val" | "replay", metric) -> the cell label ("0.214 → 0.532  +0.318")
        self.cells: dict[tuple[str, str], QLabel] = {}

        self.summary = QLabel()
        self.summary.setObjectName("cardSummary")
        self.summary.setWordWrap(True)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(22)
        self.grid.setVerticalSpacing(4)
        self.agreement = QLabel()
        self.agreement.setObjectName("hint")
        self.agreement.setWordWrap(True)
        self.notes = QLabel()
        self.notes.setObjectName("hint")
        self.notes.setWordWrap(True)
        self.samples = QTextBrowser()
        self.samples.setObjectName("cardSamples")
        self.samples.setOpenLinks(False)
        self.samples.setMinimumHeight(120)

        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("keepName")
        self.name_edit.setToolTip("The name the adapter gets in the model picker")
        self.keep_button = QPushButton("Keep")
        self.keep_button.setObjectName("keepButton")
        self.keep_button.setToolTip("Add the adapter to your models; it appears in the toolbar's model picker")
        self.keep_button.clicked.connect(lambda: self.keep_clicked.emit(self.name_edit.text().strip()))
        self.discard_button = QPushButton("Discard")
        self.discard_button.setObjectName("discardButton")
        self.discard_button.setToolTip("Delete this run and its checkpoints")
        self.discard_button.clicked.connect(self.discard_clicked)
        self.message = QLabel()
        self.message.setObjectName("cardMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        actions = QHBoxLayout()
        actions.addWidget(QLabel("Keep as"))
        actions.addWidget(self.name_edit, 1)
        actions.addWidget(self.keep_button)
        actions.addWidget(self.discard_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(self.grid)
        layout.addWidget(self.agreement)
        layout.addWidget(self.notes)
        layout.addWidget(self.samples, 1)
        layout.addLayout(actions)
        layout.addWidget(self.message)

    # ----- contents --------------------------------------------------------------------------
    def set_result(self, result: FinetuneResult) -> None:
        self.result = result
        card = result.card
        self.name_edit.setText(result.name)
        self.set_decided(False)
        self.show_message("")
        first, last = result.train_loss_first, result.train_loss_last
        loss = f" · training loss {first:.2f} → {last:.2f}" if first is not None and last is not None else ""
        resumed = f", resumed at step {result.resumed_from}" if result.resumed_from else ""
        method = "LoRA adapter" if result.method == "lora" else "full fine-tune"
        if result.continued_from and card.previous_version is not None:
            method += f" continued from {html.escape(result.continued_from)} version {card.previous_version}"
        self.summary.setText(f"<b>{html.escape(result.name)}</b>: {method} on {html.escape(result.base_model)}, "
                             f"{result.steps} steps in {duration(result.seconds)}{resumed}{loss}")
        self._fill_grid(card)
        agree = card.replay_agreement.get("rougeL")
        self.agreement.setText(
            f"Agreement with the base model on other instructions: {agree:.0%} (ROUGE-L of its answers after "
            "training against before)." if agree is not None and card.replay_items else "")
        self.agreement.setVisible(bool(self.agreement.text()))
        self.notes.setText("\n".join(result.notes))
        self.notes.setVisible(bool(result.notes))
        # Each task and the comparison with the previous version scroll with the samples: the
        # grid above stays the card's headline.
        self.samples.setHtml(extras_html(card) + self._samples_html(result))

    def _fill_grid(self, card: Any) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.cells.clear()
        head = ["before → after, change", *(METRIC_TITLES[m] for m in METRICS)]
        for col, text in enumerate(head):
            label = QLabel(f"<b>{text}</b>" if col else text)
            label.setObjectName("" if col else "hint")
            label.setAlignment(Qt.AlignmentFlag.AlignRight if col else Qt.AlignmentFlag.AlignLeft)
            self.grid.addWidget(label, 0, col)
        val_caption = (f"<b>Your pairs</b><br>{card.val_pairs} held out for validation" if card.val_pairs else
                       "<b>Your pairs</b><br>fewer than 4: none held out")
        rows = (("val", val_caption, card.val_before, card.val_after,
                 "How close the summaries come to yours, on pairs the training never saw"),
                ("replay", f"<b>Other skills</b><br>{card.replay_items} instructions: the forgetting check",
                 card.replay_before, card.replay_after,
                 "Key points, titles and action items on held-out prompts: a drop means the model forgot"))
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        for row, (key, caption, before, after, tip) in enumerate(rows, 1):
            label = QLabel(caption)
            label.setToolTip(tip)
            self.grid.addWidget(label, row, 0)
            for col, metric in enumerate(METRICS, 1):
                b, a = float(before.get(metric, 0.0)), float(after.get(metric, 0.0))
                d = a - b
                color = delta_color(d, dark)
                sign = "+" if d >= 0 else "−"
                delta = f"{sign}{abs(d):.3f}"
                delta_html = f"<span style='color:{color}'><b>{delta}</b></span>" if color else f"<b>{delta}</b>"
                cell = QLabel(f"{b:.3f} → {a:.3f}<br>{delta_html}")
                cell.setObjectName(f"card_{key}_{metric}")
                cell.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                cell.setToolTip(f"{METRIC_TITLES[metric]} before training {b:.4f}, after {a:.4f}")
                self.grid.addWidget(cell, row, col)
                self.cells[(key, metric)] = cell
        self.grid.setColumnStretch(0, 1)

    def _samples_html(self, result: FinetuneResult) -> str:
        samples = result.card.samples
        if not samples:
            return "<p style='color:gray'>No side-by-side samples: too few pairs to hold any out.</p>"
        pal = self.palette()
        line = pal.color(QPalette.ColorRole.Mid).name()
        text = pal.color(QPalette.ColorRole.Text).name()
        head_bg = pal.color(QPalette.ColorRole.AlternateBase).name()
        cols = ("Document start", "Reference", "Before", "After")
        table = f"<table width='100%' cellspacing='0' cellpadding='5' style='border-collapse:collapse; border:1px solid {line}'>"
        out = [table,
               "<tr>" + "".join(f"<th align='left' style='background:{head_bg}; border-bottom:1px solid {line}'>"
                                f"{c}</th>" for c in cols) + "</tr>"]
        for s in samples:
            cells = (s.document_start, s.reference, s.before, s.after)
            out.append("<tr>" + "".join(
                f"<td valign='top' width='25%' style='border-bottom:1px solid {line}'>{html.escape(c) or '<i>(empty)</i>'}"
                f"</td>" for c in cells) + "</tr>")
        out.append("</table>")
        return f"<div style='color:{text}'>" + "".join(out) + "</div>"

    # ----- the decision ----------------------------------------------------------------------
    def set_decided(self, decided: bool) -> None:
        for w in (self.keep_button, self.discard_button, self.name_edit):
            w.setEnabled(not decided)

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet("color: palette(bright-text);" if error else "")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def cell_text(self, row: str, metric: str) -> str:
        """The plain text of one cell ("0.214 → 0.532 +0.318"), for tests and accessibility."""
        cell = self.cells.get((row, metric))
        if cell is None:
            return ""
        return re.sub(r"<[^>]+>", "", cell.text().replace("<br>", " "))


def extras_html(card: Any) -> str:
    """Each task on its own (ROUGE-L for text, accuracy for fixed answers) and, for a continued
    adapter, the base model, the previous version and the new one side by side (ROUGE-L)."""
    parts = []
    if len(card.tasks) > 1 or any(t.kind == "choice" for t in card.tasks):
        rows = []
        for t in card.tasks:
            metric = "rougeL" if t.kind == "text" else "accuracy"
            name = "ROUGE-L" if t.kind == "text" else "accuracy"
            rows.append(f"<tr><td>{html.escape(t.task)} ({t.items})</td><td align='right'>{name} "
                        f"{t.before[metric]:.3f} → {t.after[metric]:.3f}</td></tr>")
        parts.append("<p><b>Each task</b></p><table cellspacing='0' cellpadding='2'>" + "".join(rows) + "</table>")
    if card.previous_version is not None:
        v = card.previous_version
        compared = [("Your new pairs", card.val_before, card.val_previous, card.val_after),
                (f"Earlier pairs ({card.earlier_items}, not replayed)", card.earlier_before, card.earlier_previous,
                 card.earlier_after),
                ("Other skills", card.replay_before, card.replay_previous, card.replay_after)]
        head = f"<tr><td></td><td align='right'>base</td><td align='right'>version {v}</td><td align='right'>new</td></tr>"
        body = "".join(f"<tr><td>{label}</td>" + "".join(f"<td align='right'>{(s or {}).get('rougeL', 0.0):.3f}</td>"
                                                        for s in (b, p, a)) + "</tr>" for label, b, p, a in compared)
        parts.append(f"<p><b>Against the base model and version {v}</b> (ROUGE-L)</p>"
                     f"<table cellspacing='0' cellpadding='2'>{head}{body}</table>")
    return "".join(parts)
