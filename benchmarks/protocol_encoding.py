"""What the one encoding on the pipe costs: a finished job's message (a real extractive digest of
corpus files, with their documents) crossing from the worker to the window, as the pickled dict
it was before and as the JSON message of ``desktop.ml.protocol`` it is now, side by side.

    python benchmarks/protocol_encoding.py [--corpus DIR] [--files N] [--repeat R]

Prints a Markdown table: bytes on the pipe, the worker's encode time, and the window's decode
time to a Digest and Documents, split by thread: the old way unpickled dicts on the pipe's reader
thread and built the Digest and Documents later on the GUI thread; now the reader thread decodes
straight to the typed message and the GUI thread does none of it.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from desktop.core.digest import Digest
from desktop.core.document import Document
from desktop.core.ingest import expand_paths
from desktop.ml import protocol
from desktop.ml.engine.job import JobSpec, run_job
from desktop.ml.worker import job_finished


def best(repeat: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("PRECIS_CORPUS", REPO.parent / "shared" / "corpus")))
    parser.add_argument("--files", type=int, default=50, help="files of the job (50 = KEEP_FILES, the most that carry documents)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    files = [str(p) for p in expand_paths([args.corpus]) if p.suffix in (".pdf", ".docx", ".eml", ".vtt", ".srt", ".txt", ".md")]
    result = run_job(JobSpec(paths=files[: args.files], engine="extractive", preview=False))
    message = job_finished("j", result)

    old_payload = {"digest": result.digest.to_dict(), "documents": [d.to_dict() for d in result.documents],
                   "errors": list(result.errors)}
    old_bytes = pickle.dumps(("finished", "j", old_payload), protocol=pickle.HIGHEST_PROTOCOL)
    new_bytes = protocol.encode(message)

    def old_encode() -> None:
        payload = {"digest": result.digest.to_dict(), "documents": [d.to_dict() for d in result.documents],
                   "errors": list(result.errors)}
        pickle.dumps(("finished", "j", payload), protocol=pickle.HIGHEST_PROTOCOL)

    payload = pickle.loads(old_bytes)[2]

    def old_gui_thread() -> None:
        Digest.from_dict(payload["digest"])
        [Document.from_dict(d) for d in payload["documents"]]

    rows = [
        ("pickled dict (before)", len(old_bytes), best(args.repeat, old_encode),
         best(args.repeat, lambda: pickle.loads(old_bytes)), best(args.repeat, old_gui_thread)),
        ("JSON message (now)", len(new_bytes), best(args.repeat, lambda: protocol.encode(message)),
         best(args.repeat, lambda: protocol.decode(new_bytes)), 0.0),
    ]
    blocks = sum(len(x.blocks) for d in result.documents for x in d.walk())
    print(f"A finished job of {len(result.documents)} documents ({blocks} blocks, {len(result.digest.all_points())} points), "
          f"best of {args.repeat}:\n")
    print("| encoding | bytes | worker: encode ms | window, reader thread: decode ms | window, GUI thread: to Digest and Documents ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, size, enc, reader, gui in rows:
        print(f"| {name} | {size:,} | {enc * 1000:.1f} | {reader * 1000:.1f} | {gui * 1000:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
