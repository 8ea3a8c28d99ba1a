"""The extractive preview against sumy's LexRank, TextRank, LSA and Luhn at equal length.

For each shared pair set (DialogSum dialogues, QMSum meetings) every system ranks the
document's sentences; its text (in document order, as each system returns it) is then cut to
the reference summary's word count, so no system gains ROUGE from being longer: each system's
fewest top-ranked sentences (in document order) that reach that count. Precis's ranking is the
preview's (the model-free engine's TextRank x lead scores). ROUGE-1/2/L F-measures by rouge-score with stemming, as ``precis-cli eval``.

sumy is a benchmark-only dependency (``pip install -e ".[bench]"``); it is given Precis's own
sentence splitter and a plain word tokenizer, so no NLTK data download is needed.

    python benchmarks/preview_quality.py [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from statistics import mean
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.speed_e2e import default_corpus
from desktop.core.document import Document
from desktop.core.prompting.sentences import split_sentences
from desktop.ml.engine.evaluate import pair_document, read_pairs_jsonl, score
from desktop.ml.extractive.engine import ExtractiveEngine
from desktop.ml.points.sentence_pool import document_sentences

SETS = {"DialogSum": "dialogsum_test_pairs.jsonl", "QMSum": "qmsum_general_summaries.jsonl"}
BASELINES = ("LexRank", "TextRank", "LSA", "Luhn")
_WORD = re.compile(r"\w[\w'-]*")


class _Tokenizer:
    """sumy's tokenizer interface over Precis's splitter: no NLTK data needed."""

    language = "english"

    def to_sentences(self, text: str) -> list[str]:
        return [s for line in text.splitlines() if line.strip() for s in split_sentences(line)]

    def to_words(self, sentence: str) -> list[str]:
        return _WORD.findall(sentence)


def _sumy(name: str) -> Callable[[str], Callable[[int], list[str]]]:
    """sumy's ranking, run once per document: its ratings are caught where it would pick the
    best sentences, so any top ``k`` costs nothing more."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.lsa import LsaSummarizer
    from sumy.summarizers.luhn import LuhnSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    cls = {"LexRank": LexRankSummarizer, "TextRank": TextRankSummarizer, "LSA": LsaSummarizer, "Luhn": LuhnSummarizer}[name]
    summarizer = cls(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    caught: dict[str, list[Any]] = {}

    def catch(sentences: Any, _count: int, rating: Any, *args: Any, **kwargs: Any) -> tuple[()]:
        rate = (lambda s: rating[s]) if isinstance(rating, dict) else (lambda s: rating(s, *args, **kwargs))
        caught["sentences"] = list(sentences)
        caught["ratings"] = [rate(s) for s in caught["sentences"]]
        return ()

    summarizer._get_best_sentences = catch

    def rank(text: str) -> Callable[[int], list[str]]:
        summarizer(PlaintextParser.from_string(text, _Tokenizer()).document, 1)
        sentences, ratings = caught["sentences"], caught["ratings"]
        order = sorted(range(len(sentences)), key=lambda i: -ratings[i])

        def top(k: int) -> list[str]:
            return [str(sentences[i]) for i in sorted(order[:k])]

        return top

    return rank


def _precis(doc: Document) -> Callable[[int], list[str]]:
    """The preview's ranking (TextRank x lead, as the engine scores a document) taking its top ``k``."""
    engine = ExtractiveEngine()
    pool = document_sentences(doc, 0)
    scores = engine._scores(pool, None)

    def top(k: int) -> list[str]:
        return [pool[i].display for i in engine._pick(pool, scores, k, None)]

    return top


def fill(top: Callable[[int], list[str]], words: int, most: int = 60) -> str:
    """The fewest top-ranked sentences (in document order) that reach ``words``, cut to it."""
    chosen: list[str] = []
    for k in range(1, most + 1):
        chosen = top(k)
        if len(" ".join(chosen).split()) >= words or len(chosen) < k:
            break
    return cut(chosen, words)


def cut(sentences: list[str], words: int) -> str:
    out: list[str] = []
    for s in sentences:
        out += s.split()
        if len(out) >= words:
            break
    return " ".join(out[:words])


def _plain(doc: Document) -> str:
    """The document as sumy reads it: one utterance per line, speakers named as Precis names them."""
    return "\n".join(f"{b.locator.speaker}: {b.text}" if b.locator.speaker else b.text for b in doc.blocks)


def evaluate_set(path: Path, limit: int | None) -> dict[str, Any]:
    pairs = list(read_pairs_jsonl(path))[:limit]
    systems: dict[str, list[tuple[str, str, str]]] = {"Precis preview": [], **{b: [] for b in BASELINES}}
    runners = {b: _sumy(b) for b in BASELINES}
    own_words, input_words = [], []
    for pair in pairs:
        doc = pair_document(pair, path)
        n = len(pair.summary.split())
        own = ExtractiveEngine().summarize([doc], length="medium", classify=False)
        own_words.append(len(" ".join(p.text for p in own.points).split()))
        input_words.append(len(pair.document.split()))
        systems["Precis preview"].append((pair.id, fill(_precis(doc), n), pair.summary))
        text = _plain(doc)
        for b in BASELINES:
            systems[b].append((pair.id, fill(runners[b](text), n), pair.summary))
    return {"pairs": len(pairs), "reference_words": round(mean(len(p.summary.split()) for p in pairs), 1),
            "input_words": round(mean(input_words)), "preview_words_medium": round(mean(own_words), 1),
            "rouge": {name: _rouge(rows) for name, rows in systems.items()}}


def _rouge(rows: list[tuple[str, str, str]]) -> dict[str, float]:
    """Mean F-measures x 100, and ROUGE-1 on the even pairs (those the ranking was tuned on) and
    the odd ones (held out), so a gain that is only fitting shows as a gap between the two."""
    report = score(rows)
    out = {k: round(v * 100, 2) for k, v in report.means().items()}
    for half, items in (("rouge1_even", report.items[0::2]), ("rouge1_odd", report.items[1::2])):
        out[half] = round(100 * mean(item["rouge1"] for item in items), 2) if items else 0.0
    return out


def markdown(results: dict[str, dict[str, Any]]) -> str:
    lines = ["| set | pairs | system | ROUGE-1 | ROUGE-2 | ROUGE-L | ROUGE-1 even (tuned on) | ROUGE-1 odd (held out) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, r in results.items():
        best = max(v["rouge1"] for v in r["rouge"].values())
        for system, v in r["rouge"].items():
            mark = "**" if v["rouge1"] == best else ""
            lines.append(f"| {name} | {r['pairs']} | {system} | {mark}{v['rouge1']:.2f}{mark} | {v['rouge2']:.2f} | {v['rougeL']:.2f} "
                         f"| {v['rouge1_even']:.2f} | {v['rouge1_odd']:.2f} |")
    lines.append("")
    for name, r in results.items():
        lines.append(f"{name}: inputs {r['input_words']} words on average, references {r['reference_words']} words; "
                     f"the preview's own key points (medium) {r['preview_words_medium']} words.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--limit", type=int, help="at most N pairs per set")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    warnings.filterwarnings("ignore", message="Number of words", module="sumy")  # LSA on a short dialogue
    refs = default_corpus() / "references"
    results = {name: evaluate_set(refs / file, args.limit) for name, file in SETS.items() if (refs / file).is_file()}
    print(json.dumps(results, indent=2) if args.json else markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
