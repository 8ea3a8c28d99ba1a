"""Furniture of meetings: procedure that carries no content.

Time-keeping ("you have thirty seconds"), the audio and video of a remote meeting ("can you hear
me", "please unmute", "press star 9"), calling the roll and to order, and the chair's rules of
speaking. A speaker turn is furniture when every sentence in it is procedure or a courtesy
("Thank you.", "Okay."); a turn that also says something keeps its content, and only its
procedure sentences are barred from becoming points and items (``sentence_is_furniture``).
"""

from __future__ import annotations

import re

from desktop.core.document import Block

PROCEDURE = "procedure"

_NUM = r"(?:\d+|a|an|one|two|three|four|five|ten|fifteen|twenty|thirty|forty-five|sixty|a few)"
_PROCEDURE = re.compile(
    "|".join([
        # time-keeping
        rf"\byou(?:'ll| will)? have (?:about |only |just |up to |another )?{_NUM} (?:more )?(?:seconds?|minutes?)\b",
        rf"\b{_NUM} (?:seconds?|minutes?) (?:left|remaining)\b",
        r"\b(?:your|the) time (?:is up|has (?:expired|ended|run out))\b|\btime has expired\b|\bout of time\b",
        r"\bplease (?:wrap|sum) (?:it )?up\b|\bkeep the queue open\b|\bthe time is \d{1,2}[:.]\d{2}\b",
        r"\blet'?s (?:go ahead (?:then )?and )?(?:finish|wrap) (?:it )?up\b|\bnot to (?:spend|take) too (?:much time|long)\b",
        r"\bfrom my time\b|\b(?:last|next|first) round of questions\b",
        # audio, video and the phone queue of a remote meeting
        r"\bcan (?:you|everyone|everybody|people|we) (?:all )?(?:hear|see) (?:me|us|my screen|the screen)\b",
        r"\b(?:you'?re|you are|still) (?:on )?mute[ds]?\b|\bun-?mute\b|\bmute (?:yourself|your (?:mic|microphone|line))\b",
        r"\bpress(?:ing)? star\b|\bstar (?:6|9|six|nine)\b|\braise (?:your|a) hand\b|\bhands? (?:up|raised)\b",
        r"\btake that hand\b|\bphone number ending in\b|\bcaller\b.{0,30}\bgo ahead\b",
        r"\byou(?:'re| are) (?:breaking up|frozen|cutting out)\b|\bI (?:can'?t|cannot) hear you\b",
        r"\byour (?:audio|video|mic|microphone|camera|connection|line) (?:is|was|seems)\b|\bnext slide\b",
        r"\b(?:share|sharing) (?:my|your|the) screen\b|\bvia video ?conference\b.*\b(?:seen|heard)\b",
        r"\b(?:english|french|floor) channel\b|\bparticipating (?:in person|virtually|remotely|by (?:video|phone))\b",
        # the roll, order, and the rules of speaking
        r"\bcall the roll\b|\broll call\b|\bquorum\b|\bclerk,? (?:please )?call\b",
        r"\b(?:meeting|session|briefing|hearing) (?:will )?(?:come|is called) to order\b|\bcall (?:this|the) meeting to order\b",
        r"\b(?:meeting|session) is (?:now )?adjourned\b|\bwe (?:are|stand) adjourned\b",
        r"\byou may (?:now )?(?:begin|proceed)\b|\bwait until I recognize you\b|\bthrough the chair\b",
        r"\bstanding orders?\b|\bpoint of order\b|\border (?:that was )?(?:agreed to|adopted) by the house\b",
        r"\bproceedings (?:will be|are being|are) (?:televised|broadcast|recorded)\b|\bmeeting is being recorded\b",
        r"\bif you wish to speak\b|\bwish(?:es)? to speak\b",
        # the clerk calling a member's vote: "... seconded by Councilmember Kalb, council member Fife?"
        r"\b(?:council ?member|commissioner|supervisor|trustee|director|senator|alderman|alderwoman)\s+[\w'.-]+\?$",
    ]),
    re.IGNORECASE,
)
_ROLL_ANSWER = re.compile(r"^(?:(?:council ?member|commissioner|member|senator|mr|ms|mrs|dr)\.?\s+[\w.'-]+[?,]?\s*)?"
                          r"(?:here|present|aye|nay|abstain)[.!]?$", re.IGNORECASE)
_COURTESY = re.compile(r"^(?:thank you|thanks|okay|ok|all right|alright|good (?:morning|afternoon|evening)|hi|hello|"
                       r"yes|yeah|great|perfect|sure|right|so)\b[^.!?]{0,40}[.!?]?$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
#: A name the clerk calls ("JUAREZ?", "Council President Gonzalez?"), known by the answer after it.
_CALLED = re.compile(r"^[^\W\d_][\w'.-]*(?:\s+[^\W\d_][\w'.-]*){0,3}\?$")


#: An agenda's or a notice's rules for the public, in any document: "If you would like to address the
#: Board during Public Comments ... fill out a comment card", "each speaker will be allotted three minutes".
_SPEAKING_RULES = re.compile(
    r"\b(?:may|wish(?:es|ing)? to|would like to|opportunity to|to) address the (?:board|council|committee|commission)\b|"
    r"\bcomment cards?\b|\bspeaker cards?\b|\bcomments? (?:will|shall) be limited\b|\beach speaker\b|"
    r"\b(?:time|minutes) (?:allotted|allocated)\b|\b(?:allotted|allocated) (?:time|\w+ \(?\d+\)? minutes)\b|"
    r"\blimit the total (?:amount of )?time\b|\bturn off (?:your )?(?:cell ?phones?|mobile phones?|phones?)\b|"
    r"\brefrain from any response\b",
    re.IGNORECASE,
)


def is_speaking_rule(sentence: str) -> bool:
    return bool(_SPEAKING_RULES.search(sentence))


def is_procedure(sentence: str) -> bool:
    text = sentence.strip()
    return bool(_PROCEDURE.search(text) or _ROLL_ANSWER.match(text) or _SPEAKING_RULES.search(text))


def marks(blocks: list[Block]) -> dict[int, str]:
    """Speaker turns that are procedure and courtesies only."""
    out: dict[int, str] = {}
    for i, block in enumerate(blocks):
        sentences = [s for s in _SENTENCE_END.split(" ".join(block.text.split())) if s]
        procedure = [s for s in sentences if is_procedure(s)]
        if procedure and all(is_procedure(s) or _courtesy(s) for s in sentences):
            out[i] = PROCEDURE
    for i, block in enumerate(blocks[:-1]):
        if i not in out and _CALLED.match(block.text.strip()) and _ROLL_ANSWER.match(blocks[i + 1].text.split(".")[0] + "."):
            out[i] = PROCEDURE
    return out


def _courtesy(sentence: str) -> bool:
    return len(sentence.split()) < 3 or bool(_COURTESY.match(sentence))
