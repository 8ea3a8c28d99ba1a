"""Rendering a digest: Markdown whose cite: links lead back to the right point and source, plain
text without markup, and the documented JSON shape."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from desktop.core.digest import Digest, DocumentSummary, Point, Source
from desktop.core.document import Locator
from desktop.core.render import citation_labels, parse_cite_href, to_json, to_markdown, to_text
from desktop.ml.engine.job import JobSpec, run_job

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
LINK = re.compile(r"\[([^\]]+)\]\((cite:[^)]+)\)")


def _src(path: str, doc: str, **loc: object) -> Source:
    return Source(path, Locator(**loc), doc, excerpt="…")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def sample_digest() -> Digest:
    """A real digest: the extractive engine on the sample meeting and email thread."""
    spec = JobSpec(paths=[str(SAMPLES / "product-sync-meeting.vtt"), str(SAMPLES / "office-move-thread.eml")],
                   engine="extractive")
    return run_job(spec).digest


def _handmade() -> Digest:
    report = "/docs/report.pdf"
    return Digest(
        title="Quarterly review",
        overview="Revenue grew; the move is planned.",
        points=[
            Point("Revenue grew 12%.", [_src(report, "report.pdf", page=3), _src(report, "report.pdf", page=4),
                                        _src(report, "report.pdf", page=5)]),
            Point("Tom fixes the crash.", [_src("/m.vtt", "m.vtt", start=27.5, end=36.0, speaker="Tom"),
                                           _src(report, "report.pdf", page=9)]),
        ],
        action_items=[Point("Write the help article", [_src("/m.vtt", "m.vtt", start=64.5, end=72.0, speaker="Priya")],
                            owner="Aiko", due="Friday")],
        documents=[DocumentSummary(report, "report.pdf", "pdf", "Report", "Revenue grew.", {"type": "report"}),
                   DocumentSummary("/m.vtt", "m.vtt", "transcript", "Sync", "A sync.", {"type": "meeting"}, ["Audio gap."])],
        warnings=["One file was skipped."],
        errors=[{"path": "/bad.pdf", "error": "CorruptFile", "message": "bad.pdf looks damaged."}],
        stats={"chunks": 3, "seconds": 1.5, "cache_hits": 2},
        engine="flan-t5 (tiny)",
    )


def _check_links(digest: Digest, markdown: str) -> int:
    links = 0
    for line in markdown.splitlines():
        for label, href in LINK.findall(line):
            parsed = parse_cite_href(href)
            assert parsed is not None, href
            section, point, source = parsed
            pt = getattr(digest, section)[point]
            src = pt.sources[source]
            assert pt.text in line or (pt.owner and pt.owner in line)
            assert src.document in label or src.locator.label() in label, (label, src)
            links += 1
    return links


def test_markdown_links_resolve_to_their_point_and_source() -> None:
    digest = _handmade()
    md = to_markdown(digest, links=True)
    assert _check_links(digest, md) == 4  # pages 3-5 collapse into one link
    assert "[report.pdf, pp. 3–5](cite:points/0/0)" in md
    assert "[m.vtt, 00:00:27–00:00:36, Tom](cite:points/1/0)" in md
    assert "[report.pdf, p. 9](cite:points/1/1)" in md
    assert "**Aiko**: Write the help article (due Friday)" in md
    assert "## Notes" in md and "/bad.pdf: bad.pdf looks damaged." in md
    assert "> ⚠ Audio gap." in md


def test_markdown_of_a_real_digest_round_trips(sample_digest: Digest) -> None:
    md = to_markdown(sample_digest, links=True)
    assert _check_links(sample_digest, md) >= len(sample_digest.all_points())
    # Without links, citations are plain references in parentheses.
    plain = to_markdown(sample_digest)
    assert "cite:" not in plain and "(product-sync-meeting.vtt, 00:" in plain


def test_citation_labels_say_the_document_once_per_run() -> None:
    sources = [_src("/a.vtt", "a.vtt", start=1.0, end=2.0, speaker="Ann"), _src("/a.vtt", "a.vtt", start=5.0, speaker="Bo"),
               _src("/b.eml", "b.eml", message=2, sender="Cy")]
    assert citation_labels(sources) == [(0, "a.vtt, 00:00:01–00:00:02, Ann"), (1, "00:00:05, Bo"), (2, "b.eml, message 2, Cy")]
    assert parse_cite_href("https://example.org") is None
    assert parse_cite_href("cite:points/x/1") is None


def test_plain_text_has_no_markup(sample_digest: Digest) -> None:
    text = to_text(sample_digest)
    assert "**" not in text and "](" not in text and "#" not in text
    lines = text.splitlines()
    assert lines[0] == sample_digest.title and set(lines[1]) == {"="}
    assert "Action items" in lines and "Deadlines" in lines


def test_json_has_the_documented_keys(sample_digest: Digest) -> None:
    data = json.loads(to_json(sample_digest))
    assert {"title", "overview", "points", "documents", "stats"} <= set(data)
    assert isinstance(data["title"], str) and data["title"] and data["overview"]
    assert data["points"]
    for point in data["points"] + data["action_items"] + data["asks"]:
        assert isinstance(point["text"], str) and point["text"]
        assert point["sources"]
        for source in point["sources"]:
            assert {"path", "locator"} <= set(source) and isinstance(source["locator"], dict)
            assert Path(source["path"]).name in {"product-sync-meeting.vtt", "office-move-thread.eml"}
    assert [Path(d["path"]).name for d in data["documents"]] == ["product-sync-meeting.vtt", "office-move-thread.eml"]
    assert all(d["summary"] for d in data["documents"])
    assert {"chunks", "seconds", "cache_hits"} <= set(data["stats"])
    meeting_source = data["points"][0]["sources"][0]["locator"]
    assert {"start", "end", "speaker"} <= set(meeting_source)
    assert data["documents"][1]["labels"]["type"] == "business mail"


def test_json_round_trips_to_an_equal_digest(sample_digest: Digest) -> None:
    for digest in (sample_digest, _handmade()):
        again = Digest.from_dict(json.loads(to_json(digest)))
        assert again.to_dict() == digest.to_dict()
