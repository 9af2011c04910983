"""Recognise opt-out (STOP), opt-in (START) and HELP messages in patients' replies.

Consent may be revoked "in any reasonable manner" (FCC 24-24), so plain-language revocations in
English and Spanish count as STOP, not only Twilio's single words. The opposite mistake matters
too: patients describe symptoms with the same words ("the pain won't stop"), and a reply wrongly
read as STOP silences a patient who may need help. The rule, in order:

1. Whole-message keywords. After normalisation (case, accents, punctuation, "opt-out" = "opt
   out") the message must consist only of keywords plus politeness words ("STOP please",
   "stop!!", "Please stop"); STOP wins over START in a mix. A keyword inside a longer
   sentence is not a keyword ("end of the day it hurts", "quit my job", "cancel my
   appointment"). Deliberately no "I want to ..." filler:
   "I want to end it" is a possible self-harm statement and must reach a human.
2. Revocation phrases, matched as whole words anywhere: wording about texts, messages, contact
   or lists ("please stop texting me", "take me off your list", "dejen de escribirme"), which
   symptoms do not use. A negation right before the phrase vetoes it ("please don't stop
   texting me", "no dejen de escribirme").
3. A first sentence that is a bare STOP keyword ("Stop. Wrong number.") counts, unless the rest
   of the message talks about pain or symptoms ("Stop! It hurts so much"): then it is NONE, and
   the caller's free-text path brings it to a human, who can still record the opt-out.

START is only START, UNSTOP, and YES when the number is opted out (Twilio's opt-in words: a YES
from a subscribed patient is a survey answer). SUBSCRIBE and Spanish words are not opt-ins: if
our suppression list re-opened on a word Twilio does not honour, we would send into Twilio's
block (error 21610) while believing the patient was reachable.

HELP is a bare HELP, INFO or AYUDA (CTIA's help keywords), nothing added. "help me", "help
please" and "help, I can't breathe" are NONE on purpose: those are possible emergencies for the
red-flag path, not requests for the programme's contact details.
"""

from __future__ import annotations

import enum
import re
import unicodedata


class Keyword(enum.Enum):
    STOP = "stop"
    START = "start"
    HELP = "help"
    NONE = "none"


