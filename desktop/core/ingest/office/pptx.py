"""Read PowerPoint .pptx (and .pptm, .ppsx, .potx) with python-pptx: slides in order, each one's
title as a heading, its text top to bottom, tables as rows, and the speaker notes; every block
located by its slide."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.package import Package
from pptx.parts.presentation import PresentationPart

from desktop.core.document import DocKind, Document, Role
from desktop.core.errors import CorruptFile, EmptyDocument
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.items import BlockList, Item, hidden_slides_note
from desktop.core.ingest.package import open_package
from desktop.core.ingest.titles import clean_title, core_properties, plausible_title

log = logging.getLogger(__name__)

#: Groups inside groups deeper than this are not read (PowerPoint itself nests a few levels).
_MAX_GROUP_DEPTH = 12
#: A table cell's text is cut here, so one pasted page in a cell stays one readable row.
_CELL_CHARS = 2000
#: What python-pptx raises on a part that is there but not what PowerPoint writes.
_DAMAGE = (AttributeError, KeyError, ValueError, TypeError, IndexError)


def read(data: bytes, ctx: ReadContext) -> Document:
    open_package(data, ctx, "PowerPoint files").close()
    try:
        part = Package.open(io.BytesIO(data)).main_document_part
        presentation = part.presentation if isinstance(part, PresentationPart) else None
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile, lxml and python-pptx each fail their own way
        log.debug("python-pptx could not open a package: %s", type(exc).__name__)
        presentation = None
    if presentation is None:
        raise CorruptFile(f"{ctx.display_name} is damaged and could not be opened as a PowerPoint file.", ctx.path)
    out = BlockList(ctx)
    try:
        slides = list(presentation.slides)
    except _DAMAGE as exc:  # a slide list naming parts that are not there
        raise CorruptFile(f"{ctx.display_name} is damaged: its list of slides points to parts that are missing.",
                          ctx.path) from exc
    if len(slides) > ctx.limits.max_slides:
        out.warnings.append(f"{ctx.display_name} has {len(slides):,} slides; Precis read the first "
                            f"{ctx.limits.max_slides:,}.")
        slides = slides[:ctx.limits.max_slides]
    hidden = 0
    damaged: list[int] = []
    for number, slide in enumerate(slides, 1):
        ctx.cancel_check()
        if slide.element.get("show") in ("0", "false"):
            hidden += 1
            continue
        out.section = None
        try:
            items = list(_slide_items(slide))
        except _DAMAGE as exc:  # a slide whose XML lacks what PowerPoint always writes
            log.debug("slide %d unreadable: %s", number, type(exc).__name__)
            damaged.append(number)
            continue
        if not out.add_all(items, slide=number):
            break
    if damaged:
        out.warnings.append(f"Slide{'s' if len(damaged) > 1 else ''} {', '.join(map(str, damaged))} of "
                            f"{ctx.display_name} {'are' if len(damaged) > 1 else 'is'} damaged and could not be read.")
    if hidden:
        out.warnings.append(hidden_slides_note(ctx, hidden))
    if not out.blocks:
        raise EmptyDocument(f"{ctx.display_name} holds no text on its slides.", ctx.path)
    metadata = core_properties(_safe(lambda: presentation.core_properties))
    metadata["slide_count"] = len(slides)
    declared = clean_title(metadata.pop("title", None))
    early = " ".join(b.text for b in out.blocks[:80])
    title = (declared if declared and plausible_title(declared, early) else None) or out.first_heading() \
        or PurePath(ctx.name).stem
    return Document(path=ctx.path, kind=DocKind.PRESENTATION, title=title[:500], metadata=metadata,
                    blocks=out.blocks, warnings=out.warnings, part=ctx.part)


def _slide_items(slide: Any) -> Iterator[Item]:
    """The title, then the other shapes top to bottom and left to right, then the notes."""
    title_shape = _safe(lambda: slide.shapes.title)
    title_id = title_shape.shape_id if title_shape is not None else None
    if title_shape is not None and title_shape.has_text_frame:
        text = _one_line(title_shape.text_frame.text)
        if text:
            yield Item(text, Role.HEADING, 1)
    shapes = [s for s in slide.shapes if s.shape_id != title_id]
    for shape in sorted(shapes, key=_position):
        yield from _shape_items(shape, 0)
    notes = _notes(slide)
    if notes:
        yield Item(f"Notes: {notes}", Role.PARAGRAPH)


def _shape_items(shape: Any, depth: int) -> Iterator[Item]:
    if depth > _MAX_GROUP_DEPTH:
        return
    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        for child in sorted(shape.shapes, key=_position):
            yield from _shape_items(child, depth + 1)
    elif getattr(shape, "has_table", False) and shape.has_table:
        table = _table_text(shape.table)
        if table:
            yield Item(table, Role.TABLE)
    elif getattr(shape, "has_chart", False) and shape.has_chart:
        title = _chart_title(shape.chart)
        if title:
            yield Item(f"Chart: {title}", Role.PARAGRAPH)
    elif shape.has_text_frame:
        yield from _frame_items(shape.text_frame)


def _frame_items(frame: Any) -> Iterator[Item]:
    """One paragraph of text stays a paragraph; several are the slide's bullet points."""
    paragraphs = [(p.level, _one_line(_paragraph_text(p))) for p in frame.paragraphs]
    paragraphs = [(level, text) for level, text in paragraphs if text]
    if len(paragraphs) == 1:
        yield Item(paragraphs[0][1], Role.PARAGRAPH)
        return
    for level, text in paragraphs:
        yield Item(text, Role.LIST_ITEM, min(6, level + 1))


def _paragraph_text(paragraph: Any) -> str:
    # A line break inside a paragraph (<a:br/>) reads as a space, not as two words run together.
    return "".join(getattr(run, "text", "") for run in paragraph.runs) if paragraph.runs else paragraph.text


def _table_text(table: Any) -> str:
    rows = []
    for row in table.rows:
        cells = [_one_line(cell.text)[:_CELL_CHARS] for cell in row.cells]
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _chart_title(chart: Any) -> str:
    try:
        if chart.has_title and chart.chart_title.has_text_frame:
            return _one_line(chart.chart_title.text_frame.text)
    except (AttributeError, KeyError, ValueError):
        pass
    return ""


def _notes(slide: Any) -> str:
    if not slide.has_notes_slide:
        return ""
    frame = _safe(lambda: slide.notes_slide.notes_text_frame)
    return _one_line(frame.text) if frame is not None else ""


def _position(shape: Any) -> tuple[int, int]:
    """Top, then left; a shape without a position (a placeholder inheriting it) goes last."""
    top, left = _safe(lambda: shape.top), _safe(lambda: shape.left)
    big = 1 << 62
    return (top if top is not None else big, left if left is not None else big)


def _one_line(text: str) -> str:
    return " ".join(text.replace("\v", " ").split())


def _safe(fn: Any) -> Any:
    try:
        return fn()
    except (AttributeError, KeyError, ValueError, TypeError):
        return None
