"""Furniture of mail: mailing-list footers and robots' instructions, unsubscribe text, mail
programs' boilerplate ("Sent from my iPhone", scrubbed attachments, a forward's header lines) and
legal disclaimers. The message reader already marks a list's "____ / x mailing list" footer and
"next part" lines as ``Role.FOOTER`` (``ingest/mailtext.py``); here they become furniture too,
so they are never model input, even for a message that has nothing else.
"""

from __future__ import annotations

import re

from desktop.core.document import Block, Role
from desktop.core.structure.furniture_pages import LEGAL, is_legal

LIST_FOOTER = "list footer"
MAIL_CLIENT = "mail client"

_LIST = re.compile(
    r"\bto unsubscribe\b|\bunsubscribe (?:from|here|at|by|send|link)\b|\bunsubscribe:|\bmailman/listinfo\b|/listinfo/|\bmailing list\b.{0,80}@|^\S+ mailing list$|"
    r"\byou (?:are )?receiv(?:ed|ing) this (?:message|e-?mail|because)\b|\bsubscribed to (?:the )?[\w.-]+ (?:group|list)\b|"
    r"\bto post to this group\b|\bfor more options,? visit\b|\bmanage your (?:subscription|settings)\b|"
    r"\b(?:update|change) your (?:e-?mail )?(?:preferences|subscription)\b|\bto stop receiving\b|"
    r"\bquestions about this (?:list|group)\b|\blist (?:info|archives?|owner)\b|"
    r"\bnext part\b|\battachment was scrubbed\b|\bnon-text attachment\b|"  # Mailman's archive (pipermail)
    # list robots' retrieval instructions (IETF announcements, majordomo, listserv)
    r"\banonymous ftp\b|\b(?:are|is) (?:also )?available by (?:mail|e-?mail|ftp)\b|\bdirectories are located at\b|\b(?:mailserv|majordomo|listserv)\b|"
    r"\bin the body(?: of (?:the|your) message)?,? (?:type|put|include|write|send)\b|\bmime[- ]compliant mail reader\b",
    re.IGNORECASE | re.MULTILINE,
)
_CLIENT = re.compile(
    r"^\s*(?:sent|envoy[ée]|gesendet|enviado|inviato|verzonden) (?:from|de|von|desde|da|vanaf) (?:my|mon|ma|meinem|mi|il mio|mijn) \w+|"
    r"^\s*sent from (?:mail|yahoo|outlook|gmail|aol|proton\s?mail)\b|^\s*get outlook for \w+|"
    r"\bvirus[- ]free\b|\b(?:checked|scanned) (?:for viruses|by)\b|"
    r"^\s*-{2,}\s*(?:forwarded|original) message\s*-{2,}\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_HEADER_LINE = re.compile(r"^\s*(?:-{2,}.*-{2,}|(?:from|to|cc|bcc|date|sent|subject|reply-to|resent-[\w-]+|"
                          r"message-id|x-[\w-]+)\s*:.*|\s*)$", re.IGNORECASE)
#: Boilerplate is a few lines; a long paragraph that mentions a mailing list is content.
_SHORT = 800


def marks(blocks: list[Block]) -> dict[int, str]:
    out: dict[int, str] = {}
    for i, block in enumerate(blocks):
        text = block.text
        if block.role is Role.FOOTER:
            out[i] = MAIL_CLIENT if _CLIENT.search(text) and not _LIST.search(text) else LIST_FOOTER
        elif block.role in (Role.HEADER, Role.HEADING, Role.QUOTE):
            continue  # the message's own headers, and what it quotes: context, shown with it
        elif len(text) <= _SHORT and _LIST.search(text):
            out[i] = LIST_FOOTER
        elif len(text) <= _SHORT and _CLIENT.search(text) and _only_boilerplate(text):
            out[i] = MAIL_CLIENT
        elif len(text) <= 2 * _SHORT and is_legal(text):
            out[i] = LEGAL
    return out


def is_boilerplate(text: str) -> bool:
    """One sentence of list, mail-program or legal boilerplate."""
    return bool(_LIST.search(text) or _CLIENT.search(text) or is_legal(text))


def _only_boilerplate(text: str) -> bool:
    """A forward's marker with its header lines, or a mail program's line with little else."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    rest = [ln for ln in lines if not _CLIENT.search(ln) and not _HEADER_LINE.match(ln)]
    return len(rest) <= 1 and sum(len(ln) for ln in rest) < 80