_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`\u00b4]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_SENTENCE_END = re.compile(r"[.!?;\n]+")


def _normalise(text: str) -> str:
    """ "Don't TEXT me!" -> "dont text me"; "OPT-OUT" -> "opt out"; "envíen" -> "envien"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", _APOSTROPHES.sub("", stripped)).split())


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _table(*phrases: str) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(_normalise(p).split()) for p in phrases)


# Twilio's default opt-out words plus their obvious spellings and Spanish equivalents. "alto"
# ("high") and "baja" ("low") are left out: alone they are plausible answers about pain.
STOP_WORDS = _table(
    "stop", "stopall", "stop all", "stop it", "unsubscribe", "unsubscribe me", "cancel",
    "end", "quit", "revoke", "optout", "opt out", "opt me out", "remove me", "wrong number",
    "basta", "cancelar", "parar", "detener", "no mas mensajes", "no mas textos",
    "numero equivocado",
)  # fmt: skip
# Only these open a longer message ("Stop. Wrong number."): "Cancel. I'll call to reschedule"
# is about an appointment, "End." before a story is not a revocation.
STOP_FIRST_SENTENCE = _table(
    "stop", "stopall", "stop all", "unsubscribe", "revoke", "optout", "opt out"
)
START_WORDS = _table("start", "unstop")
START_WHEN_OPTED_OUT = _table("yes")
HELP_WORDS = _table("help", "info", "ayuda", "informacion")
POLITE = _words("please pls plz now thanks thank you thx ty ok okay just por favor gracias ya")

_LISTS_EN = ("list", "this list", "the list", "your list", "your texting list", "these texts",
             "the texts", "your texts", "texts", "these messages", "your messages", "messages",
             "your system", "this number")  # fmt: skip
_LISTS_ES = ("la lista", "esta lista", "su lista", "los mensajes", "estos mensajes")
_MESSAGES_ES = ("mensajes", "textos", "estos mensajes", "sus mensajes", "mas mensajes")

REVOCATION_PHRASES = _table(
    # English: about the messages themselves, never about the body
    "stop texting", "stop sending", "stop messaging", "stop contacting", "stop the texts",
    "stop the messages", "stop these texts", "stop these messages", "stop text messages",
    "stop txting", "stop msging",
    "dont text me", "do not text me", "dont txt me", "dont message me", "do not message me",
    "dont contact me", "do not contact me", "dont send me texts", "dont send me messages",
    "do not send me texts", "do not send me messages", "dont send me any more",
    "no more texts", "no more text messages", "no more messages", "no more msgs",
    "no more txts", "dont want these texts", "dont want these messages",
    "dont want any more texts", "dont want any more messages", "dont want texts",
    "dont want messages", "leave me alone", "unsubscribe", "stopall", "opt out", "optout",
    "opt me out", "revoke my consent", "revoke consent", "withdraw my consent", "i revoke",
    "no longer wish to receive", "no longer want to receive", "you have the wrong number",
    "this is the wrong number", "this is a wrong number",
    *(f"remove me from {x}" for x in _LISTS_EN),
    *(f"take me off {x}" for x in _LISTS_EN),
    "remove my number", "delete my number",
    # Spanish
    "no me envien mas", "no me manden mas", "no me escriban", "no me contacten",
    "no me molesten", "no me escriba", "no me contacte",
    *(f"no me envien {x}" for x in _MESSAGES_ES),
    *(f"no me manden {x}" for x in _MESSAGES_ES),
    "dejen de escribirme", "dejen de enviarme", "dejen de mandarme", "dejen de contactarme",
    "deje de escribirme", "deje de enviarme", "deje de mandarme",
    *(f"dejar de recibir {x}" for x in _MESSAGES_ES),
    *(f"no quiero {x}" for x in _MESSAGES_ES),
    *(f"no quiero recibir {x}" for x in _MESSAGES_ES),
    "darme de baja", "dar de baja", "denme de baja", "me doy de baja",
    *(f"{verb} de {x}" for verb in ("quitenme", "sacame", "sacarme", "borrenme", "quitarme")
      for x in _LISTS_ES),
    "borrenme", "es un numero equivocado", "numero equivocado",
)  # fmt: skip
# Every text is searched for these phrases: indexed by their first word, a "no" or a pain score
# costs one lookup per word instead of a pass over every phrase.
_REVOCATION_BY_FIRST_WORD: dict[str, list[tuple[str, ...]]] = {}
for _phrase in REVOCATION_PHRASES:
    _REVOCATION_BY_FIRST_WORD.setdefault(_phrase[0], []).append(_phrase)
# The token before a phrase that turns it around: "don't stop texting me", "no dejen de...".
# Not applied to phrases that are negations themselves: "No, no more texts" is emphasis.
NEGATIONS = _words("dont not never no cant wont doesnt didnt nunca")
# Pain and symptom words after "Stop." mean the patient is describing, not revoking.
SYMPTOM_WORDS = _words(
    """hurt hurts hurting pain painful ache aches aching sore burning bleeding bleed fever
    swelling swollen numb numbness tingling weak weakness shaking breathe breathing breath
    dizzy headache help emergency die dying kill suicide
    dolor duele duelen ardor sangre sangrando fiebre hinchado hinchazon entumido adormecido
    debil mareado ayuda emergencia morir"""
)


def _bare_keywords(tokens: list[str], tables: list[tuple[Keyword, frozenset]]) -> Keyword:
    """The keyword when the tokens are nothing but keywords and politeness; STOP wins any mix."""
    found: set[Keyword] = set()
    i = 0
    while i < len(tokens):
        for length in (3, 2, 1):
            window = tuple(tokens[i : i + length])
            hit = next((kw for kw, table in tables if window in table), None)
            if len(window) == length and hit:
                found.add(hit)
                i += length
                break
        else:
            if tokens[i] not in POLITE:
                return Keyword.NONE
            i += 1
    if Keyword.STOP in found:
        return Keyword.STOP
    return Keyword.START if Keyword.START in found else Keyword.NONE


def _has_revocation_phrase(tokens: list[str]) -> bool:
    for start, token in enumerate(tokens):
        for phrase in _REVOCATION_BY_FIRST_WORD.get(token, ()):
            if tuple(tokens[start : start + len(phrase)]) != phrase:
                continue
            negated = start > 0 and tokens[start - 1] in NEGATIONS
            if not negated or phrase[0] in NEGATIONS:
                return True
    return False


def _first_sentence_is_stop(text: str) -> bool:
    sentences = [s for s in _SENTENCE_END.split(text) if _normalise(s)]
    if len(sentences) < 2:
        return False
    first = _normalise(sentences[0]).split()
    if _bare_keywords(first, [(Keyword.STOP, STOP_FIRST_SENTENCE)]) is not Keyword.STOP:
        return False
    rest = _normalise(" ".join(sentences[1:])).split()
    return not any(tok in SYMPTOM_WORDS for tok in rest)


def classify_keyword(text: str, opted_out: bool = False) -> Keyword:
    """STOP, START, HELP or NONE for an inbound message (see the module docstring for the rule).

    ``opted_out`` says whether this number is currently on the suppression list: only then is a
    bare YES an opt-in.
    """
    if text is None:
        return Keyword.NONE
    text = str(text)
    tokens = _normalise(text).split()
    if not tokens:
        return Keyword.NONE
    # HELP only on its own: "help please" or "help me" may be a patient in trouble, which the
    # free-text path escalates; the programme-info reply would not help them.
    if tuple(tokens) in HELP_WORDS:
        return Keyword.HELP
    tables = [(Keyword.STOP, STOP_WORDS), (Keyword.START, START_WORDS)]
    if opted_out:
        tables.append((Keyword.START, START_WHEN_OPTED_OUT))
    bare = _bare_keywords(tokens, tables)
    if bare is not Keyword.NONE:
        return bare
    if _has_revocation_phrase(tokens) or _first_sentence_is_stop(text):
        return Keyword.STOP
    return Keyword.NONE
