"""Graph-based sentence ranking (TextRank with TF-IDF cosine similarity), numpy only.

The extractive engine's core and the model engine's fallback for degenerate outputs. Large
documents are ranked in windows of a few hundred sentences and the winners re-ranked, and
selection and query relevance use sparse vectors, so memory stays small and bounded whatever
the document's length (a dense document-wide TF-IDF matrix is tens of MB for a long report).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator

import numpy as np

from desktop.ml.points.citations import STOPWORDS, content_words

_WINDOW = 400
_DAMPING = 0.85
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
#: Words of talk, not of topics: discourse markers, hedges and backchannels ("I mean, you know,
#: that sort of thing, yeah"). Spread evenly over an hour of speech they look central to TextRank
#: and pull filler sentences to the top, so the preview's ranking leaves them out.
SPOKEN_FILLERS = frozenset(
    ["mean", "really", "actually", "gonna", "wanna", "gotta", "cuz", "cause", "something", "thing", "things", "stuff", "sort", "kind", "lot", "don", "didn", "doesn", "isn", "aren", "wasn", "let", "say", "said", "sure", "maybe", "guess", "one", "two", "okay", "alright", "yep", "yes", "now", "see", "look", "want", "need", "way", "good", "great", "probably", "pretty", "little", "bit", "much", "many", "make", "made", "use", "used", "goes", "went", "come", "thank", "thanks", "sorry", "hello", "everyone", "hmm", "mhm", "huh"]
)


def tfidf_matrix(texts: list[str], extra: list[str] | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows L2-normalised; ``extra`` texts (a query) are embedded in the same space."""
    bags = [Counter(content_words(t)) for t in texts]
    extra_bags = [Counter(content_words(t)) for t in (extra or [])]
    df: Counter[str] = Counter()
    for bag in bags:
        df.update(bag.keys())
    vocab = {w: i for i, w in enumerate(df)}
    n = max(1, len(bags))
    idf = np.array([math.log((1 + n) / (1 + df[w])) + 1.0 for w in vocab], dtype=np.float32)

    def embed(group: list[Counter[str]]) -> np.ndarray:
        m = np.zeros((len(group), len(vocab)), dtype=np.float32)
        for r, bag in enumerate(group):
            for w, c in bag.items():
                j = vocab.get(w)
                if j is not None:
                    m[r, j] = (1 + math.log(c)) * idf[j]
        norms = np.linalg.norm(m, axis=1, keepdims=True)
        return m / np.where(norms == 0, 1, norms)

    return embed(bags), (embed(extra_bags) if extra is not None else None)


def pagerank(sim: np.ndarray, iterations: int = 60, tol: float = 1e-6) -> np.ndarray:
    n = sim.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    m = sim.copy()
    np.fill_diagonal(m, 0.0)
    sums = m.sum(axis=1, keepdims=True)
    m = np.where(sums > 0, m / np.where(sums == 0, 1, sums), 1.0 / n)
    r = np.full(n, 1.0 / n, dtype=np.float32)
    for _ in range(iterations):
        nxt = (1 - _DAMPING) / n + _DAMPING * (m.T @ r)
        if np.abs(nxt - r).sum() < tol:
            return nxt
        r = nxt
    return r


def rank(texts: list[str]) -> np.ndarray:
    """Centrality score of each text (higher = more central), windowed for long inputs."""
    n = len(texts)
    if n <= _WINDOW:
        x, _ = tfidf_matrix(texts)
        return pagerank(x @ x.T) * n
    scores = np.zeros(n, dtype=np.float32)
    finalists: list[int] = []
    for start in range(0, n, _WINDOW):
        idx = list(range(start, min(n, start + _WINDOW)))
        local = rank([texts[i] for i in idx])
        scores[idx] = local * 0.5
        keep = max(1, len(idx) // 10)
        finalists.extend(idx[j] for j in np.argsort(-local)[:keep])
    final = rank([texts[i] for i in finalists])
    for j, i in enumerate(finalists):
        scores[i] = 1.0 + final[j]
    return scores


def _sparse(texts: list[str]) -> list[dict[str, float]]:
    """L2-normalised TF-IDF vectors as {word: weight}, IDF over ``texts``."""
    bags = [Counter(content_words(t)) for t in texts]
    df: Counter[str] = Counter()
    for bag in bags:
        df.update(bag.keys())
    n = max(1, len(bags))
    out: list[dict[str, float]] = []
    for bag in bags:
        vec = {w: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[w])) + 1.0) for w, c in bag.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        out.append({w: v / norm for w, v in vec.items()})
    return out


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(w, 0.0) for w, v in a.items())


