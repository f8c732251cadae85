"""What a run was told to ask its user before acting, and the actions its model asked for without the user's yes,
for the rule `unconfirmed_action` (`rules/consent.py`).

- **The instruction**: the first sentence of a request's system prompt (a message of role `system` or `developer`,
  Anthropic's `system`, the Responses API's `instructions`, Gemini's `systemInstruction`) that asks for a user's
  confirmation before an action: it names a confirmation (`ASKS`: confirm, approval, consent, permission), a user
  (`WHO`: user, customer, client, ...) and a requirement (`MUST`: must, always, before, only after, without, ...).
  A request is decoded to look for it only when its bytes hold one of `ASK_MARKS`.
- **An action**: a tool an answer asked for whose name's first word (`words.py`: split at `_`, `-`, `.`, spaces and
  changes of case) the instruction holds as a word (`cancel_pending_order` under "before you cancel or modify an
  order, ..."; the rule is then `medium` sure), else is one of `ACTION_WORDS`, verbs that change the world (`low`).
- **The user's yes**: the last message of role `user` in the request whose answer asked for the action (a message
  holding only tool results is not one), when it says yes (`YES`: "yes", "confirm", "go ahead", "proceed", ...) and
  does not open with a no (`NO`). Once the instruction is known, each later request's last user message is read.

An action asked for with no such yes is unconfirmed. At most `MAX_NOTED` are kept of a run; all are counted.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Optional

from ....transport.apis.values import items
from .messages import MESSAGE_LISTS, SYSTEM_KEYS, texts
from .words import words

if TYPE_CHECKING:
    from .steps import Step

MAX_NOTED = 16  # unconfirmed actions kept of a run (all are counted)
ASK_MARKS = (b"onfirm", b"ONFIRM", b"pproval", b"onsent", b"ermission")
ASKS = re.compile(r"\b(?:confirm\w*|approv\w*|consent\w*|permission)\b", re.IGNORECASE)
WHO = re.compile(r"\b(?:users?|customers?|clients?|humans?|callers?|requesters?)\b", re.IGNORECASE)
MUST = re.compile(r"\b(?:must|always|required?|requires|need to|needs to|have to|has to|only after|before|without"
                  r"|never|do not|don't)\b", re.IGNORECASE)
SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
ACTION_WORDS = frozenset({"cancel", "delete", "remove", "modify", "update", "change", "book", "buy", "purchase", "pay",
                          "charge", "refund", "return", "exchange", "submit", "place", "reset", "close", "send"})
YES = re.compile(r"\b(?:yes|yeah|yep|yup|sure|ok|okay|confirm|confirmed|confirming|go ahead|proceed|please do|do it"
                 r"|correct|that's right|sounds good|affirmative)\b")
NO = re.compile(r"^\W*(?:no|nope|not|don't|do not|wait|stop|hold on|never mind)\b")
SENTENCE_CHARS = 400  # the instruction's sentence kept
SAID_CHARS = 400  # the user's last words kept of an unconfirmed action


class Unconfirmed:
    """An action an answer asked for with no yes from the user before it."""

    __slots__ = ("asked", "tool", "user_said", "named")

    def __init__(self, asked: Step, tool: str, user_said: Optional[str], named: bool):
        self.asked, self.tool, self.user_said, self.named = asked, tool, user_said, named


class AskBeforeActing:
    """A run's instruction to ask before acting (`rule`, first carried by `told`), the user's last words of each
    open LLM call's request, and the actions asked for without a yes (`unconfirmed`, first MAX_NOTED; `count`)."""

    __slots__ = ("rule", "told", "said", "unconfirmed", "count")

    def __init__(self) -> None:
        self.rule: Optional[str] = None
        self.told: Optional[Step] = None
        self.said: dict[str, Optional[str]] = {}  # open LLM span id -> its request's last user message
        self.unconfirmed: list[Unconfirmed] = []
        self.count = 0

    def wants(self, marked: int) -> bool:
        """Whether an LLM call's request is to be read: it may hold the instruction (`marked`: its raw JSON holds
        one of `ASK_MARKS`, `request_marks.CONSENT`), or the run has one."""
        return self.rule is not None or bool(marked)

    def request(self, step: Step, body: Optional[dict[str, Any]]) -> None:
        """An LLM call's request, decoded (`messages.request_of`; `wants` said to): the instruction when the run
        has none yet, the user's last words once it has one."""
        if body is None:
            return
        if self.rule is None:
            self.rule = next((found for text in _systemtexts(body) if (found := instruction_in(text))), None)
            if self.rule is None:
                return
            self.told = step
        self.said[step.span_id] = last_user_text(body)

    def answered(self, step: Step) -> None:
        """An LLM call's end: each action its answer asked for without the user's yes is unconfirmed."""
        if self.rule is None or step.span_id not in self.said:
            return
        user_said = self.said.pop(step.span_id)
        if user_said is not None and says_yes(user_said):
            return
        ruled = set(words(self.rule))
        for ask in step.asked:
            first = next(iter(words(ask.name)), "")
            named = first in ruled
            if named or first in ACTION_WORDS:
                self.count += 1
                if len(self.unconfirmed) < MAX_NOTED:
                    self.unconfirmed.append(Unconfirmed(step, ask.name, user_said and user_said[:SAID_CHARS], named))


def instruction_in(text: str) -> Optional[str]:
    """The first sentence of `text` that asks for a user's confirmation before acting (cut), else None.

    >>> instruction_in("Be brief. Before you cancel an order you must obtain explicit user confirmation (yes).")
    'Before you cancel an order you must obtain explicit user confirmation (yes).'
    >>> instruction_in("The booking tool returns a confirmation number.") is None
    True
    """
    for sentence in SENTENCES.split(text):
        if ASKS.search(sentence) and WHO.search(sentence) and MUST.search(sentence):
            return sentence.strip()[:SENTENCE_CHARS]
    return None


def says_yes(text: str) -> bool:
    """Whether a user's message confirms: it says yes and does not open with a no.

    >>> says_yes("Yes, please go ahead."), says_yes("No, wait."), says_yes("I want to cancel order #W1.")
    (True, False, False)
    """
    said = text.casefold().replace("\u2019", "'")
    return bool(YES.search(said)) and not NO.search(said)


def last_user_text(body: dict[str, Any]) -> Optional[str]:
    """The text of the request's last message of role `user` that holds text (tool results are no user's words);
    a Responses API `input` given as text is the user's."""
    said = body.get("input") if isinstance(body.get("input"), str) else None  # the Responses API's input as text
    for key in MESSAGE_LISTS:
        for message in items(body.get(key)):
            if message.get("role") == "user":
                text = " ".join(texts(message.get("content", message.get("parts"))))
                said = text if text.strip() else said
    return said


def _systemtexts(body: dict[str, Any]) -> list[str]:
    found = [said for key in SYSTEM_KEYS for said in texts(body.get(key))]
    for key in MESSAGE_LISTS:
        for message in items(body.get(key)):
            if message.get("role") in ("system", "developer"):
                found.extend(texts(message.get("content", message.get("parts"))))
    return found


