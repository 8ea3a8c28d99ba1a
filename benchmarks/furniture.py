"""Furniture and sections on the shared corpus, today's code against the working tree (issue 29).

Both sides run in one invocation, each in its own process on the same corpus: ``before`` is a
``git archive`` of ``--baseline`` (default: the commit this work started from), ``after`` the
working tree. For every corpus file each side reports

* the extractive engine's key points and items (the preview and the no-model digest), which are
  then looked up in ``benchmarks/furniture_labels.json``: every point and item either side gave,
  labelled once by hand as furniture (and which kind) or content; the share that is furniture is
  printed per side, and anything unlabelled is counted, never guessed;
* the tokens the model would be sent: every document (attachments too) through the language gate
  and the map prompts' chunks at a 512-token budget, counted with FLAN-T5's own tokenizer, as
  ``ml/engine/summarizer.py`` does; and, after, the share of each document's text that is furniture;
* for every PDF with an outline, its top level (read with pypdf) against the sections found;
* the extractive preview's time on the 65-page plan (best of three).

    python benchmarks/furniture.py [--baseline COMMIT] [--json] [--dump-points FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.speed_breakdown import checkout
from benchmarks.speed_e2e import REPO, default_corpus

BASELINE_COMMIT = "f3f8e2a"
LABELS = Path(__file__).with_name("furniture_labels.json")
ITEM_LISTS = ("decisions", "action_items", "asks", "deadlines")

_CHILD = r'''
import json, sys, time
from pathlib import Path
from desktop.core.digest import DocumentSummary
from desktop.core.document import SECONDARY_ROLES
from desktop.core.errors import DocumentError
from desktop.core.ingest import expand_paths, read_document
from desktop.core.prompting.prompt_chunks import fit_chunks
from desktop.core.prompting.prompts import PromptLibrary
from desktop.ml.backends.tokenizer import TokenCounter
from desktop.ml.engine.language_gate import readable_part
from desktop.ml.extractive.engine import ExtractiveEngine

corpus, flan = Path(sys.argv[1]), sys.argv[2]
tok = TokenCounter.for_model(flan)
prompts = PromptLibrary.load()
out = {"files": {}, "outlines": {}}
for path in expand_paths([corpus / folder for folder in ("pdf", "docx", "email", "transcript")]):
    rel = str(path.relative_to(corpus))
    try:
        doc = read_document(path)
    except DocumentError:
        continue
    digest = ExtractiveEngine().summarize([doc])
    lists = {name: [p.text for p in getattr(digest, name)] for name in digest.SECTIONS}
    docs = []
    for part in doc.walk():
        if not part.blocks:
            continue
        template = prompts.for_doc(part.kind, "map")
        gated = readable_part(part, DocumentSummary(str(part.path), part.display_name, part.kind.value, part.title, ""),
                              lambda event: None, tok.is_unknown)
        chunks = fit_chunks(gated, [template], tok.count, 512) if gated is not None else []
        text = sum(len(b.text) for b in part.blocks)
        furniture = sum(len(b.text) for b in part.blocks if getattr(b, "furniture", None))
        # What was model input before (quotes, signatures, headers and footers were left out already),
        # in tokens: the furniture's share of it is what the model input should lose at least.
        sent = [b for b in part.blocks if b.text.strip() and b.role not in SECONDARY_ROLES] or part.blocks
        eos = tok.count("")  # counted once per call: not part of a block's text
        newly = (sum(tok.count(b.text) - eos for b in sent if getattr(b, "furniture", None))
                 / max(1, sum(tok.count(b.text) - eos for b in sent)))
        docs.append({"name": part.display_name, "chunks": len(chunks), "furniture_share": furniture / max(1, text),
                     "furniture_of_input": newly,
                     "tokens": sum(tok.count(template.render(c.text).text) for c in chunks),
                     "text_tokens": sum(tok.count(c.text) for c in chunks)})
    sections = [{"title": s.title, "level": s.level, "page": doc.blocks[s.block].locator.page}
                for s in getattr(doc, "sections", [])]
    out["files"][rel] = {"lists": lists, "documents": docs, "sections": sections,
                         "summarized": len(getattr(digest, "sections", []))}
    if path.name == "chelsea_pdta.pdf":
        times = []
        for _ in range(3):
            started = time.perf_counter()
            read = read_document(path)
            mid = time.perf_counter()
            ExtractiveEngine().summarize([read])
            times.append((mid - started, time.perf_counter() - mid))
        out["preview"] = {"file": rel, "read_s": min(t[0] for t in times), "preview_s": min(t[1] for t in times)}
print(json.dumps(out))
'''


def run_side(source: Path, corpus: Path) -> dict[str, Any]:
    """The child above, run against the source tree ``source`` with a fresh ``PRECIS_HOME``."""
    from desktop.ml.models.random_model import flan_t5_dir

    with tempfile.TemporaryDirectory(prefix="precis-furniture-") as home:
        env = {**os.environ, "PRECIS_HOME": home, "PYTHONPATH": str(source)}
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(corpus), str(flan_t5_dir())], cwd=source, env=env,
                              capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def outline_top_levels(corpus: Path) -> dict[str, list[tuple[str, int | None]]]:
    """Every corpus PDF with an outline: its top level by pypdf (a broken destination takes its first child's page)."""
    from pypdf import PdfReader

    out: dict[str, list[tuple[str, int | None]]] = {}
    for path in sorted((corpus / "pdf").glob("*.pdf")):
        try:
            reader = PdfReader(path)
            if reader.is_encrypted:
                reader.decrypt("")
            outline = reader.outline
        except Exception:  # noqa: BLE001, S112 - an unreadable PDF has no outline to compare
            continue

        def page(item: Any, reader: PdfReader = reader) -> int | None:
            try:
                return reader.get_destination_page_number(item) + 1
            except Exception:  # noqa: BLE001
                return None

        top = []
        for k, item in enumerate(outline):
            if isinstance(item, list):
                continue
            p = page(item)
            if p is None and k + 1 < len(outline) and isinstance(outline[k + 1], list) and outline[k + 1]:
                p = page(outline[k + 1][0])
            top.append((str(item.title), p))
        if top:
            out[str(path.relative_to(corpus))] = top
    return out


def key(text: str) -> str:
    return " ".join(text.split())[:100]


def label_counts(side: dict[str, Any], labels: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Points and items of one side: how many, how many labelled furniture, how many unlabelled."""
    out = {name: {"total": 0, "furniture": 0, "unlabelled": 0} for name in ("points", "items")}
    for rel, data in side["files"].items():
        known = labels.get(rel, {})
        furniture, content = known.get("furniture", {}), set(known.get("content", []))
        for lst, texts in data["lists"].items():
            row = out["points" if lst == "points" else "items"]
            for text in texts:
                row["total"] += 1
                if key(text) in furniture:
                    row["furniture"] += 1
                elif key(text) not in content:
                    row["unlabelled"] += 1
    return out


def report(before: dict[str, Any], after: dict[str, Any], labels: dict[str, Any], corpus: Path) -> list[str]:
    lines = ["## Furniture among the extractive engine's key points and items (corpus, labelled by hand)", "",
             "| side | points | furniture | share | items | furniture | share | unlabelled |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, side in (("before", before), ("after", after)):
        c = label_counts(side, labels)
        p, i = c["points"], c["items"]
        lines.append(f"| {name} | {p['total']} | {p['furniture']} | {p['furniture'] / max(1, p['total']):.1%} | "
                     f"{i['total']} | {i['furniture']} | {i['furniture'] / max(1, i['total']):.1%} | "
                     f"{p['unlabelled'] + i['unlabelled']} |")
    lines += ["", "## Tokens sent to the model (map prompts of 512-token chunks, FLAN-T5 tokenizer)", "",
              "Documents whose input changed or that hold furniture. \"text\" counts the document's own words in the",
              "chunks; \"prompt\" adds the instruction each chunk is wrapped in (a section boundary can add a chunk).", "",
              ("| document | chunks before | after | prompt tokens before | after | change | text tokens change | "
               "furniture share of its text (characters) | of the text sent before (tokens) |"), "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    totals = {"tb": 0, "ta": 0, "xb": 0, "xa": 0}
    for rel in sorted(after["files"]):
        b_docs = {d["name"]: d for d in before["files"].get(rel, {}).get("documents", [])}
        for d in after["files"][rel]["documents"]:
            b = b_docs.get(d["name"], {"tokens": 0, "chunks": 0, "text_tokens": 0})
            for k, side, field in (("tb", b, "tokens"), ("ta", d, "tokens"), ("xb", b, "text_tokens"), ("xa", d, "text_tokens")):
                totals[k] += side.get(field, 0)
            if b["tokens"] != d["tokens"] or d["furniture_share"] > 0:
                lines.append(f"| {d['name']} | {b['chunks']} | {d['chunks']} | {b['tokens']:,} | {d['tokens']:,} | "
                             f"{_change(b['tokens'], d['tokens'])} | {_change(b.get('text_tokens', 0), d['text_tokens'])} | "
                             f"{d['furniture_share']:.1%} | {d.get('furniture_of_input', 0):.1%} |")
    lines.append(f"| **all corpus documents** | | | {totals['tb']:,} | {totals['ta']:,} | {_change(totals['tb'], totals['ta'])} | "
                 f"{_change(totals['xb'], totals['xa'])} | | |")
    lines += ["", "## PDFs with an outline: its top level against the sections found", "",
              "| file | outline top level | sections (top level) | match |", "| --- | --- | --- | --- |"]
    for rel, top in outline_top_levels(corpus).items():
        found = [s for s in after["files"].get(rel, {}).get("sections", []) if s["level"] == 1]
        match = [(s["title"], s["page"]) for s in found] == [(_clean(t), p) for t, p in top]
        lines.append(f"| {rel} | {len(top)}: " + "; ".join(f"{t} (p. {p})" for t, p in top) +
                     f" | {len(found)}, {after['files'][rel]['summarized']} summarized | {'yes' if match else 'NO'} |")
    lines += ["", "## The extractive preview of the 65-page plan (best of 3)", "", "| side | read s | preview s |",
              "| --- | ---: | ---: |"]
    for name, side in (("before", before), ("after", after)):
        pv = side.get("preview", {})
        lines.append(f"| {name} | {pv.get('read_s', 0):.2f} | {pv.get('preview_s', 0):.2f} |")
    return lines


def _change(before: int, after: int) -> str:
    return f"{(after - before) / before:+.1%}" if before else ("0" if not after else "new")


def _clean(title: str) -> str:
    text = " ".join(title.split())
    return text.removesuffix(".pdf").replace("_", " ") if text.endswith(".pdf") else text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default=BASELINE_COMMIT)
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--dump-points", type=Path, help="write every point and item of both sides (for labelling)")
    args = parser.parse_args(argv)
    corpus = args.corpus or default_corpus()
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # the outlines' damaged PDFs, read here for the table
    with tempfile.TemporaryDirectory(prefix="precis-baseline-") as tmp:
        before = run_side(checkout(args.baseline, Path(tmp)), corpus)
    after = run_side(REPO, corpus)
    labels = json.loads(LABELS.read_text(encoding="utf-8"))["labels"] if LABELS.is_file() else {}
    if args.dump_points:
        args.dump_points.write_text(json.dumps({"before": before, "after": after}, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.json:
        print(json.dumps({"before": before, "after": after, "labels": {side: label_counts(s, labels) for side, s in
                                                                         (("before", before), ("after", after))}}))
    else:
        print("\n".join(report(before, after, labels, corpus)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
