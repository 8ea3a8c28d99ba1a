"""An Outlook data file (.pst/.ost) met as bytes (attached to a message, or a small file read
whole): read as a mail store, its folders the Document's children. A .pst on disk is read in
place instead (``desktop/core/mailstores``), so a data file of gigabytes is never loaded."""

from __future__ import annotations

from desktop.core.document import Document
from desktop.core.ingest.context import ReadContext


def read(data: bytes, ctx: ReadContext) -> Document:
    from desktop.core.mailstores.outlook import OutlookStore
    from desktop.core.mailstores.reading import read_store

    with OutlookStore(ctx.path, ctx.limits, data=data, name=ctx.display_name) as store:
        return read_store(store, on_event=ctx.on_event, cancel=ctx.cancel,
                          within=ctx if ctx.part else None)
