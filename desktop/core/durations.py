"""How long something took and how long it has left, in the same words everywhere: the window's
queue row, digest header, status bar, model manager and fine-tune panel, and the CLI's progress."""

from __future__ import annotations


def duration(seconds: float) -> str:
    """"40 s", "3 min", "2 h 1 min": minutes once past one, hours once past sixty."""
    if seconds < 60:
        return f"{round(seconds)} s"
    if seconds < 3600:
        return f"{round(seconds / 60.0)} min"
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours} h {rest // 60} min"


def eta(seconds: float) -> str:
    """A time left without the frame: "a few seconds", "40 s" (in steps of 5 s), "3 min"; "" when
    unknown (negative)."""
    if seconds < 0:
        return ""
    if seconds < 5:
        return "a few seconds"
    if seconds < 60:
        return f"{round(seconds / 5.0) * 5} s"
    return duration(seconds)


def time_left(seconds: float) -> str:
    """"about 40 s left", "about 3 min left", "a few seconds left"; "" when unknown (negative)."""
    left = eta(seconds)
    if not left:
        return ""
    return f"{left} left" if seconds < 5 else f"about {left} left"


def stage_text(stage: str, eta_s: float | None = None) -> str:
    """"Transcribing 12:30 of 58:00 · about 3 min left": a job's stage as the digest header and the
    status bar say it, capitalised, with the time left when it is known."""
    text = stage + (f" · {time_left(eta_s)}" if eta_s is not None and eta_s >= 1 else "")
    return text[:1].upper() + text[1:]
