"""Turn an email body into roles: what the sender wrote, what they quoted, and their signature.

Quoted history and signatures are kept (the source view shows them, citations can point at
them) but marked ``Role.QUOTE`` / ``Role.SIGNATURE`` so a summary is built from the new text.
The rules are the common conventions of mail clients; see
https://datatracker.ietf.org/doc/html/rfc3676#section-4.3 for the "-- " signature delimiter.
"""

from __future__ import annotations

import re

from desktop.core.document import Role

_QUOTED = re.compile(r"^[ \t]*>")
_QUOTE_MARKS = re.compile(r"^[ \t]*(?:>[ \t]?)+")
_SIG_DELIMITER = re.compile(r"^--[ \t]?$")
_RULE = re.compile(r"^[ \t]*_{5,}[ \t]*$")
_NEXT_PART = re.compile(r"^-{5,}[ \t]*next part[ \t]*-{5,}[ \t]*$", re.IGNORECASE)
_ORIGINAL = re.compile(
    r"^[ \t>]*-{2,}[ \t]*(?:original message|ursprüngliche nachricht|message d'origine|mensaje original|"
    r"messaggio originale|oorspronkelijk bericht|mensagem original|reply message)[ \t]*-{2,}",
    re.IGNORECASE,
)
_FORWARD_MARK = re.compile(r"^[ \t]*-{2,}[ \t]*(?:forwarded message|begin forwarded|weitergeleitete)|^Begin forwarded", re.IGNORECASE)
_HDR_FROM = re.compile(r"^[ \t*]*(?:from|von|de|da|van|från|od)[ \t*]*:[ \t*]*\S", re.IGNORECASE)
_HDR_SENT = re.compile(r"^[ \t*]*(?:sent|date|gesendet|datum|envoyé|enviado|inviato|verzonden|skickat)[ \t*]*:", re.IGNORECASE)
_HDR_OTHER = re.compile(r"^[ \t*]*(?:to|subject|an|betreff|à|objet|para|asunto|cc)[ \t*]*:", re.IGNORECASE)
_WROTE = re.compile(
    r"(?:wrote|writes|schrieb|a écrit|escribió|ha scritto|schreef|skrev|napisał|escreveu)[ \t]*:[ \t]*$", re.IGNORECASE
)
_VERB = re.compile(
    r"\b(?:wrote|writes|schrieb|a écrit|escribió|ha scritto|schreef|skrev|napisał|escreveu)\b", re.IGNORECASE
)
_ON_LINE = re.compile(r"^[ \t]*(?:On|Am|Le|El|Il|Op|Em|Den|På)\b", re.IGNORECASE)
_SIGN_OFF = re.compile(
    r"^[ \t]*(?:(?:(?:best|kind|warm|warmest|many|with)[ \t]+)?regards|best(?: wishes)?|rgds|cheers|"
    r"(?:many )?thanks(?: again| a lot| so much)?|thank you|sincerely(?: yours)?|yours(?: truly| sincerely)?|"
    r"all the best|cordialement|bien à vous|mit freundlichen grüßen|viele grüße|(?:liebe |beste )?grüße|"
    r"saludos|un saludo|atentamente|cordiali saluti|met vriendelijke groet(?:en)?|hälsningar)[ \t]*[,.!]?[ \t]*$",
    re.IGNORECASE,
)

Segment = tuple[Role, str]
#: Markers, rules, sign-offs and header lines are short; longer lines are text and skip those checks.
_SHORT = 300


