"""Read one (hostile) file in a child process of its own, reporting time and memory.

    python -m tests.reliability.read_one PATH [LIMITS_JSON]

Every reader module is imported before ``base_mb`` is taken, so ``peak_mb - base_mb`` is what
reading this file cost (the file's bytes included). Prints one JSON object: ``outcome``
(``Document`` or the error name), ``message``, ``warnings``, ``parts`` (attachment chains),
``blocks``, ``text`` (the first 2,000 characters), ``seconds``, ``base_mb`` and ``peak_mb``.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path

from desktop.core.errors import DocumentError
from desktop.core.ingest import _READER_MODULES, read_document
from desktop.core.limits import Limits
from desktop.core.memory import peak_rss_mb


def reader_for_name(module: str) -> None:
    """Import a reader named as in ``_READER_MODULES``: ``module`` or ``module:function``."""
    importlib.import_module(f"desktop.core.ingest.{module.partition(':')[0]}")


def _peak_mb() -> float:
    return peak_rss_mb()


def main(argv: list[str]) -> int:
    path = Path(argv[0])
    limits = Limits(**json.loads(argv[1])) if len(argv) > 1 else Limits()
    for module in _READER_MODULES.values():
        reader_for_name(module)
    base = _peak_mb()
    started = time.perf_counter()
    result: dict = {}
    try:
        doc = read_document(path, limits=limits)
        result.update(outcome="Document", blocks=sum(len(d.blocks) for d in doc.walk()),
                      warnings=[w for d in doc.walk() for w in d.warnings], parts=[d.part for d in doc.walk() if d.part],
                      text="\n".join(d.text() for d in doc.walk())[:2000])
    except DocumentError as err:
        result.update(outcome=err.name, message=err.message)
    result.update(seconds=round(time.perf_counter() - started, 3), base_mb=round(base, 1), peak_mb=round(_peak_mb(), 1),
                  bytes=path.stat().st_size)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
