"""HTML email bodies as plain text: inscriptis for the layout, nothing fetched, quotes kept as quotes,
what the mail client would not show (web/hidden.py) left out."""

from __future__ import annotations

import html as html_lib
import re

from inscriptis import Inscriptis
from inscriptis.model.config import ParserConfig
from lxml import etree
from lxml import html as lxml_html

from desktop.core.ingest.web.hidden import drop_hidden

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]{0,500}\?>")
_HIDDEN = re.compile(r"<(script|style|head)\b", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,2000}>")
_WORD_CHAR = re.compile(r"\w")
_CONFIG = ParserConfig(annotation_rules={"blockquote": ["quote"]})


def html_to_text(html: str) -> str:
    """Readable text from an HTML body: scripts, styles and the head dropped, no image or link
    fetched, and ``<blockquote>`` lines prefixed with '> ' so quoted replies are recognised."""
    if not html.strip():
        return ""
    stripped = strip_tags(html)
    try:
        # lxml's HTML parser loads no DTD and no external entity (no_network is its default).
        tree = lxml_html.document_fromstring(_XML_DECLARATION.sub("", html.strip()))
        # What the mail client would not show (a preheader, a tracking block) is not the message.
        dropped = drop_hidden(tree)
        engine = Inscriptis(tree, _CONFIG)
        text = engine.get_text()
        spans = [(a.start, a.end) for a in engine.get_annotations()]
    except (etree.ParserError, ValueError, RecursionError):
        return stripped
    # libxml2 drops what lies deeper than 256 nested elements; then the plain strip says more.
    if len(_WORD_CHAR.findall(text)) + dropped < 0.5 * len(_WORD_CHAR.findall(stripped)):
        return stripped
    return _prefix_quotes(text, spans) if spans else text


def strip_tags(html: str) -> str:
    """Tags out, entities decoded, script/style/head contents dropped: the fallback when the
    parser gives up. One pass over the text, however many unclosed <script> tags it holds."""
    kept: list[str] = []
    lower = html.lower()
    pos = 0
    while (match := _HIDDEN.search(html, pos)) is not None:
        kept.append(html[pos:match.start()])
        close = lower.find(f"</{match.group(1).lower()}", match.end())
        end = html.find(">", close) if close >= 0 else -1
        if end < 0:
            pos = len(html)
            break
        pos = end + 1
    kept.append(html[pos:])
    text = _TAG.sub(" ", "".join(kept))
    lines = (" ".join(line.split()) for line in html_lib.unescape(text).splitlines())
    return "\n".join(line for line in lines if line)


def _prefix_quotes(text: str, spans: list[tuple[int, int]]) -> str:
    """Prefix every line that overlaps a quote span; one sweep over sorted spans."""
    spans = sorted(spans)
    out: list[str] = []
    pos = k = 0
    for line in text.split("\n"):
        end = pos + len(line)
        while k < len(spans) and spans[k][1] <= pos:
            k += 1
        quoted = bool(line.strip()) and k < len(spans) and spans[k][0] < end
        out.append("> " + line.strip() if quoted else line)
        pos = end + 1
    return "\n".join(out)
