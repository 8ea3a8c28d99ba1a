"""The README's recording screenshot, called by ``make_screenshots.py --only recording``: a meeting
exported as Teams exports it (``product-sync-meeting.mp4`` with its captions
``product-sync-meeting.vtt`` beside it), summarized, and an action item's time citation clicked:
the source view shows the cited turn and its player strip plays the recording from a second
before it.

The recording is real sound: each caption line of the sample meeting spoken by espeak-ng at its
caption's time, written into an MP4 by PyAV (the recording tests' helpers). The digest is made
from the captions, not from a transcription: Whisper's weights cannot be downloaded where this
runs, and a random-weight Whisper writes no words worth showing. A recording's own digest cites
its times the same way, and its citations play the same way."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _meeting_recording(folder: Path) -> Path:
    """The sample meeting's captions beside an MP4 of them read aloud at their times."""
    import numpy as np

    from desktop.core.ingest import read_document
    from tests.core.ingest._recordings import RATE, speak, write

    captions = folder / "product-sync-meeting.vtt"
    shutil.copy(REPO / "resources" / "samples" / captions.name, captions)
    blocks = read_document(captions).blocks
    end = max(b.locator.end or 0.0 for b in blocks) + 2.0
    sound = np.zeros(int(end * RATE), dtype=np.int16)
    for block in blocks:
        voice = speak(block.text, wpm=190)
        at = int((block.locator.start or 0.0) * RATE)
        room = min(len(voice), len(sound) - at)
        sound[at:at + room] = voice[:room]
    return write(folder / "product-sync-meeting.mp4", sound)


def recording_shot(app, window, save, wait, settle) -> None:  # type: ignore[no-untyped-def]
    """11. A meeting's digest with an action item's time citation opened: its turn in the source
    view, the recording playing from that moment in the player strip below it."""
    folder = Path(os.environ["PRECIS_HOME"]) / "Teams exports"
    folder.mkdir()
    recording = _meeting_recording(folder)
    window.resize(1400, 860)
    window.tree.set_root(folder)
    window.model_picker.select("extractive")
    job = window.summarize([str(folder / "product-sync-meeting.vtt")]) or ""
    wait(app, lambda: (window.queue.job(job) is not None and window.queue.job(job).ended), timeout=120)
    window.follow(job)
    wait(app, lambda: window.digest_view.digest is not None and not window.source_view.loading)
    hrefs = window.digest_view.citation_hrefs()
    actions = [h for h in hrefs if h.startswith("cite:action_items/")]
    chosen = actions[0] if actions else hrefs[min(2, len(hrefs) - 1)]
    window.digest_view.activate_link(chosen)
    player = window.source_view.player
    wait(app, lambda: player.is_playing() and player.position_ms() > player.requested_ms + 1200, timeout=30)
    player.toggle()  # paused, so the picture shows where it was
    settle(app, 0.6)
    save(window, "recording.png")
    print(f"recording shot: {recording.name} from {player.requested_ms / 1000:.1f} s ({chosen})")
    window.resize(1280, 800)
