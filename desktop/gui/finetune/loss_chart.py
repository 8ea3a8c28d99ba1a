"""The live loss curve of a fine-tuning run, drawn with QPainter (Qt Charts is not shipped):
axes with round-number ticks, the training and validation series, a legend, autoscaling."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

#: Series colours that read on the light and the dark palette alike.
TRAIN_COLOR = QColor("#2f6feb")
VAL_COLOR = QColor("#e8590c")
PLACEHOLDER = "The loss curve appears here when training starts."


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round values (1, 2 or 5 times a power of ten) covering ``low``..``high``."""
    if not math.isfinite(low) or not math.isfinite(high):
        return []
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + step * 1e-6:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _label(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


class LossChart(QWidget):
    """``add(step, train, val)`` as Loss events arrive; ``set_total(steps)`` fixes the x axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lossChart")
        self.setMinimumHeight(150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.train: list[tuple[int, float]] = []
        self.val: list[tuple[int, float]] = []
        self.total_steps = 0

    def sizeHint(self) -> QSize:
        return QSize(520, 230)

    # ----- data ------------------------------------------------------------------------------
    def clear(self) -> None:
        self.train.clear()
        self.val.clear()
        self.total_steps = 0
        self.update()

    def set_total(self, steps: int) -> None:
        if steps > 0 and steps != self.total_steps:
            self.total_steps = steps
            self.update()

    def add(self, step: int, train: float | None = None, val: float | None = None) -> None:
        """One point of either series (or both); a step seen before replaces its value (a resume)."""
        for series, value in ((self.train, train), (self.val, val)):
            if value is None or not math.isfinite(value):
                continue
            if series and series[-1][0] >= step:
                series[:] = [p for p in series if p[0] < step]
            series.append((step, float(value)))
        self.update()

    def point_count(self) -> int:
        return len(self.train) + len(self.val)

    # ----- drawing ---------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.Text)
        muted = QColor(text)
        muted.setAlphaF(0.6)
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        p.setPen(QPen(pal.color(QPalette.ColorRole.Mid), 1))
        p.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.88))
        p.setFont(font)
        fm = p.fontMetrics()
        values = [v for _, v in self.train] + [v for _, v in self.val]
        if not values:
            p.setPen(muted)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, PLACEHOLDER)
            p.end()
            return

        low, high = min(values), max(values)
        pad = (high - low) * 0.08 or max(abs(high) * 0.1, 0.05)
        low, high = max(0.0, low - pad) if low >= 0 else low - pad, high + pad
        yticks = nice_ticks(low, high, 4)
        if yticks:
            low, high = min(low, yticks[0]), max(high, yticks[-1])
        steps = [s for s, _ in self.train] + [s for s, _ in self.val]
        xmax = max(self.total_steps, max(steps), 1)
        xticks = [t for t in nice_ticks(0, xmax, 5) if t == int(t)]

        left = 12 + max(fm.horizontalAdvance(_label(t)) for t in yticks or [high])
        top = fm.height() + 14
        plot = QRectF(left + 6, top, self.width() - left - 22, self.height() - top - fm.height() - 14)
        if plot.width() < 20 or plot.height() < 20:
            p.end()
            return

        def x_at(step: float) -> float:
            return plot.left() + plot.width() * step / xmax

        def y_at(value: float) -> float:
            return plot.bottom() - plot.height() * (value - low) / (high - low)

        grid = QColor(pal.color(QPalette.ColorRole.Mid))
        grid.setAlphaF(0.55)
        for t in yticks:
            y = y_at(t)
            p.setPen(QPen(grid, 1, Qt.PenStyle.DotLine))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(muted)
            p.drawText(QRectF(0, y - fm.height() / 2, left, fm.height()),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, _label(t))
        for t in xticks:
            x = x_at(t)
            p.setPen(QPen(grid, 1))
            p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 4))
            p.setPen(muted)
            p.drawText(QRectF(x - 40, plot.bottom() + 5, 80, fm.height()), Qt.AlignmentFlag.AlignHCenter, _label(t))
        p.setPen(QPen(pal.color(QPalette.ColorRole.Dark), 1))
        p.drawLine(plot.bottomLeft(), plot.bottomRight())
        p.drawLine(plot.bottomLeft(), plot.topLeft())
        p.setPen(muted)
        p.drawText(QRectF(0, plot.bottom() + 5, left - 4, fm.height()), Qt.AlignmentFlag.AlignRight, "step")
        p.drawText(QRectF(2, 4, 120, fm.height()), Qt.AlignmentFlag.AlignLeft, "loss")

        p.save()
        p.setClipRect(plot.adjusted(-3, -3, 3, 3))
        if self.train:
            p.setPen(QPen(TRAIN_COLOR, 1.8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
            p.drawPolyline(QPolygonF([QPointF(x_at(s), y_at(v)) for s, v in self.train]))
            if len(self.train) == 1:
                p.setBrush(TRAIN_COLOR)
                s, v = self.train[0]
                p.drawEllipse(QPointF(x_at(s), y_at(v)), 2.5, 2.5)
        if self.val:
            p.setPen(QPen(VAL_COLOR, 1.8, Qt.PenStyle.DashLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPolyline(QPolygonF([QPointF(x_at(s), y_at(v)) for s, v in self.val]))
            p.setPen(QPen(pal.color(QPalette.ColorRole.Base), 1.2))
            p.setBrush(VAL_COLOR)
            for s, v in self.val:
                p.drawEllipse(QPointF(x_at(s), y_at(v)), 3.6, 3.6)
        p.restore()

        # The legend, top right, above the plot.
        x = plot.right()
        for name, color, dashed in (("validation", VAL_COLOR, True), ("training", TRAIN_COLOR, False)):
            width = fm.horizontalAdvance(name)
            x -= width
            p.setPen(text)
            p.drawText(QRectF(x, 4, width + 2, fm.height()), Qt.AlignmentFlag.AlignLeft, name)
            x -= 24
            y = 4 + fm.height() / 2
            style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
            p.setPen(QPen(color, 2, style))
            p.drawLine(QPointF(x, y), QPointF(x + 18, y))
            x -= 14
        p.end()
