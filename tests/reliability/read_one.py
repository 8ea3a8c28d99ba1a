"""Build one hostile file and read it, in a child process of its own, reporting time and memory.

    python -m tests.reliability.read_one BUILDER ARGS_JSON NAME [LIMITS_JSON]

``BUILDER`` is a function of ``tests.reliability.bombs`` (``ARGS_JSON`` its keyword arguments)
or ``path`` (``ARGS_JSON`` then names a file on disk, read with ``read_document``). Prints one
JSON object: ``outcome`` (``Document`` or the error name), ``message``, ``warnings``, ``parts``
(attachment chains), ``seconds``, ``base_mb`` (peak RSS before reading) and ``peak_mb``.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from desktop.core.errors import DocumentError
from desktop.core.ingest import read_bytes, read_document
from desktop.core.ingest.context import ReadContext
from desktop.core.limits import Limits
from tests.reliability import bombs


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    builder, args, name = argv[0], json.loads(argv[1]), argv[2]
    limits = Limits(**json.loads(argv[3])) if len(argv) > 3 else Limits()
    data = None if builder == "path" else getattr(bombs, builder)(**args)
    base = _peak_mb()
    started = time.perf_counter()
    result: dict = {}
    try:
        if data is None:
            doc = read_document(Path(args["path"]), limits=limits)
        else:
            doc = read_bytes(data, ReadContext(path=Path("/nonexistent") / name, limits=limits))
        result.update(outcome="Document", blocks=sum(len(d.blocks) for d in doc.walk()),
                      warnings=[w for d in doc.walk() for w in d.warnings], parts=[d.part for d in doc.walk() if d.part],
                      text="\n".join(d.text() for d in doc.walk())[:2000])
    except DocumentError as err:
        result.update(outcome=err.name, message=err.message)
    result.update(seconds=round(time.perf_counter() - started, 3), base_mb=round(base, 1), peak_mb=round(_peak_mb(), 1),
                  bytes=len(data) if data is not None else Path(args["path"]).stat().st_size)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
