"""One write operation in a child process whose writes the kernel refuses past a size.

    python -m tests.reliability.fault_child FSIZE OP ARGS_JSON

``FSIZE`` > 0 sets RLIMIT_FSIZE: any write that would make a file larger fails with EFBIG, as a
full disk (or a FAT32 stick's 4 GB limit) makes it fail, and SIGXFSZ is ignored so the write
returns the error instead of killing the process. ``OP``: ``export`` (a digest to ``target``),
``history`` (add an entry in ``folder``), ``download`` (a catalog entry from ``endpoint`` into
``store``), ``finetune`` (a fine-tuning run, usually ``resume``d) or ``cli`` (``precis-cli`` with
``argv``). Prints ``{"ok": ...}`` or
``{"error": name, "message": sentence}``; exit status 0 unless the operation itself crashed.
"""

from __future__ import annotations

import json
import resource
import signal
import sys
from pathlib import Path

from desktop.core.digest import Digest, Point
from desktop.core.errors import PrecisError


def big_digest(points: int) -> Digest:
    return Digest(title="Quarterly review", overview="The board met to review the quarter. " * 20,
                  points=[Point(f"Point {i}: the committee agreed to revisit item {i} next month.") for i in range(points)])


def run(op: str, args: dict) -> dict:
    if op == "export":
        from desktop.core.export import export_digest

        return {"ok": str(export_digest(big_digest(args.get("points", 2000)), Path(args["target"])))}
    if op == "history":
        from desktop.core.history import History

        history = History(Path(args["folder"]))
        entry = history.add(big_digest(args.get("points", 2000)), ["/docs/a.pdf"], "# Quarterly review\n")
        return {"ok": entry.id, "notices": history.notices}
    if op == "download":
        from desktop.ml.models.catalog import CatalogEntry
        from desktop.ml.models.download import download
        from desktop.ml.models.store import ModelStore

        entry = CatalogEntry(**args["entry"])
        return {"ok": str(download(entry, ModelStore(args["store"]), endpoint=args["endpoint"]).path)}
    if op == "finetune":
        from desktop.ml.finetune import FinetuneRequest, run_finetune
        from desktop.ml.finetune.settings import FinetuneSettings

        request = FinetuneRequest(args["model"], args["pairs"], args["out"], FinetuneSettings.from_dict(args["settings"]),
                                  resume=args["resume"], store_root=args["store"])
        return {"ok": str(run_finetune(request).result_dir)}
    if op == "cli":
        from desktop.cli import main

        return {"ok": main(args["argv"])}
    raise ValueError(op)


def main(argv: list[str]) -> int:
    fsize, op, args = int(argv[0]), argv[1], json.loads(argv[2])
    if fsize > 0:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    try:
        result = run(op, args)
    except PrecisError as exc:
        result = {"error": exc.name, "message": exc.message}
    except OSError as exc:
        result = {"error": type(exc).__name__, "message": str(exc), "errno": exc.errno}
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
