"""OCR engines side by side on the same rendered corpus pages: word recall, seconds per page, size.

Pages of born-digital corpus PDFs are rendered at 200 dpi (grayscale), so each page's own text
layer is the truth. Tesseract (tesserocr, tessdata_fast English) runs through Precis's own OCR
runner; RapidOCR (rapidocr_onnxruntime, ONNX models in its wheel; not a Precis dependency:
``pip install rapidocr_onnxruntime`` to include it) runs as its README shows. Run:

    .venv/bin/python benchmarks/ocr.py            # Markdown table
    .venv/bin/python benchmarks/ocr.py --json
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("PRECIS_HOME", tempfile.mkdtemp(prefix="precis-ocr-bench-"))

from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.ocr.options import OcrOptions
from desktop.core.ingest.ocr.runner import PageImage, recognize_pages
from desktop.core.ingest.ocr.tesseract import Recognizer, tessdata_dir
from tests.core.ingest._scans import recall, render, true_words

CORPUS = Path(os.environ.get("PRECIS_CORPUS", REPO.parent / "shared" / "corpus"))
#: (file, page index): English pages with a real text layer, from sparse to dense.
PAGES = [("google-doc-document.pdf", 0), ("scotus-transcript-p1.pdf", 0), ("cupertino_usd_4-6-16.pdf", 0),
         ("multicolumn.pdf", 0), ("pr-138-example.pdf", 0), ("WARN-Report-2015-2016.pdf", 0)]


def _size_mb(*names: str) -> float:
    """Installed size of packages (folders and their .libs), plus Tesseract's models."""
    import site

    total = 0
    for base in map(Path, site.getsitepackages()):
        for name in names:
            for path in base.glob(name):
                files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
                total += sum(p.stat().st_size for p in files)
    if "tesserocr*" in names and tessdata_dir():
        total += sum(p.stat().st_size for p in tessdata_dir().glob("*.traineddata"))  # type: ignore[union-attr]
    return total / 2**20


def _tesseract(images: list, truths: list[list[str]]) -> dict:
    recognizer = Recognizer("eng")
    recognizer.recognize(images[0].crop((0, 0, 200, 200)), 60)  # load the model before timing
    recalls, seconds = [], []
    for image, truth in zip(images, truths):
        started = time.perf_counter()
        page = recognizer.recognize(image, 120)
        seconds.append(time.perf_counter() - started)
        recalls.append(recall(truth, "\n".join(page.paragraphs)))
    return {"engine": "Tesseract 5 (tesserocr, tessdata_fast eng)", "recall": recalls, "seconds": seconds,
            "size_mb": _size_mb("tesserocr*")}


def _rapidocr(images: list, truths: list[list[str]]) -> dict | None:
    if importlib.util.find_spec("rapidocr_onnxruntime") is None:
        return None
    import numpy as np
    from rapidocr_onnxruntime import RapidOCR

    engine = RapidOCR()
    engine(np.asarray(images[0].crop((0, 0, 400, 400)).convert("RGB")))
    recalls, seconds = [], []
    for image, truth in zip(images, truths):
        started = time.perf_counter()
        result, _ = engine(np.asarray(image.convert("RGB")))
        seconds.append(time.perf_counter() - started)
        recalls.append(recall(truth, "\n".join(r[1] for r in result or [])))
    return {"engine": "RapidOCR (rapidocr_onnxruntime, PP-OCR ONNX)", "recall": recalls, "seconds": seconds,
            "size_mb": _size_mb("rapidocr_onnxruntime*", "cv2", "opencv_python*", "shapely*", "Shapely*",
                                "pyclipper*")}


def _parallel(images: list, rounds: int = 1) -> dict:
    """Precis's runner over all pages, one worker against one per core (cache off), alternating
    ``rounds`` times and keeping each side's best, so a busy moment does not favour one side."""
    out: dict[int, float] = {}
    for _ in range(rounds):
        for workers in (1, 2):
            ctx = ReadContext(path=Path("bench.pdf"), ocr=OcrOptions(workers=workers, use_cache=False))
            pages = [PageImage(i + 1, lambda img=img: img) for i, img in enumerate(images)]
            started = time.perf_counter()
            recognize_pages(pages, len(pages), content_hash="bench", page_total=len(pages), ctx=ctx)
            out[workers] = min(out.get(workers, float("inf")), time.perf_counter() - started)
    return {"seconds_1_worker": out[1], "seconds_2_workers": out[2], "speedup": out[1] / out[2], "rounds": rounds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--parallel-only", action="store_true", help="only the 1-worker vs 2-worker comparison")
    parser.add_argument("--rounds", type=int, default=1, help="alternating rounds of that comparison (best kept)")
    args = parser.parse_args()
    images = [render(CORPUS / "pdf" / name, index) for name, index in PAGES]
    if args.parallel_only:
        print(json.dumps(_parallel(images, args.rounds), indent=1))
        return 0
    truths = [true_words(CORPUS / "pdf" / name, index) for name, index in PAGES]
    rows = [r for r in (_tesseract(images, truths), _rapidocr(images, truths)) if r]
    parallel = _parallel(images, args.rounds)
    report = {"pages": [f"{n} p.{i + 1}" for n, i in PAGES], "words": [len(t) for t in truths], "engines": rows,
              "parallel": parallel, "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None}
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    print(f"{len(PAGES)} corpus pages at 200 dpi, {sum(report['words'])} words; {report['cores']} cores\n")
    print("| engine | word recall (mean, worst page) | s/page (mean, slowest) | installed MB |")
    print("| --- | --- | --- | --- |")
    for r in rows:
        rec, sec = r["recall"], r["seconds"]
        print(f"| {r['engine']} | {sum(rec) / len(rec):.3f}, {min(rec):.3f} | {sum(sec) / len(sec):.2f}, "
              f"{max(sec):.2f} | {r['size_mb']:.0f} |")
    print(f"\nTesseract through Precis's runner, all pages: 1 worker {parallel['seconds_1_worker']:.1f} s, "
          f"2 workers {parallel['seconds_2_workers']:.1f} s: {parallel['speedup']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
