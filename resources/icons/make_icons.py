"""Draw the Precis app icon (a page whose lines condense into one highlighted line) as PNGs in
several sizes and as an SVG, from one set of shapes. Run once after changing the design:

    QT_QPA_PLATFORM=offscreen python resources/icons/make_icons.py

The PNGs and the SVG are committed; the app and the .desktop installer only read them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QLinearGradient, QPainter, QPainterPath, QPen

HERE = Path(__file__).resolve().parent
SIZES = (16, 32, 48, 64, 128, 256)

# The design on a 256-unit canvas.
BG = (12, 12, 232, 232, 52)  # x, y, w, h, corner radius
BG_TOP, BG_BOTTOM = "#5b6cf0", "#3a3fb8"
PAGE = [(62, 40), (158, 40), (196, 78), (196, 216), (62, 216)]
FOLD = [(158, 40), (158, 78), (196, 78)]
PAGE_FILL, FOLD_FILL = "#ffffff", "#c9d0ff"
#: (x1, x2, y) of the grey text lines; small icons keep fewer, thicker ones.
LINES_FULL = [(86, 140, 78), (86, 172, 104), (86, 164, 128), (86, 172, 152)]
LINES_SMALL = [(86, 172, 100), (86, 150, 138)]
LINE_GREY = "#b4bcd0"
ACCENT = (86, 150, 186)  # the précis line
ACCENT_COLOR = "#f59f00"


def draw(painter: QPainter, size: int) -> None:
    small = size <= 32
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / 256, size / 256)
    x, y, w, h, r = BG
    grad = QLinearGradient(0, y, 0, y + h)
    grad.setColorAt(0, QColor(BG_TOP))
    grad.setColorAt(1, QColor(BG_BOTTOM))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(grad)
    painter.drawRoundedRect(QRectF(x, y, w, h), r, r)

    painter.setBrush(QColor(PAGE_FILL))
    painter.drawPath(_polygon(PAGE))
    painter.setBrush(QColor(FOLD_FILL))
    painter.drawPath(_polygon(FOLD))

    width = 20 if small else 11
    pen = QPen(QColor(LINE_GREY), width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    for x1, x2, ly in LINES_SMALL if small else LINES_FULL:
        painter.drawLine(QPointF(x1, ly), QPointF(x2, ly))
    accent = QPen(QColor(ACCENT_COLOR), 24 if small else 18, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    painter.setPen(accent)
    ax1, ax2, ay = ACCENT
    painter.drawLine(QPointF(ax1, ay), QPointF(ax2, ay))


def _polygon(points: list[tuple[int, int]]) -> QPainterPath:
    path = QPainterPath()
    path.moveTo(*points[0])
    for p in points[1:]:
        path.lineTo(*p)
    path.closeSubpath()
    return path


def svg() -> str:
    x, y, w, h, r = BG
    page = " ".join(f"{px},{py}" for px, py in PAGE)
    fold = " ".join(f"{px},{py}" for px, py in FOLD)
    lines = "\n".join(
        f'  <line x1="{x1}" y1="{ly}" x2="{x2}" y2="{ly}" stroke="{LINE_GREY}" stroke-width="11" stroke-linecap="round"/>'
        for x1, x2, ly in LINES_FULL
    )
    ax1, ax2, ay = ACCENT
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="{BG_TOP}"/>
      <stop offset="1" stop-color="{BG_BOTTOM}"/>
    </linearGradient>
  </defs>
  <rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{r}" fill="url(#bg)"/>
  <polygon points="{page}" fill="{PAGE_FILL}"/>
  <polygon points="{fold}" fill="{FOLD_FILL}"/>
{lines}
  <line x1="{ax1}" y1="{ay}" x2="{ax2}" y2="{ay}" stroke="{ACCENT_COLOR}" stroke-width="18" stroke-linecap="round"/>
</svg>
"""


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - painting needs an app
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        draw(painter, size)
        painter.end()
        image.save(str(HERE / f"precis-{size}.png"))
    (HERE / "precis.svg").write_text(svg(), encoding="utf-8")
    print(f"wrote {len(SIZES)} PNGs and precis.svg to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
