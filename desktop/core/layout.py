"""A digest shaped by its template (``prompting/templates.py``): only the template's sections, in
its order, under its titles, each cut to its length; rendered by ``layout_markdown``."""

from __future__ import annotations

from desktop.core.digest import Digest
from desktop.core.prompting.sentences import split_sentences
from desktop.core.prompting.templates import ITEM_SECTIONS, DigestTemplate


def apply_template(digest: Digest, template: DigestTemplate) -> Digest:
    """Shape ``digest`` in place (and return it). Sections the template leaves out are emptied; a
    section with a length keeps that many points or items, or that many words of whole sentences."""
    wanted = {s.id: s for s in template.sections}
    for name in ("points", *ITEM_SECTIONS):
        section = wanted.get(name)
        if section is None:
            setattr(digest, name, [])
        elif section.length:
            setattr(digest, name, getattr(digest, name)[: section.length])
    overview = wanted.get("overview")
    if overview is None:
        digest.overview = ""
    elif overview.length:
        digest.overview = cut_words(digest.overview, overview.length)
    documents = wanted.get("documents")
    for doc in digest.documents:
        if documents is not None and documents.length:
            doc.summary = cut_words(doc.summary, documents.length)
    digest.layout = [{"id": s.id, "title": s.title} for s in template.sections]
    digest.template = template.id
    return digest


def cut_words(text: str, words: int) -> str:
    """Whole sentences up to ``words`` words (at least the first sentence, cut at ``words``)."""
    out: list[str] = []
    count = 0
    for sentence in split_sentences(text):
        n = len(sentence.split())
        if out and count + n > words:
            break
        out.append(sentence if n <= words else " ".join(sentence.split()[:words]) + "…")
        count += n
    return " ".join(out)