def split_body(text: str, *, forwarded: bool = False) -> list[Segment]:
    """Split a plain-text body into (role, text) segments in reading order.

    ``forwarded`` (the subject starts with Fwd:/FW:) keeps an Outlook header block as content:
    in a forward it introduces the message the sender wants read, not history.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    roles: list[Role | None] = [None] * len(lines)
    _mark_quotes(lines, roles)
    cut = _history_start(lines, roles, forwarded)
    for i in range(cut, len(lines)):
        roles[i] = Role.QUOTE
    _mark_footers_and_signatures(lines, roles, cut)
    return _segments(lines, roles)


def _mark_quotes(lines: list[str], roles: list[Role | None]) -> None:
    """'>' lines, blank lines between them, and the attribution line just above them."""
    n = len(lines)
    i = 0
    while i < n:
        if not _QUOTED.match(lines[i]):
            i += 1
            continue
        start = i
        while i < n and (_QUOTED.match(lines[i]) or (not lines[i].strip() and _next_is_quote(lines, i))):
            roles[i] = Role.QUOTE
            i += 1
        _mark_attribution(lines, roles, start)


def _next_is_quote(lines: list[str], i: int) -> bool:
    for j in range(i + 1, min(len(lines), i + 3)):
        if lines[j].strip():
            return bool(_QUOTED.match(lines[j]))
    return False


def _mark_attribution(lines: list[str], roles: list[Role | None], start: int) -> None:
    j = start - 1
    while j >= 0 and j >= start - 3 and not lines[j].strip():
        j -= 1
    if j < 0 or roles[j] is not None or _QUOTED.match(lines[j]):
        return
    line = lines[j].rstrip()
    if not line.endswith(":") or len(line) > 250:
        return
    attribution = bool(_WROTE.search(line)) or bool(re.search(r"@|\bat\b.*\.\w|\d{4}", line))
    if not attribution:
        return
    _fill(roles, j, start, Role.QUOTE)  # the attribution and the blank lines before the quote
    # "On Sat, 14 Nov 2015, Andy Grunwald\nwrote:" is wrapped over two lines.
    if j > 0 and lines[j - 1].strip() and roles[j - 1] is None and _ON_LINE.match(lines[j - 1]) and len(line) < 60:
        roles[j - 1] = Role.QUOTE


def _history_start(lines: list[str], roles: list[Role | None], forwarded: bool) -> int:
    """Index where top-posted history begins ("-----Original Message-----", an Outlook header
    block, or "On ... wrote:" followed by unmarked text), else len(lines)."""
    n = len(lines)
    free_after = [False] * (n + 1)  # free_after[k]: an unmarked, non-blank line at k or later
    for k in range(n - 1, -1, -1):
        free_after[k] = free_after[k + 1] or (roles[k] is None and bool(lines[k].strip()))
    for i, line in enumerate(lines):
        if roles[i] is not None or not line.strip() or len(line) > _SHORT:
            continue
        if _ORIGINAL.match(line):
            return _include_rule_above(lines, i)
        if not forwarded and _HDR_FROM.match(line) and _header_block(lines, i) and not _after_forward_mark(lines, i):
            return _include_rule_above(lines, i)
        if _ON_LINE.match(line):
            end = i if line.rstrip().endswith(":") else i + 1 if i + 1 < n and lines[i + 1].rstrip().endswith(":") else -1
            attribution = " ".join(lines[i:end + 1]) if end >= 0 else ""
            # Clients always put a date or an address in it; "On reflection, I wrote:" has neither.
            if (attribution and len(attribution) < 300 and _VERB.search(attribution)
                    and re.search(r"\d|@", attribution) and free_after[end + 1]):
                return i
    return n


def _header_block(lines: list[str], i: int) -> bool:
    window = lines[i + 1:i + 8]
    return any(_HDR_SENT.match(ln) for ln in window) and any(_HDR_OTHER.match(ln) for ln in window)


def _after_forward_mark(lines: list[str], i: int) -> bool:
    return any(_FORWARD_MARK.match(ln) for ln in lines[max(0, i - 3):i])


def _include_rule_above(lines: list[str], i: int) -> int:
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    return j if j >= 0 and _RULE.match(lines[j]) else i


def _mark_footers_and_signatures(lines: list[str], roles: list[Role | None], cut: int) -> None:
    """List footers, '-- ' signatures, '____' signatures and sign-offs ("Regards,\\nName")."""
    for start, end in _free_runs(roles, cut):
        i = start
        while i < end:
            line = lines[i]
            if len(line) > _SHORT:
                i += 1
                continue
            if _NEXT_PART.match(line) or (_RULE.match(line) and _mentions_list(lines, i, end)):
                _fill(roles, i, end, Role.FOOTER)
                break
            if _SIG_DELIMITER.match(line) and _short_tail(lines, i + 1, end, 30):
                _fill(roles, i, end, Role.SIGNATURE)
                break
            if _RULE.match(line) and i > start and _short_tail(lines, i + 1, end, 15):
                _fill(roles, i, end, Role.SIGNATURE)
                break
            i += 1
    for start, end in _free_runs(roles, cut):
        for i in range(start, end):
            if len(lines[i]) < 60 and _SIGN_OFF.match(lines[i]) and i > start and _short_tail(lines, i + 1, end, 5, 50):
                _fill(roles, i, end, Role.SIGNATURE)
                break


def _free_runs(roles: list[Role | None], cut: int) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    i = 0
    while i < cut:
        if roles[i] is not None:
            i += 1
            continue
        start = i
        while i < cut and roles[i] is None:
            i += 1
        runs.append((start, i))
    return runs


def _mentions_list(lines: list[str], i: int, end: int) -> bool:
    return any("mailing list" in ln.lower() for ln in lines[i + 1:min(end, i + 3)])


def _short_tail(lines: list[str], start: int, end: int, max_lines: int, max_width: int | None = None) -> bool:
    """Between 1 and ``max_lines`` non-blank lines follow, none wider than ``max_width``."""
    tail = [ln for ln in lines[start:end] if ln.strip()]
    return 0 < len(tail) <= max_lines and (max_width is None or all(len(ln) <= max_width for ln in tail))


def _fill(roles: list[Role | None], start: int, end: int, role: Role) -> None:
    for k in range(start, end):
        roles[k] = role


def _segments(lines: list[str], roles: list[Role | None]) -> list[Segment]:
    """Paragraphs split at blank lines; each quote, signature or footer run stays one segment."""
    out: list[Segment] = []
    i, n = 0, len(lines)
    while i < n:
        role = roles[i] or Role.PARAGRAPH
        j = i
        while j < n and (roles[j] or Role.PARAGRAPH) == role and (role != Role.PARAGRAPH or lines[j].strip()):
            j += 1
        chunk = lines[i:j] if j > i else [lines[i]]
        if role == Role.QUOTE:
            chunk = [_QUOTE_MARKS.sub("", ln) for ln in chunk]
        text = _tidy(chunk)
        if text:
            out.append((role, text))
        i = max(j, i + 1)
    return out


def _tidy(chunk: list[str]) -> str:
    lines = [ln.rstrip() for ln in chunk]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    out: list[str] = []
    for ln in lines:
        if ln.strip() or (out and out[-1].strip()):
            out.append(ln if ln.strip() else "")
    return "\n".join(out).strip("\n")


def undouble_spacing(text: str) -> str:
    """Outlook's plain-text rendering of Word HTML puts an empty line after every line and marks
    real paragraph breaks with a line holding one space; undo that so paragraphs are paragraphs."""
    lines = text.replace("\r\n", "\n").split("\n")
    content = [i for i, ln in enumerate(lines) if ln.strip()]
    if len(content) < 8 or not any(ln and not ln.strip() for ln in lines):
        return text
    doubled = sum(1 for i in content if i + 1 < len(lines) and lines[i + 1] == "")
    if doubled < 0.9 * len(content):
        return text
    paragraphs: list[list[str]] = [[]]
    for ln in lines:
        if ln == "":
            continue
        if not ln.strip():
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        paragraphs[-1].append(ln)
    return "\n\n".join("\n".join(p) for p in paragraphs if p)
