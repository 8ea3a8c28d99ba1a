"""Graph-based sentence ranking (TextRank with TF-IDF cosine similarity), numpy only.

The extractive engine's core and the model engine's fallback for degenerate outputs. Large
documents are ranked in windows of a few hundred sentences and the winners re-ranked, and
selection and query relevance use sparse vectors, so memory stays small and bounded whatever
the document's length (a dense document-wide TF-IDF matrix is tens of MB for a long report).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from desktop.ml.points.citations import content_words

_WINDOW = 400
_DAMPING = 0.85


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
    vectors = _sparse(texts)
    chosen: list[int] = []
    for i in np.argsort(-scores, kind="stable"):
        i = int(i)
        if eligible is not None and not eligible[i]:
            continue
        if any(_cosine(vectors[i], vectors[j]) > redundancy for j in chosen):
            continue
        chosen.append(i)
        if len(chosen) >= k:
            break
    return sorted(chosen)


def relevance(texts: list[str], query: str) -> np.ndarray:
    """Cosine similarity of each text to the query, in TF-IDF space (IDF over the texts)."""
    if not texts:
        return np.zeros(0, dtype=np.float32)
    vectors = _sparse(texts + [query])
    q = vectors[-1]
    return np.array([_cosine(v, q) for v in vectors[:-1]], dtype=np.float32)
