"""The fuzz suite's child process: read every mutation of the given files, record each outcome.

Run apart from pytest so that a hang, a crash of a native library or a runaway allocation is
caught by the parent (``test_fuzz.py``) instead of taking the test run down, and so that the
process's peak RSS measures the readers alone. Usage::

    python -m tests.reliability.runner OUT.jsonl SCALE FILE...

One JSON line per case: ``id``, ``bytes``, ``outcome`` (``"Document"``, a DocumentError
subclass name, or ``"FAIL"``), ``seconds``, ``peak_mb`` (the process's peak RSS after the
case), ``grew_mb`` (how far this case raised that peak), ``net`` (the typed error came from
read_bytes' catch-all rather than the reader itself) and, for failures, ``detail``.
A line ``{"start": id}`` is written before each case, so the parent can name a case that hangs.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
import traceback
from pathlib import Path

from desktop.core.errors import DocumentError
from desktop.core.ingest import read_bytes, read_document
from desktop.core.ingest.context import ReadContext
from desktop.core.memory import peak_rss_mb
from tests.reliability.mutations import all_mutations

#: Address-space ceiling that keeps a runaway case from taking the machine down with it; a
#: case that reaches it shows up as a MemoryError and fails the memory bound.
ADDRESS_SPACE_LIMIT = 6 * 2**30
#: The sentences of read_bytes' catch-alls (an exception the reader or the sniffer did not expect).
NET_PHRASES = ("looks damaged and could not be read as", "is damaged or not a format Precis knows")
#: Every this many cases the file is written to disk and read with read_document instead.
DISK_EVERY = 7


def cases_for(size: int, scale: int) -> int:
    """Mutations per file: many for small files, few for multi-megabyte ones (each read of
    those costs a second or more), times ``scale`` for the long form."""
    if size == 0:
        return 0
    base = 36 if size < 100_000 else 18 if size < 300_000 else 9 if size < 1_000_000 else 4
    return base * scale


def _peak_mb() -> float:
    return peak_rss_mb()


def _cause_chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and len(out) < 20:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


def check_document(doc: object) -> None:
    """What every consumer does with a Document: serialise it and print it as UTF-8."""
    from desktop.core.document import Document

    assert isinstance(doc, Document), type(doc)
    for d in doc.walk():
        for block in d.blocks:
            assert isinstance(block.text, str) and block.text.strip(), f"an empty block in {d.display_name}"
    json.dumps(doc.to_dict(), ensure_ascii=False).encode("utf-8")


def run_case(case_id: str, name: str, data: bytes, scratch: Path, on_disk: bool) -> dict:
    before = _peak_mb()
    started = time.perf_counter()
    record: dict = {"id": case_id, "bytes": len(data), "net": False}
    try:
        if on_disk:
            path = scratch / name
            path.write_bytes(data)
            try:
                doc = read_document(path)
            finally:
                path.unlink(missing_ok=True)
        else:
            doc = read_bytes(data, ReadContext(path=scratch / name))
        check_document(doc)
        record["outcome"] = "Document"
        record["ocr_pages"] = sum(len(d.metadata.get("ocr_pages") or []) for d in doc.walk())
    except DocumentError as err:
        record["outcome"] = err.name
        chain = _cause_chain(err)
        if any(isinstance(e, MemoryError) for e in chain):
            record["outcome"] = "FAIL"
            record["detail"] = "MemoryError: " + err.message
        elif err.__cause__ is not None and not isinstance(err.__cause__, DocumentError) and any(
                phrase in err.message for phrase in NET_PHRASES):
            record["net"] = True
            frames = traceback.extract_tb(err.__cause__.__traceback__)
            where = next((f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames) if "/desktop/" in f.filename), "?")
            record["detail"] = f"{type(err.__cause__).__name__} at {where}: {str(err.__cause__)[:200]}"
    except Exception:  # noqa: BLE001 - exactly what this suite exists to find
        record["outcome"] = "FAIL"
        record["detail"] = traceback.format_exc()[-3000:]
    record["seconds"] = round(time.perf_counter() - started, 4)
    record["peak_mb"] = round(_peak_mb(), 1)
    record["grew_mb"] = round(_peak_mb() - before, 1)
    return record


def main(argv: list[str]) -> int:
    out_path, scale, files = Path(argv[0]), int(argv[1]), [Path(a) for a in argv[2:]]
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > ADDRESS_SPACE_LIMIT:
            resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, hard))
    except (ValueError, OSError):
        pass
    n = 0
    with out_path.open("w", encoding="utf-8") as out, tempfile.TemporaryDirectory(prefix="precis-fuzz-") as tmp:
        scratch = Path(tmp)
        out.write(json.dumps({"baseline_mb": round(_peak_mb(), 1)}) + "\n")
        for f in files:
            data = f.read_bytes()
            for mutation in all_mutations(data, f.name, cases_for(len(data), scale)):
                out.write(json.dumps({"start": mutation.id}) + "\n")
                out.flush()
                record = run_case(mutation.id, mutation.name, mutation.data, scratch, on_disk=n % DISK_EVERY == 0)
                record["file"] = str(f)
                out.write(json.dumps(record) + "\n")
                n += 1
        out.write(json.dumps({"done": n}) + "\n")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.exit(main(sys.argv[1:]))