def informative_words(text: str) -> list[str]:
    """The words a sentence says something with, repeats kept: content words less spoken fillers."""
    words = (m.group(0).lower() for m in _TOKEN.finditer(text))
    return [w for w in words if len(w) > 2 and w not in STOPWORDS and w not in SPOKEN_FILLERS]


def substance(word_counts: np.ndarray, sentences: int) -> np.ndarray:
    """How much a sentence can carry, as a factor on its centrality.

    Below three informative words a sentence is a backchannel or a fragment ("Yeah, that's
    true."), whatever its centrality. Above that, a long input favours fuller sentences: in a
    dialogue of a dozen turns every turn carries the story, but in an hour of talk most short
    sentences are reactions and the summary has room for whole contributions. So the weight of
    length, ``count ** beta``, rises from 0 at 20 sentences to 0.75 at 1,000 and more.
    """
    counts = np.maximum(word_counts.astype(np.float32), 1.0)
    beta = 0.75 * min(1.0, max(0.0, math.log10(max(sentences, 1) / 20) / math.log10(50)))
    return np.minimum(1.0, counts / 3.0) * counts ** beta


def _greedy(texts: list[str], scores: np.ndarray, eligible: list[bool] | None, redundancy: float) -> Iterator[int]:
    """Indices by falling score, skipping ineligible ones and near-duplicates of those yielded."""
    vectors = _sparse(texts)
    chosen: list[int] = []
    for i in np.argsort(-scores, kind="stable"):
        i = int(i)
        if eligible is not None and not eligible[i]:
            continue
        if any(_cosine(vectors[i], vectors[j]) > redundancy for j in chosen):
            continue
        chosen.append(i)
        yield i


def select(
    texts: list[str],
    scores: np.ndarray,
    k: int,
    *,
    eligible: list[bool] | None = None,
    redundancy: float = 0.6,
) -> list[int]:
    """Top-``k`` indices by score, skipping near-duplicates of ones already chosen; doc order."""
    if k <= 0 or not texts:
        return []
    chosen: list[int] = []
    for i in _greedy(texts, scores, eligible, redundancy):
        chosen.append(i)
        if len(chosen) >= k:
            break
    return sorted(chosen)


def select_words(
    texts: list[str],
    scores: np.ndarray,
    words: int,
    *,
    eligible: list[bool] | None = None,
    redundancy: float = 0.6,
    most: int = 200,
) -> list[int]:
    """The best sentences, as ``select``, until together they reach ``words`` words (at least one
    sentence, at most ``most``); doc order. A length in words, not sentences, so a summary of
    long sentences is not three times as long as one of short ones."""
    if words <= 0 or not texts:
        return []
    chosen: list[int] = []
    total = 0
    for i in _greedy(texts, scores, eligible, redundancy):
        chosen.append(i)
        total += len(texts[i].split())
        if total >= words or len(chosen) >= most:
            break
    return sorted(chosen)


def relevance(texts: list[str], query: str) -> np.ndarray:
    """Cosine similarity of each text to the query, in TF-IDF space (IDF over the texts)."""
    if not texts:
        return np.zeros(0, dtype=np.float32)
    vectors = _sparse(texts + [query])
    q = vectors[-1]
    return np.array([_cosine(v, q) for v in vectors[:-1]], dtype=np.float32)
