"""Read a patient's free text for red-flag symptoms (DOMAIN.md "Red flags") in English and Spanish.

A missed red flag can cost a patient their spinal cord or their life, so every choice below leans
towards raising a flag: a false alarm costs a nurse a minute, a miss costs far more. The screener
is a set of hand-written phrase rules (not a trained model) so that a clinician can read why a text
was, or was not, flagged, and so that each rule can be tested.

How a text is read
------------------
1. **Normalise** (keeping, for each character, where it came from so that ``evidence`` is always a
   slice of the original text): lower case, accents stripped (``fiebre``/``fiébre``), apostrophes
   dropped (``can't`` -> ``cant``), dashes to spaces, other scripts' digits to ASCII, letters
   repeated three times or more collapsed (``breatheeee``). Both languages' phrases are always
   looked for, whatever ``language`` says: the language on file may be wrong, and patients mix.
2. **Find candidate phrases** for every rule. Misspellings and slang are spelled out in the phrase
   lists ("cant breath", "peeing myself", "legs giving out", "me falta el aire"). A phrase that
   itself says a patient *cannot* do something ("cant move my legs", "no puedo mover las piernas",
   "not able to walk", "no siento las piernas") is a symptom, never a negation.
3. **Drop negated and resolved candidates** (see *Negation and time* below).
4. **Combine**: headache severity and posture, fever with headache / stiff neck / confusion,
   itching with sweats / fever / stiffness (intrathecal baclofen withdrawal), flank or belly pain
   with dizziness (retroperitoneal bleed after vertebral augmentation).
5. **Resolve each surviving finding to a code and tier for the procedure.** Rules carry
   per-procedure outcomes (sleepiness is an EMERGENCY for an intrathecal pump, a ROUTINE note
   after a facet injection). With no procedure, or one we do not know, the highest tier any
   procedure would give is used: the safe default when the enrollment is unknown.
6. Health-related text that no rule recognises (``I feel off``, ``me siento mal``, ``pain``) is
   ROUTINE with ``needs_human`` so that it reaches a person. As a last net, a body part or bodily
   function named in a sentence where nothing else was found ("my bladder feels full and tight")
   is ROUTINE too, unless the patient says it is fine ("my incision looks good"): an unforeseen
   phrasing of a red flag must reach a nurse, not be filed as benign. Chatter (``thanks``, ``who
   is this?``) has no tier.

Negation and time
-----------------
- A negation cue (``no``, ``not``, ``denies``, ``without``, ``haven't``, ``no tengo``, ``sin``,
  ``ni``, ``ya no``, ``se me quitó`` ...) negates a finding only when it stands in the same clause,
  at most 7 words before it, and only filler words ("any", "have", "real", "tengo", "de" ...) or
  other findings joined as a list ("no fevers or chills", "no fever, chills, or sweats") lie in
  between. A clause ends at ``. ! ? ; :``, a line break, and at ``but``, ``pero``, ``though``,
  ``aunque``, ``still``, ``now``/``ahora`` (so "and now"/"y ahora") and similar turns.
- Hedges are not negations: "not sure if I have a fever", "no sé si tengo fiebre", "don't know
  if ...". Words other than fillers break the scope ("nothing helps the pain" keeps the pain).
  Comparisons are not denials: "never had a headache this bad", "nunca tuve un dolor así".
- Symptom nouns no rule matched alone still count as list items ("no redness or drainage").
- Findings that can be an EMERGENCY are negated only through ``or``/``nor``/``ni``/``o`` lists
  and never across a comma or ``and``: "no fever and my legs are weak" keeps the weakness.
- A finding followed in the same sentence by a resolution word ("gone", "went away", "resolved",
  "stopped", "broke", "se me quitó", "ya pasó") is dropped, unless the text then says it "came
  back", "volvió", "again" ... An EMERGENCY-capable finding is only resolved by words that refer
  to it alone or to a plural ("headache and fever are gone"), never by a word that follows another
  symptom ("legs weak, headache gone" keeps the weakness).
- Improvement words ("better", "improving", "mejor") drop only plain pain / unclassified
  mentions ("pain is much better"). A red-flag symptom that got better still happened and still
  needs a clinician ("chest pain is better now" stays an EMERGENCY). "Better lying down" is a
  posture, not an improvement.
- Self-harm wording is never negated: "I don't want to live like this" is the phrase itself.
- Past time words ("yesterday", "last night") do not negate: a fever last night is a fever.
- Explicit readings beat words: "fever 99.1" is not a fever (below 38.0 °C / 100.4 °F); it is a
  ROUTINE note for a human, because the patient felt feverish. A reading needs a temperature word
  or unit nearby ("temp 101", "38,5 de fiebre", "101°F"), except a decimal in the fever range
  ("had 100.9 last night"), which nothing else is written as. 37.5-37.9 °C / 99.5-100.3 °F is a
  ROUTINE low-grade note.
- Blood sugar: a reading of 300 mg/dL or more, "HI" on the meter, twice the stated usual value or
  "through the roof"-style wording is URGENT for any procedure; after an ESI any "high" wording or
  250+ is URGENT (steroid hyperglycaemia, 004). mmol/L readings are converted.

The screener never raises on a ``str``: a programming error falls back to a ROUTINE finding that
sends the text to a human, because a crash must not make a patient's message disappear.
"""

from __future__ import annotations

import bisect
import dataclasses
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .results import (
    EMERGENCY,
    PROCEDURES,
    RANK,
    ROUTINE,
    URGENT,
    Screening,
    SymptomMatch,
    detect_language,
)
from .text import Norm, normalise

logger = logging.getLogger(__name__)

_RANK = RANK

# Procedures that share another's rules: tumour ablation is usually done with cementoplasty
# (cement leak, adjacent fracture, DOMAIN "Procedures"), and a spine biopsy can bleed
# retroperitoneally like vertebral augmentation.
_FAMILY = {"TUMOR_ABLATION": ("VA",), "BIOPSY": ("VA",)}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Every code a match can carry (the brief's list plus HEADACHE, STIFF_NECK, COLLAPSE, LOW_MOOD,
# SEXUAL_DYSFUNCTION and STROKE_SIGNS).
CODES = _words(
    """SOB_CHEST WEAKNESS BLADDER_BOWEL SADDLE FEVER FEVER_MENINGISM HEADACHE_SEVERE
    HEADACHE_POSITIONAL HEADACHE WOUND NUMB_TINGLE CONFUSION STIFF_NECK COLLAPSE ITDD_SLEEPY
    ITDD_WITHDRAWAL SELF_HARM LOW_MOOD PUMP_ALARM ITDD_NAUSEA_URINE ESI_SUGAR VA_ADJACENT_PAIN
    VA_FLANK_DIZZY SCS_BATTERY_SITE SCS_SKIN_BREAKDOWN SCS_COVERAGE SEXUAL_DYSFUNCTION
    DISC_BACK_WORSE FACET_BURNING STROKE_SIGNS PAIN_WORSE UNCLASSIFIED_SYMPTOM"""
)


_Norm = Norm
_normalise = normalise


# --------------------------------------------------------------------------------------------
# Phrase building blocks (normalised text: lower case, no accents, no apostrophes).

_B = r"(?<![a-z0-9])"  # word start
_E = r"(?![a-z0-9])"  # word end
_MY = r"(?:(?:my|the|both|his|her|their|one|a|left|right|lower|upper|l|r) ){0,2}"
_LIMB = r"(?:legs?|leggs?|feet|foot|arms?|hands?|knees?)"
_BREATHE = r"(?:breathe|breath|breth|brethe|breahte|breathing|breathin|breating|brething)"
_PAINY = (
    r"(?:pain(?:s|ful)?|hurts?|hurting|sore(?:ness)?|tender|ache?s?|aching|burn(?:s|ing)?|on fire|"
    r"throb(?:s|bing)?|red(?:ness)?|swollen|swelling|hot|warm|puffy|duele|dolor|arde|ardor|quema|"
    r"roja|enrojecid[ao]|hinchad[ao]|caliente|inflamad[ao])"
)
_ES_ART = r"(?:(?:las|la|los|el|mis|mi|ambas|ambos|una|un) )?"
_ES_LIMB = r"(?:piernas?|pies?|brazos?|manos?|rodillas?)"


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile(_B + "(?:" + "|".join(parts) + ")" + _E)


# --------------------------------------------------------------------------------------------
# Rules.

Outcome = tuple[str, str, bool]  # code, tier, crisis_line


@dataclass(frozen=True)
class _Rule:
    key: str
    pattern: re.Pattern[str]
    outcomes: Mapping[str, Outcome | None]  # procedure -> outcome; "*" is every other procedure
    family: str = ""  # findings of one family may resolve together ("fever 101 ... gone now")
    negatable: bool = True
    improvable: bool = False  # "better" drops it (plain pain and unclassified only)
    yields_to: frozenset[str] = frozenset()  # drop when overlapping a finding of these rules
    yields_by_procedure: Mapping[str, frozenset[str]] = field(default_factory=dict)
    output: bool = True  # False: only an ingredient of a compound rule


def _o(code: str, tier: str, crisis: bool = False) -> Outcome:
    return (code, tier, crisis)


def _all(code: str, tier: str, **per_procedure: Outcome | None) -> dict[str, Outcome | None]:
    outcomes: dict[str, Outcome | None] = {"*": _o(code, tier)}
    outcomes.update(per_procedure)
    return outcomes


def _rule(key: str, outcomes: dict[str, Outcome | None], *parts: str, **options: object) -> _Rule:
    return _Rule(key=key, pattern=_rx(*parts), outcomes=outcomes, **options)  # type: ignore[arg-type]


_UNCL = "UNCLASSIFIED_SYMPTOM"
_ITDD_SLEEPY = _o("ITDD_SLEEPY", EMERGENCY)

_RULES: tuple[_Rule, ...] = (
    # Self-harm first: never negated, always the crisis line (DOMAIN: ITDD ziconotide; any text).
    _rule(
        "SELF_HARM",
        {"*": _o("SELF_HARM", EMERGENCY, True)},
        r"kill(?:ing)? (?:my ?self|myself)",
        r"(?:want|wanna|going|gonna|thinking (?:about|of)|thoughts? (?:of|about)|thought about|"
        r"might|urge to|feel like|tempted to) (?:to )?(?:hurt|harm|cut|kill|end) (?:my ?self|"
        r"myself|my life)",
        r"(?:harm|harming) (?:my ?self|myself)",
        r"self ?harm\w*",
        r"suicid\w*",
        r"end (?:my|my own) life",
        r"end(?:ing)? it all",
        r"end(?:ing)? (?:my|my own) life",
        r"(?:want|wanna|wish|wishing|ready) (?:to )?(?:die|be dead|not wake up|not be here anymore)",
        r"wish i (?:was|were|could be) dead",
        r"wish i (?:wasnt|werent|was not|were not) (?:here|alive|around|born)",
        r"(?:dont|do not) (?:want|wanna) (?:to )?be (?:here|around|alive)(?: anymore)?",
        r"(?:everyone|they|my family|you all) (?:would be|are|d be) better off without me",
        r"(?:take|taking|took|swallow|swallowing) all (?:of )?(?:my|the) (?:pills|meds|medicine|"
        r"medication)",
        r"better off dead",
        r"(?:dont|do not) (?:want|wanna) (?:to )?(?:live|be alive|be here anymore|wake up|go on)",
        r"no (?:reason|point) (?:to|in) (?:live|living|going on|being alive)",
        r"not worth living",
        r"overdose on purpose",
        r"cant go on(?: like this)?(?! with)",
        r"(?:me )?quiero morir(?:me)?",
        r"(?:me )?quisiera morir(?:me)?",
        r"ganas de morir(?:me)?",
        r"no quiero (?:seguir )?(?:viviendo|vivir|despertar)",
        r"matarme",
        r"me voy a matar",
        r"quitarme la vida",
        r"acabar con (?:todo|mi vida)",
        r"hacerme dano",
        r"no vale la pena (?:vivir|seguir)",
        r"mejor (?:estar )?muert[oa]",
        r"ojala (?:estuviera muert[oa]|me muera|no despertar)",
        r"ya no quiero estar aqui",
        r"(?:estarian|estaria|estan) mejor sin mi",
        r"tomarme todas las pastillas",
        negatable=False,
    ),
    _rule(
        "LOW_MOOD",
        _all("LOW_MOOD", ROUTINE, ITDD=_o("LOW_MOOD", EMERGENCY, True)),
        r"depress(?:ed|ion|ing)",
        r"hopeless\w*",
        r"(?:feel|feeling|felt|im|i am) (?:(?:so|very|really|super|pretty|a bit|a little|kinda|"
        r"kind of) )?(?:down|low|sad|empty|worthless|hopeless)(?! (?:the|to|for|with|at|on|by|"
        r"here|there|stairs|street|road|hall|from|with))",
        r"low mood",
        r"crying all (?:the time|day)",
        r"cant stop crying",
        r"give up on (?:everything|life)",
        r"deprimid[oa]s?",
        r"depresion",
        r"sin esperanzas?",
        r"(?:muy|tan|bien|super) triste",
        r"me siento (?:muy )?(?:triste|vaci[oa]|inutil|sin ganas de nada)",
        r"lloro (?:todo el dia|mucho)",
    ),
    # Breathing and chest: cement or air embolism, pneumothorax, respiratory depression.
    _rule(
        "SLOW_BREATH",
        _all("SOB_CHEST", EMERGENCY, ITDD=_ITDD_SLEEPY),
        r"(?:slow|shallow|slowed) (?:breathing|breaths?|respirations?)",
        r"breathing (?:(?:is|very|so|really|seems|got) ){0,2}(?:slow|shallow|slowed)",
        r"(?:respira|respiracion|respirando|respiro) (?:(?:muy|mas|bien) )?(?:lent[ao]|despacio|"
        r"superficial)",
    ),
    _rule(
        "SOB_CHEST",
        _all("SOB_CHEST", EMERGENCY),
        r"(?:cant|cannot|can not|couldnt|could not|unable to|not able to|hard to|hard time|"
        r"trouble|difficulty|difficult to|struggling to|struggle to|struggling|hurts to|"
        r"painful to|can barely|can hardly|barely|cant hardly|problems?) (?:(?:to|with|catch|get|"
        r"take|a|my|"
        r"deep|full|in|when) ){0,3}" + _BREATHE,
        r"(?:short|shortness|shortnes) (?:of|a) " + _BREATHE,
        r"out of " + _BREATHE,
        r"breathless\w*",
        r"winded",
        r"gasping",
        r"wheez\w*",
        r"air hunger",
        r"suffocat\w*",
        r"(?:cant|cannot|can not|not) get (?:enough )?air",
        r"(?:not|isnt|is not|stopped|stops|quit|barely) breathing(?! (?:hard|heavy|fast))",
        r"breathing (?:isnt|is not|not|doesnt look|does not look) (?:right|normal|ok|okay|good)",
        r"(?:no|ya no) (?:esta )?respir(?:a|ando)",
        r"dej[oa] de respirar",
        r"not getting (?:enough )?air",
        r"(?:cant|cannot|can not) catch " + _MY + _BREATHE,
        _BREATHE
        + r" (?:(?:is|feels?|seems?|very|so|really|got|kind of|kinda) ){0,2}(?:hard|difficult|"
        r"labou?red|heavy|fast|rapid|weird|funny|off|bad|short|painful|tight|noisy)",
        r"(?:chest|cheast|chst) (?:(?:is|feels?|felt|so|really|very|kinda|kind of|getting|has|"
        r"been|all|keeps) ){0,3}(?:pain\w*|hurts?|hurting|tight\w*|heavy|pressure|ache|aching|"
        r"sore|burn\w*|squeez\w*|crushing)",
        r"(?:pain|pains|pressure|tightness|heaviness|ache|aching|squeezing|discomfort|hurting|"
        r"burning) "
        r"(?:in|on|across|around) " + _MY + r"chest",
        r"chest (?:pains?|discomfort)",
        r"(?:tight|heavy|painful|crushing|squeezing) chest",
        r"lungs? (?:(?:are|is) )?(?:hurt\w*|burn\w*|feel \w+)",
        r"cough(?:ing|ed)? (?:up )?blood",
        r"blood (?:when i cough|in (?:my )?(?:spit|sputum|phlegm))",
        r"no (?:puedo|podia|puede|podemos) respirar",
        r"(?:me )?(?:falta|faltaba|hace falta) (?:mucho |un poco |bastante )?(?:el )?aire",
        r"falta de aire",
        r"(?:me )?ahog\w*",
        r"dificultad (?:para|al) respirar",
        r"(?:me )?cuesta (?:(?:mucho|bastante|trabajo|harto|un poco) ){0,2}respirar",
        r"respiro (?:muy |con )?(?:mal|dificultad|rapido|poco)",
        r"respiracion (?:rapida|dificil|corta|agitada|rara)",
        r"respira (?:raro|mal|feo|extrano|con dificultad)",
        r"(?:me quedo|quedo|estoy) sin aire",
        r"no me entra (?:el )?aire",
        r"(?:dolor|presion|opresion|ardor|peso|apreton) (?:en|de|del) (?:el |mi )?pecho",
        r"(?:me )?duele (?:mucho |muchisimo |bastante )?(?:el|mi) pecho",
        r"pecho (?:apretado|oprimido|me duele|adolorido)",
        r"(?:tos con|escupo|toso) sangre",
        yields_to=frozenset({"SLOW_BREATH"}),
    ),
    # Spinal cord / cauda equina: weakness, bladder and bowel, saddle numbness.
    _rule(
        "WEAKNESS",
        _all("WEAKNESS", EMERGENCY),
        _LIMB + r" (?:(?:is|are|r|feel|feels|felt|getting|got|get|keep|keeps|kept|went|gone|going|"
        r"have|has|been|so|really|very|super|kinda|kind of|all|just|suddenly|now|totally|"
        r"completely|like|keep on|started|start|starting|seem|seems|numb|tingly|heavy|"
        r"and) ){0,4}(?:weak\w*|week|giving (?:out|way)|give (?:out|way)|gave (?:out|way)|"
        r"buckl\w*|collaps\w*|jelly|rubber|wobbly|dead|useless|not working|arent working|"
        r"isnt working|wont work|dont work|doesnt work|stopped working|wont move|dont move|"
        r"wont hold me|cant hold me|wont support me|failing|paraly[sz]ed|like noodles|noodles|"
        r"flopping|floppy|dragging|drags|slapping|limp and)",
        _LIMB
        + r"(?:(?! not | no | arent | isnt | never | but )[^.;!?\n]){0,25}? (?:give way|giving way|"
        r"gave way|giving out|give out|gave out|buckl\w*|collaps\w*|weaker and weaker|"
        r"wont hold me|cant hold me)",
        _LIMB
        + r"[^.;!?\n]{0,40}?(?:cant|cannot|can not|unable to|couldnt|could not) (?:lift|move|raise|"
        r"bend|use|feel) (?:it|them)",
        r"(?:can|could) (?:hardly|barely) (?:stand|walk|move (?:my )?(?:legs?|feet|foot))",
        r"(?:weak\w*|no strength|(?:lost|losing|loss of|lose) (?:my |all |of )?(?:strength|power)) "
        r"(?:(?:in|on|of) )?" + _MY + _LIMB,
        r"(?:cant|cannot|can not|unable to|not able to|couldnt|could not|no longer able to|"
        r"(?:havent|hasnt|have not|has not) been able to) (?:move|lift|feel|use|stand on|bend|"
        r"wiggle|control|raise|pick up|point|flex) " + _MY + _LIMB,
        r"(?:cant|cannot|can not|unable to|not able to|couldnt|could not|no longer able to|"
        r"(?:havent|hasnt|have not|has not) been able to) (?:walk|stand|stand up|get up|"
        r"get out of bed|move)(?! (?:far|much|long|very|well|for long|without|because|bc|cause|"
        r"due|from|as much|too|that))",
        r"(?:feeling|sensation|strength) in "
        + _MY
        + r"(?:legs?|feet|foot|arms?) (?:(?:is|are|has|have) )?(?:gone|going)",
        r"(?:foot drop|drop foot)",
        r"(?:no|lost|loss of|losing) (?:all )?(?:feeling|sensation) (?:in|from) (?:my |both |his |"
        r"her )?(?:legs|feet|waist down)",
        r"dragging " + _MY + r"(?:legs?|foot|feet)",
        r"(?:trip|tripping) over " + _MY + r"(?:foot|feet|toes)",
        r"(?:dropping|drop) (?:things|everything|my phone|cups?)",
        r"paraly[sz]\w*",
        r"paraliza\w*",
        r"paralisis",
        r"no (?:puedo|puede|consigo|logro|podia|pude) (?:mover|levantar|sentir|usar|controlar) "
        + _ES_ART
        + _ES_LIMB,
        r"ya no (?:puedo|puede) (?:mover|levantar|sentir) " + _ES_ART + _ES_LIMB,
        r"no (?:siento|sentia|siente|senti) " + _ES_ART + r"(?:piernas?|pies|brazos?)",
        r"(?:piernas?|pies|brazos?|rodillas?)[^.;!?\n]{0,40}?no (?:las|la|los|lo|me las|me los) "
        r"(?:puedo|puede|podia|pude) (?:mover|levantar|sentir|usar|controlar)",
        r"(?:piernas?|pies|brazos?)[^.;!?\n]{0,40}?(?:ya )?no (?:las|la|los|lo) (?:siento|sentia)",
        r"no (?:me )?responden " + _ES_ART + _ES_LIMB,
        r"(?:debilidad|flojera|sin fuerza|perdi (?:la )?fuerza|perdida de fuerza|no tengo fuerza|"
        r"poca fuerza) (?:(?:en|de) )?" + _ES_ART + _ES_LIMB,
        _ES_LIMB + r" (?:(?:muy|mas|bien|se|me|estan|esta|siento|sienten|se sienten|cada vez|las|"
        r"tengo) ){0,3}(?:debil\w*|flojas?|dobl\w*|vencen|fallan|fallando|no (?:me )?responden|"
        r"no me sostienen|sin fuerza|como gelatina|paralizad\w*)",
        r"se me (?:doblan|doblaron|vencen|vencieron|fueron|van|aflojan) "
        + _ES_ART
        + r"(?:piernas|rodillas)",
        r"no (?:puedo|puede|podia|pude) (?:caminar|andar|pararme|ponerme de pie|levantarme|"
        r"sostenerme)(?! (?:por|del|de tanto|mucho|bien|lejos))",
    ),
    _rule(
        "WALK_LIMITED",
        _all("WEAKNESS", URGENT),
        r"(?:cant|cannot|can not|unable to|not able to|couldnt|could not) (?:walk|stand|stand up|"
        r"get up) (?:far|much|long|very|well|for long|without|because|bc|cause|due|from|as much|"
        r"too|that)",
        r"(?:hard|difficult|trouble|difficulty|struggling|struggle|problems?) (?:to )?walk(?:ing)?",
        r"(?:hard|difficult|trouble|difficulty) (?:to )?(?:stand|standing|get up|getting up)",
        r"(?:me cuesta|dificultad para|trabajo para|batallo para) (?:caminar|andar|pararme|"
        r"levantarme)",
        r"no (?:puedo|puede|podia) (?:caminar|andar|pararme|levantarme) (?:por|del|de tanto|mucho|"
        r"bien|lejos)",
        yields_to=frozenset({"WEAKNESS"}),
    ),
    _rule(
        "WEAK_GENERAL",
        _all("WEAKNESS", URGENT),
        r"(?:feel|feeling|felt|feels|im|i am|so|very|really|getting|got|been) (?:(?:so|very|"
        r"really|kinda|super|a bit|a little|more|this|that) )?(?:weak|weaker|weakness)",
        r"weakness",
        r"me siento (?:(?:muy|un poco|bien|mas) )?(?:debil|sin fuerzas?)",
        r"debilidad",
        yields_to=frozenset({"WEAKNESS", "SCS_COVERAGE"}),
    ),
    _rule(
        "SADDLE",
        _all("SADDLE", EMERGENCY),
        r"(?:numb(?:ness|nes|ing|ed)?|tingl\w*|no feeling|lost feeling|dead|pins and needles|"
        r"asleep) (?:(?:in|on|around|of|at|all|over|down) ){0,2}(?:down there|between "
        + _MY
        + r"legs|(?:my |the )?(?:groin|crotch|"
        r"privates|private parts?|private area|genitals?|genital area|inner thighs?|"
        r"saddle(?: area)?|butt cheeks?|bum|bottom|buttocks?|rectum|anus|perineum|vagina|penis|"
        r"scrotum|taint|butt)|where i sit)",
        r"(?:down there|between "
        + _MY
        + r"legs|(?:my |the )?(?:groin|crotch|privates|private parts?|"
        r"private area|genitals?|genital area|inner thighs?|saddle area|butt cheeks?|bum|bottom|"
        r"buttocks?|rectum|anus|perineum|vagina|penis|scrotum|taint|butt)) (?:(?:is|are|feels?|"
        r"felt|went|gone|has|have|been|so|all|kinda|kind of|totally|completely|getting|"
        r"going) ){0,3}(?:numb(?:ness|nes|ing|ed)?|tingl\w*|dead|asleep)",
        r"(?:cant|cannot|can not|dont|couldnt) feel (?:(?:it|anything|a thing|the paper|"
        r"toilet paper) )?(?:when i (?:wipe|pee|poop|go)|down there|between "
        + _MY
        + r"legs|my (?:groin|privates|bottom|"
        r"butt|crotch|genitals))",
        r"saddle (?:numb|anesth|anaesth)\w*",
        r"(?:on the toilet|when i wipe|wiping|toilet paper|on the (?:seat|"
        r"pot))[^.;!?\n]{0,25}?(?:cant feel|cannot feel|dont feel|numb(?:ness|ed)?|no feeling)",
        r"(?:cant|cannot|dont) feel[^.;!?\n]{0,25}?(?:on the toilet|when i wipe|wiping|"
        r"toilet paper)",
        r"(?:groin|crotch|privates|private parts?|genitals?|inner thighs?|butt cheeks?|buttocks?|"
        r"rectum|perineum|vagina|penis|down there)[^.;!?\n]{0,30}?(?:numb(?:ness|nes|ing|ed)?|"
        r"tingl\w*|no feeling|cant feel)",
        r"(?:numb(?:ness|nes|ing|ed)?|tingl\w*|no feeling|cant feel)[^.;!?\n]{0,30}?(?:groin|"
        r"crotch|privates|private parts?|genitals?|inner thighs?|butt cheeks?|buttocks?|rectum|"
        r"perineum|vagina|penis|down there)",
        r"(?:adormec\w*|entumec\w*|entumid\w*|dormid\w*|hormigue\w*|sin sensibilidad|"
        r"no siento(?: nada)?) (?:(?:en|la|el|las|los|mi|mis|de|por) ){0,2}(?:entrepierna|ingle|"
        r"genitales|partes intimas|zona intima|vagina|pene|ano|recto|nalgas|gluteos|trasero|"
        r"entre (?:las )?piernas|ahi abajo|alla abajo|la cola|pompas|sentaderas)",
        r"(?:entrepierna|ingle|genitales|partes intimas|zona intima|nalgas|gluteos|trasero|pompas|"
        r"sentaderas|ahi abajo|entre las piernas) (?:(?:esta|estan|se|me|siento|muy|la|tengo|lo|"
        r"se siente|se sienten) ){0,3}(?:adormec\w*|entumec\w*|entumid\w*|dormid\w*|hormigue\w*|"
        r"sin sensibilidad)",
        r"no siento (?:nada )?(?:cuando|al) (?:me limpio|limpiarme|orino|hago)",
    ),
    _rule(
        "BLADDER_BOWEL",
        _all("BLADDER_BOWEL", EMERGENCY),
        r"(?:peeing|peein|peed|pee|pissing|pissin|pissed|piss|wetting|wet|pooping|pooped|poop|"
        r"crapping|crapped|crap|shitting|shit|shat|soiling|soiled|messed|messing|leaking|leaked|"
        r"peeng) (?:on |in )?(?:myself|my ?self|my pants|my underwear|the bed|my bed|my diaper|"
        r"in my pants|in bed|my clothes)",
        r"(?:cant|cannot|can not|couldnt|could not|unable to|not able to|no|lost|losing|lose|"
        r"loss of|poor|trouble|problems?|issues?|difficulty|dont have|do not have) (?:(?:to|with|"
        r"the|my|any) ){0,2}(?:control|controlling|hold|holding|feel) (?:(?:of|over|my|the|in|"
        r"it) ){0,2}(?:bladder|bowels?|pee|urine|poop|stool|peeing|pooping|it in|when i pee|"
        r"when i go)",
        r"(?:bladder|bowels?|urine|stool)(?: (?:or|and|nor|&|/) (?:bladder|bowels?|urine|"
        r"stool))? (?:(?:is|are|has|have|been|keeps?|just|control) ){0,2}(?:control|leak\w*|"
        r"accidents?|incontinen\w*|problems?|issues?|not working|let go|gave out|weird|numb|"
        r"out of control|accident|gone)",
        r"(?:problems?|issues?|accidents?|leak\w*) (?:with|of|from) (?:my |the )?(?:bladder|"
        r"bowels?|urine|peeing|pooping)",
        r"incontinen\w*",
        r"(?:peeing|pooping|leaking|leak|wetting|peed|pooped|going|pee|poop|piss) (?:(?:pee|urine|"
        r"stool|poop|myself) )?(?:without|and dont|and didnt|and cant|"
        r"and couldnt) (?:even )?(?:knowing|noticing|feeling|realizing|know|notice|feel|realize)",
        r"leak(?:s|ing|ed)? (?:some )?(?:pee|urine|poop|stool)",
        r"(?:had|having|have|keep having) (?:an |a few |some |two |several |another |"
        r"more )?accidents?(?! (?:in|on|with) (?:the|my|a) (?:car|road|truck|highway|"
        r"kitchen))(?! at work)",
        r"(?:didnt|couldnt|did not|could not|dont|cant) make it to the (?:bathroom|toilet|"
        r"restroom|potty)",
        r"(?:dont|didnt|cant|couldnt|can not|cannot) (?:feel|tell|know) (?:when|if) i (?:(?:need|"
        r"have|want) to |gotta )?(?:pee|go|poop|urinate|have a bm|have to go)",
        r"me (?:orino|orine|estoy orinando|hice pipi|hago pipi|hice popo|hago popo|hice del bano|"
        r"hago del bano|cago|cague|hice encima|hago encima)",
        r"(?:no|ya no|sin) (?:puedo |puede )?(?:controlo|controla|controlar|control de|aguanto|"
        r"aguantar|retengo|retener) "
        + _ES_ART
        + r"(?:de )?(?:orina|pipi|vejiga|intestinos?|heces|popo|esfinter\w*|bano)",
        r"(?:perdi|pierdo|perdida del?|perdiendo) (?:el )?control (?:(?:de|del|la|el|mi|mis|"
        r"sobre) ){0,2}(?:orina|vejiga|intestinos?|heces|esfinter\w*|bano|pipi)",
        r"incontinencia",
        r"se me (?:sale|salio|escapa|escapo|salen) (?:la |el )?(?:orina|pipi|popo|caca|heces)",
        r"(?:escapes?|fugas?|perdidas?) de (?:orina|heces)",
        r"accidentes? (?:con|de) (?:la )?(?:orina|vejiga|bano)",
        r"no siento (?:cuando|las ganas de|ganas de) (?:orinar|hacer pipi|ir al bano|evacuar)",
        r"(?:problemas?|molestias?) (?:con|de) (?:la |el )?(?:vejiga|orina|intestino)",
    ),
    _rule(
        # Urinary retention: a cauda equina sign; for an intrathecal pump, an opioid side effect
        # DOMAIN lists as URGENT (000 Table 3).
        "RETENTION",
        _all("BLADDER_BOWEL", EMERGENCY, ITDD=_o("ITDD_NAUSEA_URINE", URGENT)),
        r"(?:cant|cannot|can not|couldnt|could not|unable to|not able to|(?:havent|hasnt|have not|"
        r"has not) been able to|trouble|difficulty|hard time|hard to|struggling to|struggle to|"
        r"problems?|issues?) (?:(?:to|with|in) )?(?:pee|peeing|urinate|urinating|"
        r"pass(?:ing)? (?:urine|water)|empty(?:ing)? (?:my |the )?bladder|go pee|take a pee|piss|"
        r"pissing)",
        r"(?:havent|hasnt|have not|not|didnt) (?:peed|urinated|passed urine|pee|urinate)",
        r"urinary retention",
        r"(?:bladder|pee|urine|orina|vejiga)[^.;!?\n]{0,30}?(?:nothing|only a little|just a little|"
        r"only drops|just drops|nada|solo gotas) (?:comes|came|is coming|will come|sale|salio)"
        r"(?: out)?",
        r"nothing (?:comes|came) out when i (?:try to )?(?:pee|go)",
        r"(?:only|just) (?:dribbl\w*|drops)",
        r"retaining urine",
        r"(?:pee|urine) (?:wont|will not|doesnt|does not|isnt) (?:come|coming|start|flow)\w*",
        r"no (?:puedo|pude|he podido|consigo|logro|podia) (?:orinar|hacer pipi|mear|"
        r"vaciar (?:la )?vejiga)",
        r"(?:me cuesta|dificultad para|trabajo para|problemas? para|batallo para) (?:orinar|"
        r"hacer pipi)",
        r"no (?:he )?orinad\w*",
        r"no (?:me )?sale (?:la )?orina",
        r"retencion (?:de )?(?:orina|urinaria)",
        r"no orino",
        yields_to=frozenset({"BLADDER_BOWEL"}),
    ),
    _rule(
        "SEXUAL",
        _all("SEXUAL_DYSFUNCTION", URGENT, LYSIS=_o("SEXUAL_DYSFUNCTION", EMERGENCY)),
        r"(?:cant|cannot|can not|unable to|trouble|problems?|difficulty) (?:(?:to|"
        r"with) )?(?:get(?:ting)?|keep(?:ing)?|have|having|maintain\w*) (?:an |a )?(?:erection|"
        r"hard on|orgasm)",
        r"erectile",
        r"impoten\w*",
        r"no (?:feeling|sensation) (?:during|with|in|when having) sex",
        r"sex (?:feels? )?(?:numb|different|no feeling)",
        r"(?:no|sin) (?:tengo )?ereccion\w*",
        r"disfuncion (?:sexual|erectil)",
        r"no (?:puedo|logro) tener (?:una )?ereccion",
    ),
    _rule(
        "STROKE_SIGNS",
        _all("STROKE_SIGNS", EMERGENCY),
        r"(?:face|mouth|smile) (?:(?:is|looks|went|has gone|seems) ){0,2}(?:droop\w*|crooked|"
        r"lopsided|uneven)",
        r"slurr\w*",
        r"(?:cant|cannot|can not|unable to) (?:talk|speak|get (?:the|my) words out)",
        r"(?:cara|boca) (?:(?:esta|se ve|se le ve) ){0,2}(?:chueca|torcida|caida)",
        r"no (?:puede|puedo) hablar",
        r"arrastra (?:las palabras|la lengua)",
    ),
    # Sleepiness, confusion, collapse.
    _rule(
        "COLLAPSE",
        _all("COLLAPSE", EMERGENCY),
        r"seizures?",
        r"seizing",
        r"convuls\w*",
        r"passed out",
        r"(?:i|he|she|just) (?:fainted|blacked out|collapsed|passed out)",
        r"fainted",
        r"blacked out",
        r"unconscious",
        r"unresponsive",
        r"(?:wont|will not|cant|cannot|can not|couldnt|could not) (?:wake (?:him|her|them) up|"
        r"wake (?:him|her|them)|get (?:him|her|them) to wake up)",
        r"(?:he|she) (?:wont|will not|doesnt|does not) wake up",
        r"desmay\w*(?! (?:de|del) (?:hambre|sueno))",
        r"perdi(?:o)? el conocimiento",
        r"inconsciente",
        r"no (?:responde|reacciona)",
        r"no (?:lo|la) (?:puedo|podemos|pude) despertar",
        r"convulsion\w*",
    ),
    _rule(
        "SLEEPY",
        _all(_UNCL, ROUTINE, ITDD=_ITDD_SLEEPY),
        r"(?:hard|difficult|trouble|struggling) (?:to )?(?:wake|waking|stay awake|"
        r"staying awake)(?: up)?",
        r"(?:cant|cannot|can not) (?:stay|keep my eyes) (?:awake|open)",
        r"(?:keep|keeps|kept|keep on) (?:falling|nodding|dozing) (?:asleep|off)",
        r"nodding off",
        r"dozing off",
        r"sleepy",
        r"drowsy",
        r"drowsiness",
        r"groggy",
        r"letharg\w*",
        r"sedated",
        r"out of it",
        r"(?:sleeping|sleep|slept) all (?:day|the time)",
        r"somnol\w*",
        r"(?:mucho|demasiado) sueno",
        r"muy dormid\w*",
        r"adormilad\w*",
        r"amodorrad\w*",
        r"aletargad\w*",
        r"se (?:queda|quedo|me queda|me quedo) dormid\w*",
        r"no (?:me )?(?:puedo|puede) (?:mantener|quedar) despiert\w*",
        r"no (?:se )?despierta",
        r"duerme todo el dia",
        r"(?:me duermo|se duerme) (?:todo el tiempo|a cada rato|sol[oa])",
        yields_to=frozenset({"NUMB_TINGLE", "COLLAPSE"}),
    ),
    _rule(
        "CONFUSION",
        _all("CONFUSION", URGENT, ITDD=_ITDD_SLEEPY),
        r"confus(?:ed|ion)(?!,? (?:about|by|with|as to|on|over|regarding|why|what|which|when|"
        r"where|how|if|whether|because|bc|cause|abt|re))",
        r"confuzed",
        r"confussed",
        r"disorient\w*",
        r"(?:dont|doesnt|didnt|did not|does not) know where (?:i|he|she) (?:am|is|was)",
        r"not making (?:any )?sense",
        r"talking (?:nonsense|gibberish|funny|weird|strange)",
        r"(?:slurr\w*|slurred) (?:speech|words)",
        r"saying (?:weird|strange|crazy) things",
        r"(?:cant|cannot|can not) think (?:straight|clearly)",
        r"brain fog",
        r"foggy",
        r"hallucinat\w*",
        r"seeing things",
        r"hearing things",
        r"not (?:himself|herself|themselves|myself)(?! (?:with|about))",
        r"acting (?:strange|strangely|weird|weirdly|funny|odd|confused|drunk|different|out of it|"
        r"crazy)",
        r"(?:not|isnt|is not) acting like (?:himself|herself|themselves|myself|usual)",
        r"(?:cant|cannot|can not|doesnt|does not) remember (?:things|anything|where|what|who|my|"
        r"his|her|how|names)",
        r"forgetting (?:things|everything)",
        r"(?:memory|mind) (?:is )?(?:bad|off|going|gone|worse|slipping)",
        r"no (?:se )?acuerda",
        r"no recuerda (?:nada|las cosas)",
        r"(?:actua|se porta|esta actuando) (?:raro|extrano|rara|extrana)",
        r"no es (?:el|ella) mism[oa]",
        r"confundid[oa]s?(?! (?:con|sobre|por) (?:la|el|las|los) (?:cita|horario|hora|fecha|"
        r"mensaje|dia))",
        r"desorientad[oa]s?",
        r"no sabe (?:donde|quien)",
        r"no se donde estoy",
        r"no reconoce",
        r"alucin\w*",
        r"ve cosas",
        r"dice cosas (?:sin sentido|raras)",
        r"habla (?:raro|incoherente\w*|arrastrando)",
        r"no piensa (?:bien|claro)",
    ),
    # Infection and the wound.
    _rule(
        "FEVER",
        _all("FEVER", URGENT),
        r"fever\w*",
        r"fevr",
        r"fver",
        r"feaver",
        r"fevar",
        r"feber",
        r"febrile",
        r"(?:running|have|got|had|with|spiking|spiked) (?:a )?(?:temp|temperature|fever)",
        r"(?:high|elevated) (?:temp|temperature)",
        r"burning up",
        r"chills",
        r"chils",
        r"rigors",
        r"shivering",
        r"shivers",
        r"shaking (?:chills|all over|uncontrollably|like a leaf)",
        r"the shakes",
        r"(?:cant|cannot|can not) stop (?:shaking|shivering|trembling)",
        r"hot and cold",
        r"fiebres?",
        r"calentura",
        r"febril",
        r"escalofr\w*",
        r"temperatura (?:alta|elevada)",
        r"(?:con|tengo|tiene|tuve|tuvo) temperatura",
        r"destemplad[oa]",
        r"tiritando",
        "\U0001f912",  # face with thermometer
        family="FEVER",
    ),
    _rule(
        "STIFF_NECK",
        _all("STIFF_NECK", URGENT),
        r"stiff neck",
        r"neck (?:(?:is|feels?|so|very|really|super|real|getting|got|has been) ){0,2}(?:stiff|"
        r"rigid)",
        r"(?:cant|cannot|can not|hurts to|unable to|not able to) (?:bend|move|turn|"
        r"touch) (?:(?:my|the) )?(?:neck|chin to (?:my )?chest)",
        r"(?:cuello|nuca) (?:(?:muy|esta|me|se) ){0,2}(?:rigid[oa]|ties[oa]|dur[oa])",
        r"rigidez (?:en el |de |del )?(?:cuello|nuca)",
        r"neck[^.;!?\n]{0,30}?(?:cant|cannot|can not|unable to|hard to|not able to) (?:bend|move|"
        r"turn) it",
        r"no puedo (?:mover|doblar|bajar|agachar) (?:el )?(?:cuello|la cabeza)",
    ),
    _rule(
        "WOUND",
        _all("WOUND", URGENT),
        r"pus",
        r"puss",
        r"ooz\w*",
        r"(?:yellow|green|cloudy|smelly|bloody) (?:discharge|drainage|fluid|stuff|goo|gunk)",
        r"(?:red|swollen|hot|warm) and (?:hot|warm|swollen|red|puffy|hard)",
        r"(?<!sinus )(?<!ear )(?<!tooth )(?<!urinary )(?<!bladder )(?<!chest )(?<!yeast"
        r" )(?:infected|infection)",
        r"(?:bleeding|bled) (?:through|thru) (?:the |my )?(?:bandage|dressing|gauze|band ?aid|"
        r"shirt|clothes)",
        r"(?:soaked|soaking) (?:through )?(?:the |my )?(?:bandage|dressing|gauze|band ?aid)",
        r"(?:wont|doesnt|will not|cant get it to|wont|hasnt) stop(?:ped)? bleeding",
        r"bleeding (?:a lot|heavily|everywhere|wont stop|like crazy|through)",
        r"(?:incision|wound|cut|scar|stitch(?:es)?|sutures?|staples?|steri ?strips?|bandage|"
        r"dressing|band ?aid|needle site|injection site|shot site|puncture|site|spot|hole|pocket|"
        r"where (?:the needle|they) (?:went in|injected|poked|cut|did it|put it)|"
        r"where the (?:battery|pump|device|generator|stimulator) (?:is|was|went in)) (?:(?:is|are|"
        r"looks?|feels?|seems?|got|getting|has|have|been|very|so|really|kinda|kind of|a bit|"
        r"a little|still|all|area|started|starting) ){0,4}(?:red\w*|swollen|swelling|puffy|hot|"
        r"warm|pus\w*|ooz\w*|drain\w*|discharg\w*|leak\w*|weep\w*|bleed\w*|bloody|open\w*|split|"
        r"infected|smell\w*|stink\w*|yellow|green|crusty|hard lump|lump)",
        r"(?:redness|swelling|warmth|drainage|pus|discharge|leaking|bleeding|oozing) (?:(?:at|on|"
        r"around|from|near|by|of) )(?:the |my )?(?:incision|wound|cut|scar|stitches|site|"
        r"injection site|needle site|bandage|battery|pump|device|puncture|spot|back)",
        r"(?:herida|incision|cicatriz|puntos|grapas|sitio|piquete|pinchazo|zona|"
        r"donde (?:me )?(?:inyectaron|pincharon|pusieron la aguja|operaron)|donde (?:esta|"
        r"tengo) (?:la|el) (?:bateria|bomba|aparato|generador)) (?:(?:esta|estan|se ve|se puso|"
        r"se siente|muy|bien|me|le|un poco|todavia|sigue|de la inyeccion|"
        r"del pinchazo) ){0,3}(?:roj[oa]s?|enrojecid\w*|hinchad\w*|inflamad\w*|caliente|"
        r"abiert[oa]|sangr\w*|supur\w*|infectad\w*|huele mal|con pus|echa pus|sale pus|secrecion|"
        r"amarill\w*|verde)",
        r"(?:incision|wound|stitch(?:es)?|sutures?|staples?|bandage|dressing|needle site|"
        r"injection site|shot site|puncture site|battery site|"
        r"pump site)[^.;!?\n]{0,35}?(?:red(?:ness)?|swollen|swelling|puffy|hot|warm|pus|ooz\w*|"
        r"drain\w*|discharg\w*|leak\w*|weep\w*|bloody|infected|smell\w*|stink\w*|soak\w*|blood)",
        r"(?:red(?:ness)?|swollen|swelling|puffy|hot|warm|pus|ooz\w*|drain\w*|leak\w*|"
        r"bloody) [^.;!?\n]{0,25}?(?:at|on|around|near|by|from|of) (?:the |my )?(?:incision|wound|"
        r"needle site|injection site|shot site|puncture site|battery site|pump site|stitches)",
        r"(?:bump|lump|knot|swelling) (?:(?:is|thats|that is|keeps) )?(?:getting|growing|"
        r"gets) (?:bigger|larger)",
        r"supur\w*",
        r"secrecion",
        r"(?:sale|salio|tiene|echa) (?:pus|liquido|agua|sangre)",
        r"infeccion",
        r"infectad[oa]",
        r"(?:sangra|sangrando|sangrado) (?:mucho|bastante|sin parar)",
        r"(?:bleed|blead)\w* (?:a lot|heavily|everywhere)",
        r"no (?:para|deja) de sangrar",
    ),
    _rule(
        "BATTERY_SITE",
        _all(_UNCL, ROUTINE, SCS=_o("SCS_BATTERY_SITE", URGENT)),
        r"(?:where (?:the|my) (?:battery|generator|stimulator|device|implant|ipg|pump) (?:is|was|"
        r"sits|went in)|(?:battery|generator|ipg|stimulator|device|implant|pump) (?:site|area|"
        r"spot|pocket|incision|scar|cut|wound)|(?:around|over|near|at|by|under|on) (?:the|"
        r"my) (?:battery|generator|ipg)|donde (?:esta|tengo|pusieron|me pusieron) (?:la|"
        r"el) (?:bateria|generador|estimulador|aparato|bomba)|(?:zona|sitio|herida) (?:de|"
        r"del) (?:la )?(?:bateria|generador|estimulador|"
        r"aparato|bomba))[^.;!?\n]{0,40}?" + _PAINY,
        _PAINY
        + r"[^.;!?\n]{0,40}?(?:where (?:the|my) (?:battery|generator|stimulator|device|implant|ipg|"
        r"pump) (?:is|was|sits|went in)|(?:battery|generator|ipg|stimulator|device|implant|"
        r"pump) (?:site|area|spot|pocket|incision|scar)|(?:around|over|near|at|by|under|"
        r"on) (?:the|my) (?:battery|generator|ipg)|donde (?:esta|tengo|pusieron|"
        r"me pusieron) (?:la|el) (?:bateria|generador|estimulador|aparato|bomba)|(?:zona|"
        r"sitio) (?:de|del) (?:la )?(?:bateria|generador|estimulador|bomba))",
        r"(?:battery|generator|ipg|bateria|generador) (?:(?:is|feels?|so|area|site|really|very|"
        r"esta|me|spot|pocket) ){0,2}(?:hurts?|hurting|sore|tender|painful|burning|burns|on fire|"
        r"throbbing|aching|duele|arde|quema)",
    ),
    _rule(
        "SKIN_BREAKDOWN",
        _all("SCS_SKIN_BREAKDOWN", URGENT),
        r"(?:skin|scar|incision) (?:(?:over|on|above|around) (?:the|my) (?:battery|device|"
        r"generator|wire|lead|implant|pump|stimulator) )?(?:(?:is|looks|getting|so|really|very|"
        r"has|been|starting to|started to) ){0,2}(?:breaking (?:down|open)|broke(?:n)? (?:down|"
        r"open)|thin|thinning|wearing (?:thin|through)|erod\w*|splitting|coming apart)",
        r"(?:can|i can) see (?:the |my )?(?:wire|lead|device|battery|metal|implant|pump|catheter)",
        r"(?:wire|lead|device|battery|metal|implant|pump|catheter) (?:is )?(?:poking|sticking|"
        r"coming|pushing|showing) (?:out|through)",
        r"se (?:ve|asoma) (?:el|la) (?:cable|bateria|aparato|metal|generador|bomba)",
        r"(?:la )?piel [^.;!?\n]{0,30}?(?:se (?:abrio|rompio|esta abriendo|esta rompiendo)|"
        r"muy delgada)",
        r"se (?:esta )?saliendo (?:el|la) (?:cable|bateria|aparato)",
    ),
    _rule(
        "SCS_COVERAGE",
        _all(_UNCL, ROUTINE, SCS=_o("SCS_COVERAGE", ROUTINE)),
        r"(?:stim|stimulation|stimulator|tingling|buzz\w*|paresthesias?|coverage|therapy|zaps?|"
        r"program) (?:(?:is|feels?|felt|has|have|seems?|got|just|now|keeps?|kind of|kinda|like|"
        r"its|it|is|to be|been) ){0,3}(?:different|changed|weaker|stronger|moved|shifted|gone|"
        r"stopped|off|wrong|weird|not (?:covering|working|right|there|the same)|in (?:the wrong|"
        r"a different) (?:place|spot)|(?:in|into|to) my (?:ribs|chest|butt|stomach|belly|side|arm|"
        r"groin)|uncomfortable|jolting|shocking|too strong|cutting out|comes and goes)",
        r"(?:lost|losing|no) (?:my )?(?:coverage|stimulation|stim)",
        r"(?:dont|cant|do not|cannot|no longer) feel (?:the |my )?(?:stim|stimulation|stimulator|"
        r"tingling|buzz\w*)",
        r"stimulator (?:isnt|is not|not|stopped|wont|doesnt) (?:working|helping|turn\w* on|"
        r"charg\w*)",
        r"(?<!phone )(?<!cell )(?:battery|stimulator|charger|remote) (?:(?:is|keeps) )?(?:dead|"
        r"died|dying|low|beeping)",
        r"(?<!phone )(?<!cell )(?:battery|stimulator|charger|remote) (?:wont|doesnt|does not|isnt|"
        r"is not|not|stopped|cant|will not) (?:charg\w*|work\w*|connect\w*|pair\w*|turn\w* on)",
        r"(?:la )?estimulacion (?:(?:se|ya|esta|la siento|me|siente|sienta|"
        r"siento) ){0,2}(?:diferente|cambio|movio|mas fuerte|mas debil|rara|no (?:la siento|"
        r"funciona|cubre))",
        r"(?:ya )?no siento (?:el|la) (?:estimulador|estimulacion|cosquilleo)",
        r"(?:el )?estimulador (?:no|ya no) (?:funciona|sirve|carga|prende)",
    ),
    _rule(
        "NUMB_TINGLE",
        _all("NUMB_TINGLE", URGENT),
        r"numb(?:ness|nes|ing|ed)?",
        r"num (?:and|legs?|feet|foot|toes)",
        r"tingl\w*",
        r"tingel\w*",
        r"pins (?:and|&|n|an) needles",
        r"prickl\w*",
        r"electric(?:al)? (?:shocks?|zaps?|jolts?|feeling|sensation)",
        r"(?:shocks?|zaps?|zings?) (?:(?:going|running|shooting) )?(?:down|in|into|through) "
        + _MY
        + _LIMB,
        r"(?:legs?|feet|foot|arms?|hands?|toes|fingers|thighs?|calf) (?:(?:is|are|keeps?|kept|"
        r"keep|went|goes|going|feels?|felt|fell|falling|has|have|been|all|always|like|its|it|"
        r"as if|kind of|kinda|constantly) ){0,4}asleep",
        r"(?:no|lost|loss of|losing|decreased|less|no more) (?:feeling|sensation) (?:in|on|of|down)",
        r"(?:cant|cannot|can not|dont|couldnt) feel "
        + _MY
        + r"(?:toes|fingers|skin|thighs?|shin|calf|heel)",
        r"hormigue\w*",
        r"hormiguean",
        r"cosquilleo",
        r"adormec\w*",
        r"entumec\w*",
        r"entumid\w*",
        r"entumi\w*",
        r"(?:piernas?|pies?|brazos?|manos?|dedos|muslos?) (?:(?:se me|me|esta|estan|se|siento|muy|"
        r"la|las|tengo) ){0,3}(?:dormid\w*|duerme\w*|duermen)",
        r"se me (?:duerme|duermen|durmio|durmieron) "
        + _ES_ART
        + r"(?:piernas?|pies?|brazos?|manos?|dedos)",
        r"(?:toques|descargas|corrientes) (?:electric\w* )?(?:en|por) "
        + _ES_ART
        + r"(?:piernas?|brazos?|pies)",
        r"toques? electric\w*",
        r"corrientazos?",
        r"(?:ants?|bugs?) crawling",
        r"crawling (?:feeling|sensation)",
        r"(?:como )?hormigas",
        r"sin sensibilidad",
        r"perdi (?:la )?sensibilidad",
        r"no siento (?:los dedos|la piel|el muslo)",
        yields_to=frozenset({"SADDLE", "WEAKNESS"}),
        yields_by_procedure={
            "SCS": frozenset({"SCS_COVERAGE"}),
            "FACET_SI": frozenset({"FACET_BURNING"}),
        },
    ),
    _rule(
        # New shooting leg or arm pain (radiculopathy: haematoma, nerve injury). "Still"/"same as
        # before" pain is the patient's original complaint and is downgraded in _downgrade_old_pain.
        "SHOOTING",
        _all("NUMB_TINGLE", URGENT),
        r"(?:shooting|radiating|electric|zinging|lightning) (?:pains? )?(?:(?:going|running|goes|"
        r"runs|that goes|that runs|down|into|in|to|through|thru|all the way) ){1,3}"
        + _MY
        + r"(?:legs?|arms?|"
        r"foot|feet|hands?|butt|buttocks?|calf|thigh|toes|fingers)",
        r"(?:pain|it) (?:(?:is|that|keeps|now|just|started|starts|has been) ){0,2}(?:shooting|"
        r"radiating|running|going|shoots|radiates|runs|goes|travels|traveling) (?:down|into|in|to|"
        r"through) " + _MY + r"(?:legs?|arms?|foot|feet|hands?|calf|thigh|toes|fingers)",
        r"(?:burning|stabbing|sharp|searing|electric|shooting|zapping) (?:pain|sensation|feeling|"
        r"ache) (?:(?:going|running|that goes|that runs|down|into|in|through|"
        r"thru) ){1,2}(?:the (?:back|front|"
        r"side|outside|inside) of )?" + _MY + r"(?:legs?|arms?|foot|feet|calf|thigh|buttocks?)",
        r"sciatica",
        r"(?:dolor|ardor|corriente) (?:que )?(?:me )?(?:baja|corre|se va|se corre|irradia|recorre) "
        r"(?:por|a|hacia|hasta) " + _ES_ART + r"(?:piernas?|brazos?|pies?|dedos)",
        r"ciatica",
        yields_to=frozenset({"NUMB_TINGLE"}),
    ),
    _rule(
        "FACET_BURNING",
        _all(_UNCL, ROUTINE, FACET_SI=_o("FACET_BURNING", ROUTINE)),
        r"(?:burning|burns|burn|numb(?:ness|nes|ing|ed)?|tingl\w*|sunburn\w*|sensitive|raw|"
        r"on fire|ardor|arde|quema\w*|adormecid\w*|entumecid\w*|hormigue\w*) (?:(?:feeling|"
        r"sensation|pain|skin|is|on|over|at|in|around|across|where|the|my|they|it|its|en|la|el|de|"
        r"donde|me) ){0,4}(?:back|neck|skin|site|spot|area|treated|burned|espalda|cuello|piel|"
        r"zona|quemaron|trataron)",
        r"(?:back|neck|skin|site|spot|area|espalda|cuello|piel|zona) (?:(?:is|feels?|feel|so|very|"
        r"really|kind of|kinda|all|esta|me|se siente|muy) ){0,3}(?:burning|burns|on fire|"
        r"numb(?:ness|nes|ing|ed)?|tingl\w*|sunburned|sensitive|raw|ardor|arde|quema|adormecid\w*|"
        r"entumecid\w*|hormigue\w*)",
    ),
    # Intrathecal pump specifics.
    _rule(
        "PUMP_ALARM",
        _all(_UNCL, ROUTINE, ITDD=_o("PUMP_ALARM", URGENT)),
        r"(?:pump|device|implant|thing|machine|bomba|aparato|it) (?:(?:is|keeps?|kept|has been|"
        r"started|been|was|keeps on|esta|sigue|empezo a) ){0,2}(?:beep\w*|alarm\w*|chirp\w*|"
        r"buzzing|sonando|pitando|pita)",
        r"(?:alarm|alarma) (?:(?:is|keeps?|has been|went|started|esta|sigue|"
        r"keeps on) ){0,2}(?:going off|sounding|beeping|ringing|sonando|pitando)",
        r"alarma (?:de la bomba|del aparato)",
        r"pump alarm",
        r"(?:pump|device|implant|bomba|aparato)[^.;!?\n]{0,20}?(?:noise|sound|ruido|sonido)s?",
        r"beeping",
        r"beeps",
        r"pitido\w*",
        r"(?:hear|heard|hearing|escucho|oigo) (?:a |an |un )?(?:beep\w*|alarm\w*|alarma|pitido)",
    ),
    _rule(
        "NAUSEA",
        _all(_UNCL, ROUTINE, ITDD=_o("ITDD_NAUSEA_URINE", URGENT)),
        r"nause\w*",
        r"nausous",
        r"queasy",
        r"throw(?:ing)? up",
        r"threw up",
        r"vomit\w*",
        r"puk(?:e|ed|ing)",
        r"sick to my stomach",
        r"dry heav\w*",
        r"ganas de vomitar",
        r"devolv\w*",
        r"(?:estomago|panza) revuelt[oa]",
        "\U0001f922",
        "\U0001f92e",
    ),
    _rule(
        "ITCH",
        _all(_UNCL, ROUTINE),
        r"itch\w*",
        r"prurit\w*",
        r"picazon",
        r"comezon",
        r"me pica\w*",
        r"(?:me )?pica (?:todo|el cuerpo|mucho)",
    ),
    _rule(
        "SWEATS",
        _all(_UNCL, ROUTINE),
        r"sweat\w*",
        r"sudor\w*",
        r"sudando",
        r"sudoracion",
    ),
    _rule(
        "SPASM",
        _all(_UNCL, ROUTINE, ITDD=_o("ITDD_WITHDRAWAL", URGENT)),
        r"spasm\w*",
        r"(?:muscles?|body|legs?) (?:(?:are|is|so|very|really|getting|feel|feels|"
        r"all) ){0,2}(?:stiff|rigid|tight|jerking|twitching)",
        r"muscle stiffness",
        r"rigidity",
        r"jerking",
        r"twitching",
        r"myoclon\w*",
        r"espasmos?",
        r"rigidez muscular",
        r"(?:musculos?|cuerpo|piernas?) (?:muy )?(?:rigid|ties|tens)[oa]s?",
        yields_to=frozenset({"STIFF_NECK", "COLLAPSE"}),
    ),
    # Blood sugar wording without a number ("sugar through the roof"); readings in _sugar_findings.
    _rule(
        "SUGAR_WORDS",
        {"*": None},
        r"(?:blood sugars?|sugars?|glucose|bg|azucar|glucosa|glicemia|glucemia)",
        output=False,
    ),
    # Vertebral augmentation: adjacent-level fracture, retroperitoneal bleed.
    _rule(
        "NEW_BACK_PAIN",
        _all(
            "PAIN_WORSE",
            ROUTINE,
            VA=_o("VA_ADJACENT_PAIN", URGENT),
            DISC=_o("DISC_BACK_WORSE", URGENT),
        ),
        r"new (?:(?:sharp|bad|severe|stabbing|sudden|different|strong|kind of) )*(?:pain|"
        r"back pain|ache)"
        r"(?: (?:in|on) " + _MY + r"(?:back|spine|ribs?|mid back|upper back|lower back))?",
        r"(?:sharp|sudden|stabbing) (?:new )?(?:pain|back pain) (?:(?:in|on) )?"
        + _MY
        + r"(?:(?:upper|mid|"
        r"middle|lower|low) )?(?:back|spine|ribs?)",
        r"(?:pain|hurts?|hurting) (?:(?:is|now|just|right|a little|a bit|an inch|two inches|"
        r"couple inches|one level|a level|higher|lower|up) ){0,3}(?:above|below|higher than|"
        r"lower than|up from|down from) (?:where|the (?:spot|level|place|area|cement|surgery|"
        r"procedure|treated|old))",
        r"felt (?:a |something )?(?:pop|crack|snap)",
        r"(?:dolor|duele) (?:nuevo )?(?:(?:mas|un poco) )?(?:arriba|abajo) (?:de donde|del lugar|"
        r"de la zona)",
        r"(?:dolor|punzada) (?:nuev[oa]|fuerte y de repente|"
        r"agud[oa] nuev[oa]) (?:en (?:la )?espalda)?",
        r"nuevo dolor",
        r"senti (?:un )?(?:crujido|tronido|trueno|chasquido)",
    ),
    _rule(
        "BACK_WORSE",
        _all("PAIN_WORSE", ROUTINE, DISC=_o("DISC_BACK_WORSE", URGENT)),
        r"(?:back|spine|back pain|low back|lower back) (?:(?:pain|is|has|been|getting|gotten|got|"
        r"way|much|so much|a lot|lot|really|sharply|even|now|suddenly|keeps|"
        r"getting) ){0,4}(?:worse|unbearable|excruciating|worse and worse)",
        r"(?:worse|worsening|increasing|excruciating|unbearable) (?:back|spine|low back|"
        r"lower back) pain",
        r"(?:dolor de espalda|espalda) (?:(?:esta|me|mucho|muy|cada vez|mas|se|ha|puesto|"
        r"duele) ){0,3}(?:peor|insoportable)",
        yields_to=frozenset({"NEW_BACK_PAIN"}),
    ),
    _rule(
        "FLANK_PAIN",
        {"*": None},
        r"(?:flank|side(?! effects?)|belly|stomach|tummy|abdomen|abdominal|groin|gut|costado|"
        r"barriga|panza|vientre|ingle|estomago) [^.;!?\n]{0,25}?(?:pain\w*|hurts?|hurting|ache\w*|"
        r"aching|cramp\w*|dolor|duele|molest\w*|swollen|distended|bloated|hinchad[oa]|"
        r"inflamad[oa])",
        r"(?:pain\w*|hurts?|hurting|ache\w*|aching|cramp\w*|dolor|duele|"
        r"molest\w*) [^.;!?\n]{0,25}?(?:flank|side(?! effects?)|belly|stomach|tummy|abdomen|"
        r"abdominal|groin|gut|costado|barriga|panza|vientre|ingle|estomago)",
        output=False,
    ),
    _rule(
        "DIZZY",
        _all(_UNCL, ROUTINE),
        r"dizz\w*",
        r"dizi\w*",
        r"light ?headed\w*",
        r"woozy",
        r"faint(?:ing|ish)?",
        r"room (?:is )?spinning",
        r"vertigo",
        r"(?:about|going|gonna) to pass out",
        r"gonna pass out",
        r"mare[oa]\w*",
        r"(?:me voy a|me quiero) desmayar",
        r"se me va la cabeza",
        yields_to=frozenset({"COLLAPSE"}),
    ),
    _rule(
        # A racing heart can be the only sign of a cement or air embolism (000, 002).
        "PALPITATIONS",
        _all(_UNCL, URGENT),
        r"palpitation\w*",
        r"(?:heart|pulse) (?:(?:is|keeps|has been|been|feels) ){0,2}(?:racing|pounding|fast|"
        r"skipping|fluttering|beating (?:fast|hard|weird))",
        r"palpitaciones",
        r"(?:el )?corazon (?:me )?(?:late (?:muy )?(?:rapido|fuerte)|acelerado|palpita)",
    ),
    _rule(
        "VISION",
        _all(_UNCL, URGENT),
        r"(?:blurry|blurred|double|dim|losing my|lost my|loss of) (?:vision|eyesight|sight)",
        r"vision (?:(?:is|has been|got|went) ){0,2}(?:blurry|blurred|double|dim|weird|dark|black|"
        r"gone)",
        r"seeing double",
        r"(?:cant|cannot|can not) see (?:out of|well|right|straight)",
        r"vista (?:borrosa|doble|nublada)",
        r"veo (?:borroso|doble|nublado)",
    ),
    # Headaches: mentions here, severity and posture in _headache_findings.
    _rule(
        "HEADACHE",
        _all("HEADACHE", ROUTINE),
        r"head ?ache?s?",
        r"hed ?aches?",
        r"headach",
        r"haedaches?",
        r"head ?akes?",
        r"migraines?",
        r"(?:my )?head (?:(?:is|feels?|so|really|just|keeps|still) ){0,2}(?:hurts?|hurting|"
        r"pounding|pounds|throbs|aches|killing me|throbbing|splitting|exploding|bursting|aching|"
        r"about to explode|going to explode|gonna explode)",
        r"pressure in (?:my )?head",
        r"head pains?",
        r"pain in (?:my|the) head",
        r"dolor en la cabeza",
        r"dolor(?:es)? de cabeza",
        r"(?:me )?duele (?:mucho |muchisimo |bastante )?(?:la )?cabeza",
        r"cefalea",
        r"jaqueca",
        r"migrana",
        r"(?:la )?cabeza (?:me )?(?:(?:va a|esta a punto de|quiere) )?(?:explotar|revienta|"
        r"estalla|palpita|late)",
        "\U0001f915",
    ),
    # Plain pain and worsening pain.
    _rule(
        "PAIN_WORSE",
        _all("PAIN_WORSE", ROUTINE),
        r"(?:pain|hurt\w*|ache|aching|sore\w*|it|its) (?:(?:is|has|been|getting|gotten|got|much|"
        r"way|a lot|lot|even|now|keeps|so much|alot|just) ){0,3}(?:worse|worst|increas\w*|"
        r"unbearable|excruciating|out of control)",
        r"(?:worse|more|increased|worsening|increasing|unbearable|excruciating|severe|terrible|"
        r"awful|horrible) pain",
        r"(?:no|not|isnt|hasnt|wasnt|not any|no any) (?:any |much |really )?better",
        r"not improv\w*",
        r"(?:didnt|did not|hasnt|has not|havent|doesnt|does not|not) (?:help|work|improv)\w*",
        r"no (?:improvement|relief|change)",
        r"(?:didnt|did not|hasnt|has not|doesnt|does not) do (?:much|anything|a thing|squat|jack)",
        r"no (?:me )?hizo (?:nada|efecto)",
        r"still (?:hurts|hurting|in pain|painful|sore|bad|the same|there)",
        r"hurts? (?:more|worse)",
        r"(?:me )?duele (?:mas|peor)",
        r"mas dolor",
        r"(?:el )?dolor (?:(?:esta|es|ha|se|sigue|me|muy) ){0,2}(?:peor|mas fuerte|aumento|"
        r"insoportable|igual)",
        r"no (?:me )?(?:ha )?(?:mejor\w*|ayud\w*|sirvi\w*|funcion\w*|hizo nada)",
        r"sin (?:mejoria|alivio|cambio)",
        r"sigue (?:igual|doliendo|el dolor)",
        r"sigo (?:igual|con dolor|mal)",
        r"empeor\w*",
        yields_to=frozenset({"BACK_WORSE", "NEW_BACK_PAIN"}),
    ),
    _rule(
        "UNCLASSIFIED",
        _all(_UNCL, ROUTINE),
        r"pain(?:s|ful|fully)?",
        r"hurt(?:s|ing)?",
        r"aches?",
        r"aching",
        r"achy",
        r"sore(?:ness)?",
        r"throb(?:s|bing)?",
        r"stabbing",
        r"burning",
        r"cramp(?:s|ing|y)?",
        r"killing me",
        r"tender",
        r"stiff(?:ness)?",
        r"(?:feel|feeling|feels|felt) (?:(?:so|very|really|kinda|kind of|a bit|a little|just|"
        r"pretty|super) ){0,2}(?:weird|off|funny|strange|odd|bad|sick|ill|awful|terrible|horrible|"
        r"crappy|crummy|lousy|unwell|wrong|worse|like crap|like shit|not (?:good|well|right|great|"
        r"ok|okay)|different|blah|meh|yucky|icky|rough|gross|like garbage|like death|run down|"
        r"rundown|under the weather|not myself|sluggish)",
        r"acting up",
        r"(?:poca|sin|no tengo|nada de) (?:energia|ganas|fuerzas)",
        r"(?:low|no|zero) energy",
        r"playing up",
        r"flar(?:ing|ed|e up|ed up)",
        r"(?:im|i am) (?:(?:so|very|really|kinda|kind of|a bit|a little|just|pretty|"
        r"super) ){0,2}(?:sick(?! of)|ill|unwell|not (?:ok|okay|well|good|doing well))",
        r"something (?:(?:is|feels|seems|just) )?(?:wrong|off|not right|weird|strange)",
        r"not (?:feeling|doing) (?:(?:so|too|very) )?(?:well|good|great|right|ok|okay)",
        r"(?:dont|do not|didnt|doesnt) feel (?:(?:so|very|too|that) )?(?:well|good|great|right|ok|"
        r"okay)",
        r"(?:pee|urine|orina) (?:(?:is|looks|has been) )?(?:dark|bloody|red|brown|cloudy|burns|"
        r"smells)",
        r"burns when i pee",
        r"(?:arde|duele) al orinar",
        r"(?:leg|legs|arm|arms|back|neck|foot|feet|hand|body|hip|butt|head|it) (?:(?:feels?|is|"
        r"are|looks|seems) ){1,2}(?:weird|off|funny|strange|odd|wrong|different|not right)",
        r"diarrh\w*",
        r"uti",
        r"(?:sinus|ear|tooth|urinary|bladder|chest|yeast) infection",
        r"constipat\w*",
        r"tired",
        r"fatigue\w*",
        r"exhausted",
        r"swollen",
        r"swelling",
        r"bruis\w*",
        r"rash\w*",
        r"hives",
        r"cough\w*",
        r"sick(?! of| and tired)",
        r"flu",
        r"covid",
        r"bleed\w*",
        r"blood(?! (?:sugar|glucose|work|test|draw|patch|pressure cuff))",
        r"flush(?:ed|ing)?",
        r"hot flash\w*",
        r"(?:i|he|she) fell",
        r"fell down",
        r"had a fall",
        r"tripped",
        r"(?:cant|couldnt|cannot) sleep",
        r"insomnia",
        r"shak(?:y|ing)",
        r"tremors?",
        r"limp(?:ing)?",
        r"worried",
        r"worry",
        r"concerned",
        r"scared",
        r"anxious",
        r"(?:pain )?(?:meds|medications?|medicines?|pills|painkillers?|oxy\w*|percocet|norco|"
        r"hydrocodone|tramadol|gabapentin|lyrica|prednisone|antibiotics?)",
        r"(?:meds?|medications?|prescriptions?|pills?|script) refill",
        r"refill (?:on|of|for) (?:my )?(?:meds|medications?|pain|pills|prescriptions?|script)",
        r"(?:im|i am|i was|was|been|went|go|going|ended up|am|we are|were|in|at) (?:(?:to|in|"
        r"at) )?(?:the )?(?:er|emergency room|hospital|urgent care)",
        r"(?:admitted|ambulance|911|paramedics)",
        r"(?:please |pls |plz )?call me(?: back)? (?:asap|now|right away|urgently|immediately|"
        r"please)",
        r"please call me",
        r"asap",
        r"urgent\w*",
        r"emergency",
        r"help me(?! (?:with|understand|find|figure|reschedul\w*|log|change|cancel))",
        r"need help(?! (?:with|reschedul\w*|log\w*|finding|understanding))",
        r"please help",
        r"me siento (?:(?:muy|un poco|bien|tan|super) )?(?:mal|rar[oa]|extran[oa]|enferm[oa]|"
        r"fatal|peor)",
        r"(?:estoy|ando) (?:(?:muy|un poco|bien|super) )?(?:mal|malit[oa]|enferm[oa])",
        r"no me siento bien",
        r"algo (?:anda|esta) mal",
        r"no estoy bien",
        r"(?:muy|bastante|super) mal",
        r"dolor\w*",
        r"duel(?:e|en)",
        r"doliendo",
        r"adolorid[oa]s?",
        r"molest(?:ia|ias|a)",
        r"ardor",
        r"punzadas?",
        r"calambres?",
        r"diarrea",
        r"estrenid[oa]",
        r"cansad[oa]s?",
        r"fatiga\w*",
        r"agotad[oa]s?",
        r"hinch\w*",
        r"inflamad[oa]s?",
        r"moreton\w*",
        r"morados?",
        r"sarpullido",
        r"ronchas",
        r"tos",
        r"gripa?e?",
        r"sangr\w*",
        r"me cai",
        r"(?:una )?caida",
        r"preocupad[oa]s?",
        r"miedo",
        r"asustad[oa]s?",
        r"pastillas",
        r"medicinas?",
        r"medicamentos?",
        r"receta",
        r"urgencias",
        r"emergencia",
        r"ambulancia",
        r"llam(?:en|e|a)me (?:por favor|pronto|urgente|ya|rapido)",
        r"urgente",
        r"ayuda(?:me)?",
        r"auxilio",
        r"socorro",
        r"bochorno\w*",
        "\U0001f637",
        "\U0001f915",
        "\U0001f635",
        improvable=True,
        yields_to=frozenset(),  # filled below: yields to every specific rule
    ),
    _rule(
        # Last net: a body part or bodily function named in a text no other rule understood
        # ("my bladder feels full but nothing comes out") goes to a human, unless the patient
        # says it is fine ("my incision looks good"). Missing a phrasing must not mean "benign".
        "BODY",
        _all(_UNCL, ROUTINE),
        r"(?:my|his|her|both|both of my) (?:left |right |lower |upper )?(?:legs?|arms?|feet|foot|toes|"
        r"hands?|fingers|knees?|hips?|back|spine|neck|head|chest|lungs?|heart|bladder|bowels?|"
        r"stomach|belly|tummy|groin|butt|bottom|incision|wound|stitches|skin|vision|eyes?|speech|"
        r"balance|pee|urine|private parts?|privates)",
        r"(?:mis|mi|la|las|el|los) (?:piernas?|brazos?|pies|pie|manos?|dedos|rodillas?|caderas?|"
        r"espalda|columna|cuello|cabeza|pecho|pulmones|corazon|vejiga|intestinos?|estomago|panza|"
        r"barriga|ingle|nalgas|herida|puntos|piel|vista|ojos?|orina)",
        r"breath(?:e|ing)?",
        r"respir(?:ar|o|a|ando|acion)",
        r"bladder",
        r"bowels?",
        r"vejiga",
        r"orinar",
        r"urinat\w*",
        improvable=True,
    ),
)

_RULE_BY_KEY = {rule.key: rule for rule in _RULES}

# Plain mentions of pain and the like give way to any specific finding over the same words.
_SPECIFIC_KEYS = frozenset(k for k in _RULE_BY_KEY if k not in {"UNCLASSIFIED", "BODY"})
_RULE_BY_KEY["UNCLASSIFIED"] = dataclasses.replace(
    _RULE_BY_KEY["UNCLASSIFIED"], yields_to=_SPECIFIC_KEYS - {"SUGAR_WORDS"}
)
_RULE_BY_KEY["BODY"] = dataclasses.replace(
    _RULE_BY_KEY["BODY"], yields_to=_SPECIFIC_KEYS | {"UNCLASSIFIED"}
)
_RULES = tuple(_RULE_BY_KEY[rule.key] for rule in _RULES)


def _outcome(rule_outcomes: Mapping[str, Outcome | None], procedure: str | None) -> Outcome | None:
    """Outcome for a known procedure; for None, the highest any procedure would give."""
    if procedure is None:
        best: Outcome | None = None
        for outcome in rule_outcomes.values():
            if outcome and (best is None or _RANK[outcome[1]] > _RANK[best[1]]):
                best = outcome
        return best
    for key in (procedure, *_FAMILY.get(procedure, ())):
        if key in rule_outcomes:
            return rule_outcomes[key]
    return rule_outcomes.get("*")


def _max_tier(rule: _Rule) -> str | None:
    outcome = _outcome(rule.outcomes, None)
    return outcome[1] if outcome else None


# --------------------------------------------------------------------------------------------
# Negation, resolution and improvement.

_NEG_CUE = re.compile(
    _B + r"(?:no(?![a-z0-9])(?! se (?:si|que|cual|como|donde|por|cuando))(?! (?:sure|idea)"
    r"(?![a-z0-9]))|not(?! (?:sure|certain|able))|nor|never|without|denies|deny|denied|denying|"
    r"dont(?! know)|doesnt|didnt|havent|hasnt|hadnt|isnt|arent|wasnt|werent|aint|none|nothing|"
    r"neither|negative for|free of|got rid of|nada de|ni|sin|nunca|tampoco|jamas|niega|nego|"
    r"niegan|"
    r"se me quito|se quito|se me paso|ya se fue|se me fue|desaparecio|ningun|ninguna|ninguno)" + _E
)
_FILLERS = _words(
    """a an the any have has had having feel feeling felt feels get getting got experience
    experiencing experienced notice noticed noticing see seen seeing sign signs of more real really
    significant major new further longer been being much too so very problems problem issues issue
    trouble with at all i im is are was were it there theres think believe as far anything like such
    since yet kind sort some symptoms complaints do does did even bad serious that obvious either
    whatsoever evidence single bit little slightest in
    tengo tiene tenido tuve tuvo tenga tenia he ha has hay habido siento sentido senti siente
    sentido me se le te nada de del la el los las un una mas muy tanto problemas problema con en
    ya sintomas senales signos creo que hasta otra"""
)
_COMPARATIVE = re.compile(
    _B
    + r"(?:(?:this|that|so|as)(?! (?:far|of|well|much as)"
    + _E
    + r") [a-z]+|like (?:this|that|it)|"
    r"before|asi|tan [a-z]+|como (?:este|esta|ahora|hoy)|antes)" + _E
)
_STRONG_CONJ = frozenset({"or", "nor", "ni", "o", "u", "/", "&"})
_WEAK_CONJ = frozenset({"and", "y", "e", ",", "+"})
_GAP_TOKEN = re.compile(r"[a-z0-9]+|[,/&+]")
# Symptom nouns that stand as items of a negated list even where no rule matched them alone
# ("no redness or drainage": "redness" is a list item, not a word that breaks the scope).
_LIST_NOUNS = _words(
    """redness swelling warmth drainage pus discharge fever fevers chills numbness tingling weakness
    pain pains headache headaches nausea vomiting bleeding bruising itching sweats dizziness
    confusion soreness stiffness spasms oozing leaking fiebre escalofrios dolor dolores hinchazon
    enrojecimiento sangrado mareo mareos nauseas vomito vomitos hormigueo debilidad entumecimiento
    comezon picazon"""
)

_RESOLVED_CUE = re.compile(
    _B
    + r"(?:(?:is|are|was|has|have|its|all) gone|gone (?:now|away|completely)|went away|go(?:ne)? "
    r"away now|resolved|cleared(?: up)?|stopped|broke(?! out| open| down)|disappeared|subsided|"
    r"passed(?! out)|went down|is over|are over|gone(?! (?:numb|weak|dead|red|cold|bad|worse|"
    r"stiff|down))|(?:se|me) (?:me )?(?:quito|quitaron|fue|fueron|paso|pasaron|acabo|calmo)|"
    r"ya (?:se )?(?:paso|quito|fue|pasaron|quitaron)|desaparec\w*|ya no (?:lo |la |los |"
    r"las )?tengo)" + _E
)
_POST_FILLERS = _words(
    """is are was were has have had been it its that thats the all now completely totally finally
    pretty much mostly basically fully by itself on own yesterday today last night this morning
    afternoon evening week since then but and though which so i think seems to has mine my also
    both ya se me le lo la el ha han por completo ayer hoy pero y anoche manana esta semana tambien
    casi ahora looks look looked feels feel felt seems ve ven veo siente sienten siento esta estan"""
)
_PLURAL_WORDS = frozenset(
    {"are", "were", "have", "both", "all", "han", "fueron", "quitaron", "pasaron", "son"}
)
_NEG_BEFORE_CUE = re.compile(
    r"(?:not|no|hasnt|havent|hadnt|isnt|arent|wont|didnt|never|doesnt|nunca) (?:\w+ )?$"
)
_RECUR = re.compile(
    _B + r"(?:came back|come back|coming back|is back|its back|back again|returned|again|started "
    r"again|volvio|regreso|otra vez|de nuevo|vuelve)" + _E
)
_IMPROVED_WORDS = (
    r"better(?! (?:when|if|whenever|lying|laying|while|after|once|with|sitting|in bed))|"
    r"improv\w*|easing|eased|less|lessening|subsiding|mejor(?! (?:acostad\w*|al |cuando|si ))|"
    r"down to|went down|gone down|come down|way down|free|gone|mejorando|mejoro|menos|calmando|"
    r"disminu\w*|bajando|going down|0|zero|cero"
)
_IMPROVED_POST = re.compile(_B + "(?:" + _IMPROVED_WORDS + ")" + _E)
# A body part the patient says is fine ("breathing is fine", "my incision looks good").
_FINE_POST = re.compile(
    _B + "(?:" + _IMPROVED_WORDS + r"|fine|good|great|normal|ok|okay|strong|stronger|healing|"
    r"healed|perfect|clean|dry|bien|perfect[oa]|sana|sanando|limpia|seca|well)" + _E
)
_IMPROVED_PRE = re.compile(_B + r"(?:less|menos|minimal|barely|hardly|little to no)" + _E)

_HARD_BOUNDARY = re.compile(
    r"[!?;:\n]|(?<!\d)\.|\.(?!\d)|"
    + _B
    + r"(?:but|pero|however|although|though|except|excepto|salvo|"
    r"aunque|sino|still|todavia|now|ahora|yet|whereas|mientras|otherwise|besides|ademas|only|solo)"
    + _E
)
_SENTENCE_BOUNDARY = re.compile(r"[!?;\n]|(?<!\d)\.|\.(?!\d)")
_ABILITY_START = re.compile(
    r"(?:cant|cannot|can not|couldnt|unable|not|no|havent|hasnt|dont|doesnt|didnt|wont|sin|ni|"
    r"lost|losing|loss)" + _E
)


@dataclass
class _Found:
    key: str
    start: int
    end: int
    info: dict[str, object] = field(default_factory=dict)

    @property
    def rule(self) -> _Rule | None:
        return _RULE_BY_KEY.get(self.key)


class _Reader:
    """One text, normalised, with its findings; holds the negation and scope logic."""

    def __init__(self, norm: _Norm) -> None:
        self.norm = norm
        self.text = norm.text
        self.hard = sorted({m.end() for m in _HARD_BOUNDARY.finditer(self.text)})
        self.sentence_ends = sorted({m.start() for m in _SENTENCE_BOUNDARY.finditer(self.text)})
        self.sentence_starts = sorted({m.end() for m in _SENTENCE_BOUNDARY.finditer(self.text)})

    def clause_start(self, pos: int) -> int:
        i = bisect.bisect_right(self.hard, pos) - 1
        return self.hard[i] if i >= 0 else 0

    def sentence_start(self, pos: int) -> int:
        i = bisect.bisect_right(self.sentence_starts, pos) - 1
        return self.sentence_starts[i] if i >= 0 else 0

    def sentence_end(self, pos: int) -> int:
        i = bisect.bisect_left(self.sentence_ends, pos)
        return self.sentence_ends[i] if i < len(self.sentence_ends) else len(self.text)

    def set_findings(self, found: list[_Found]) -> None:
        self.found = sorted(found, key=lambda f: f.start)
        self.found_starts = [f.start for f in self.found]

    def _between(self, start: int, end: int, target: _Found, family: str = "") -> list[_Found]:
        """Other findings lying wholly inside ``[start, end)`` (same-family ones left out)."""
        out: list[_Found] = []
        i = bisect.bisect_left(self.found_starts, start)
        while i < len(self.found) and self.found[i].start < end:
            f = self.found[i]
            same_family = bool(family) and f.rule is not None and f.rule.family == family
            if f is not target and f.end <= end and not same_family:
                out.append(f)
            i += 1
        return out

    def sentence_has_other(self, target: _Found) -> bool:
        lo = self.sentence_start(target.start)
        hi = self.sentence_end(target.end)
        return any(
            f.key != target.key for f in self._between(lo, hi, target) + self._overlapping(target)
        )

    def _overlapping(self, target: _Found) -> list[_Found]:
        i = bisect.bisect_left(self.found_starts, target.start - 300)
        out = []
        while i < len(self.found) and self.found[i].start < target.end:
            f = self.found[i]
            if f is not target and _overlaps(f, target):
                out.append(f)
            i += 1
        return out

    # ---- helpers over gaps between a cue and a finding
    def _gap_tokens(self, start: int, end: int, others: list[_Found]) -> list[str]:
        """Tokens of ``text[start:end]`` with each other finding inside replaced by "M"."""
        spans = sorted((f.start, f.end) for f in others if f.start >= start and f.end <= end)
        tokens: list[str] = []
        pos = start
        for s, e in spans:
            if s < pos:
                continue
            tokens.extend(_GAP_TOKEN.findall(self.text[pos:s]))
            if not tokens or tokens[-1] != "M":
                tokens.append("M")
            pos = e
        tokens.extend(_GAP_TOKEN.findall(self.text[pos:end]))
        collapsed: list[str] = []
        for tok in tokens:
            tok = "M" if tok in _LIST_NOUNS else tok
            if not (tok == "M" and collapsed and collapsed[-1] == "M"):
                collapsed.append(tok)
        return collapsed

    def pre_negated(self, found: _Found, strict: bool) -> bool:
        matched = self.text[found.start : found.end]
        if _ABILITY_START.match(matched):
            return False  # "cant move my legs": the phrase is the symptom
        lo = max(self.clause_start(found.start), found.start - 80)
        cues = list(_NEG_CUE.finditer(self.text, lo, found.start))
        if cues and _COMPARATIVE.search(
            self.text, cues[-1].end(), min(len(self.text), found.end + 16)
        ):
            # "never had a headache this bad", "nunca tuve un dolor asi": a comparison, not a denial
            cues = [c for c in cues if c.group(0) not in {"never", "nunca", "jamas"}]
        for cue in reversed(cues[-3:]):
            others = self._between(cue.end(), found.start, found)
            if self._list_gap_ok(self._gap_tokens(cue.end(), found.start, others), strict):
                return True
        return False

    @staticmethod
    def _list_gap_ok(tokens: list[str], strict: bool) -> bool:
        state_needs_conj = False
        words = 0
        for tok in tokens:
            if tok == "M":
                if state_needs_conj:
                    return False
                state_needs_conj = True
                continue
            if tok in _STRONG_CONJ:
                state_needs_conj = False
                continue
            if tok in _WEAK_CONJ:
                if strict or not state_needs_conj:
                    return False  # "No, my legs are weak": the no answered something else
                state_needs_conj = False
                continue
            if tok not in _FILLERS:
                return False
            words += 1
            if words > 7:
                return False
        return not state_needs_conj

    def resolved(self, found: _Found, strict: bool) -> bool:
        end = self.sentence_end(found.end)
        hi = min(end, found.end + 80)
        cue = _RESOLVED_CUE.search(self.text, found.end, hi)
        if not cue:
            return False
        before = self.text[max(found.end, cue.start() - 20) : cue.start()]
        if _NEG_BEFORE_CUE.search(before):
            return False  # "hasnt gone away", "not gone"
        family = found.rule.family if found.rule else ""
        foreign = self._between(found.end, cue.start(), found, family)
        tokens = self._gap_tokens(found.end, cue.start(), foreign)
        last_m = -1
        words = 0
        for i, tok in enumerate(tokens):
            if tok == "M":
                last_m = i
                continue
            if tok in _STRONG_CONJ or tok in _WEAK_CONJ or tok in _POST_FILLERS:
                continue
            if tok.isdigit():
                continue
            words += 1
            if words > 2:
                return False
        if last_m >= 0 and strict:
            after = set(tokens[last_m + 1 :])
            plural_cue = re.search(r"(?:are|were|have|han|ron) ", cue.group(0) + " ")
            if not (after & _PLURAL_WORDS or plural_cue):
                return False
        # "went away but came back": the symptom is there again.
        return not _RECUR.search(self.text, cue.end())

    def improved(self, found: _Found) -> bool:
        hi = min(self.sentence_end(found.end), found.end + 40)
        pattern = _FINE_POST if found.key == "BODY" else _IMPROVED_POST
        post = pattern.search(self.text, found.end, hi)
        if post:
            others = self._between(found.end, post.start(), found)
            tokens = self._gap_tokens(found.end, post.start(), others)
            if "M" not in tokens and all(
                t in _POST_FILLERS or t in _FILLERS or t.isdigit() or t in {"10", "out", "of"}
                for t in tokens
            ):
                return True
        lo = max(self.clause_start(found.start), found.start - 20)
        return bool(_IMPROVED_PRE.search(self.text, lo, found.start))


# --------------------------------------------------------------------------------------------
# Readings: temperatures and blood sugar.

_TEMP_NUMBER = re.compile(
    r"(?<![\d.,/])(\d{2,3}(?:[.,]\d{1,2})?)(?![\d/])\s*(°|deg(?:rees?)?|grados?)?\s*(c|f|celsius|"
    r"centigrad\w*|fahrenheit|farenheit)?(?![a-z])"
)
_TEMP_CONTEXT = re.compile(
    _B
    + r"(?:temps?|temperature|temprature|temperture|tempature|fevers?|febrile|thermometer|running|"
    r"fiebre|temperatura|calentura|termometro|grados)" + _E
)
_NOT_TEMP_UNIT = re.compile(
    r"\s*(?:lbs?|pounds|kg|kilos?|mg|ml|mmol|units?|unidades|%|mph|miles|km|dollars|years|anos|"
    r"days|dias|hours|horas|minutes|min)(?![a-z])"
)
_SUGAR_CONTEXT = re.compile(
    _B + r"(?:blood sugars?|sugars?|glucose|glucosa|azucar|glicemia|glucemia|bg|bs|bgl|cbg|"
    r"fingerstick|finger stick|glucometer|dexcom|libre|cgm|a1c)" + _E
)
_SUGAR_NUMBER = re.compile(r"(?<![\d.,/:])(\d{1,3})(?:[.,](\d))?(?![\d:%])\s*(mmol|mg)?")
_SUGAR_EXCLUDE_AFTER = re.compile(
    r"\s*(?:units?|unidades|u\b|am|pm|hrs?|hours?|days?|dias|years?|anos|%)"
)
_BASELINE_BEFORE = re.compile(
    r"(?:usually|normally|normal|usual|typically|average|normalmente|generalmente|suele|"
    r"por lo general|casi siempre|siempre)[^.;!?\n\d]{0,14}$"
)
_SUGAR_HIGH_WORD = re.compile(
    _B + r"(?:high|higher|elevated|up|alta|altas|alto|altos|elevad[ao]s?|subid[ao]s?|por las nubes|"
    r"through the roof|sky high|out of control|crazy|insane|off the charts|wont come down)" + _E
)
_SUGAR_FAR_WORD = re.compile(
    _B + r"(?:through the roof|sky high|out of control|off the charts|crazy high|insanely high|"
    r"way (?:up|high|higher|over)|much higher|very high|really high|super high|extremely high|"
    r"so high|higher than (?:ever|usual|normal|it has ever|it usually is)|(?:muy|super|bien|"
    r"bastante) alt[ao]s?|por las nubes|mas alt[ao]s? (?:de lo normal|que nunca|de lo usual|"
    r"que de costumbre)|altisim\w*|"
    r"descontrolad\w*|wont come down|no baja)" + _E
)
_METER_HI = re.compile(
    _B + r"(?:says|said|reads|read|reading|shows|showed|showing|dice|marca|marco) [\"']?hi" + _E
)
_NEG_NEAR = re.compile(r"(?:not|no|isnt|arent|wasnt|never|nunca) (?:\w+ )?$")


def _to_float(raw: str) -> float:
    return float(raw.replace(",", "."))


def _temperature_findings(reader: _Reader) -> list[_Found]:
    text = reader.text
    found: list[_Found] = []
    for m in _TEMP_NUMBER.finditer(text):
        value = _to_float(m.group(1))
        unit_word = (m.group(3) or "").lower()
        has_degree = bool(m.group(2))
        sentence_lo = reader.sentence_start(m.start())
        before = text[max(sentence_lo, m.start() - 30) : m.start()]
        after = text[m.end() : min(reader.sentence_end(m.end()), m.end() + 15)]
        if _SUGAR_CONTEXT.search(text[max(sentence_lo, m.start() - 15) : m.start()]):
            continue
        in_context = bool(_TEMP_CONTEXT.search(before) or _TEMP_CONTEXT.search(after))
        if _NOT_TEMP_UNIT.match(text, m.end()):
            continue
        # A bare decimal in the fever range ("had 100.9 last night") is a temperature: no dose,
        # score or sugar reading is written that way.
        bare_fever = bool(re.search(r"[.,]\d", m.group(1))) and (
            100.0 <= value <= 107.0 or 37.5 <= value <= 42.5
        )
        if not (in_context or has_degree or unit_word or bare_fever):
            continue
        if unit_word.startswith(("c", "g")) or (not unit_word and 34.0 <= value <= 43.5):
            if not 34.0 <= value <= 43.5:
                continue
            fever, low = value >= 38.0, value >= 37.5
        elif unit_word.startswith("f") or (not unit_word and 90.0 <= value <= 110.0):
            if not 90.0 <= value <= 110.0:
                continue
            fever, low = value >= 100.4, value >= 99.5
        else:
            continue
        level = "fever" if fever else "low" if low else "normal"
        found.append(_Found("TEMP", m.start(), m.end(), {"level": level}))
    return found


def _sugar_findings(reader: _Reader, procedure: str | None) -> list[tuple[_Found, Outcome | None]]:
    """Blood-sugar readings and wording; DOMAIN: ESI steroid hyperglycaemia."""
    text = reader.text
    results: list[tuple[_Found, Outcome | None]] = []
    for cue in _SUGAR_CONTEXT.finditer(text):
        lo = max(reader.sentence_start(cue.start()), cue.start() - 20)
        hi = min(reader.sentence_end(cue.end()), cue.end() + 45)
        readings: list[float] = []
        baselines: list[float] = []
        last_end = cue.end()
        for m in _SUGAR_NUMBER.finditer(text, lo, hi):
            if _SUGAR_EXCLUDE_AFTER.match(text, m.end()):
                continue
            value = float(m.group(1) + ("." + m.group(2) if m.group(2) else ""))
            if m.group(3) == "mmol" or (m.group(2) and value < 35):
                value *= 18.0  # mmol/L to mg/dL
            elif value < 40:
                continue  # not a plausible mg/dL reading: a count, a dose, a day
            if _BASELINE_BEFORE.search(text[max(lo, m.start() - 30) : m.start()]):
                baselines.append(value)
            else:
                readings.append(value)
            last_end = max(last_end, m.end())
        window = text[cue.start() : hi]
        far_word = _SUGAR_FAR_WORD.search(window)
        if far_word and _NEG_NEAR.search(window[: far_word.start()][-16:]):
            far_word = None
        high_word = _SUGAR_HIGH_WORD.search(window)
        if high_word and _NEG_NEAR.search(window[: high_word.start()][-16:]):
            high_word = None
        far = bool(far_word) or bool(_METER_HI.search(text, lo, hi))
        top = max(readings) if readings else None
        base = min(baselines) if baselines else None
        if top is not None and base is not None and (top >= 2 * base or top >= base + 150):
            far = True
        if top is not None and top >= 300:
            far = True
        word_end = cue.start() + max(
            (w.end() for w in (far_word, high_word) if w is not None), default=0
        )
        span = _Found("SUGAR", cue.start(), min(hi, max(last_end, word_end, cue.end())))
        esi = procedure in (None, "ESI")
        if far:
            outcome: Outcome | None = _o("ESI_SUGAR", URGENT)
        elif (top is not None and top >= 250) or high_word:
            outcome = _o("ESI_SUGAR", URGENT) if esi else _o(_UNCL, ROUTINE)
        elif top is not None and (top >= 180 or top < 70):
            outcome = _o(_UNCL, ROUTINE)
        else:
            outcome = None
        if outcome:
            results.append((span, outcome))
    return results


# --------------------------------------------------------------------------------------------
# Headaches.

_HA_STRONG = re.compile(
    _B
    + r"(?:worst|severe|severely|sudden\w*|all of a sudden|out of nowhere|thunderclap|excruciating|"
    r"unbearable|explod\w*|explode|burst\w*|worse and worse|(?:is|its|getting|got|gotten|becoming|"
    r"keeps getting|even|much|way|progressively|steadily|more and more) worse(?! (?:when|if|"
    r"whenever|as soon as|once|sitting|standing|upright|after|with|on|every time|lying|laying|"
    r"in the))|worsening|increasing|10 ?(?:out of|of|/) ?10|el peor|la peor|peor dolor|"
    r"insoportable|de repente|repentin\w*|de golpe|cada vez (?:mas|peor)|empeor\w*|explotar|"
    r"revienta|estalla|peor(?! (?:al|cuando|si|de pie|sentad))|"
    r"worst ever|never had one like this|nunca habia tenido)" + _E
)
_HA_MODERATE = re.compile(
    _B + r"(?:bad|really bad|so bad|terrible|horrible|awful|intense|killing me|massive|huge|crazy|"
    r"blinding|brutal|fuerte|muy fuerte|fuertisimo|terrible|horrible|intenso|tremendo|muchisimo|"
    r"bastante)" + _E
)
_HA_POSITIONAL = re.compile(
    _B + r"(?:(?:worse|bad|worst|pounding|hurts|comes back|starts|kicks in|unbearable|killing me|"
    r"terrible|throbbing|horrible|only) (?:(?:when|wen|whenever|if|as soon as|once|after|"
    r"every time) )(?:i )?(?:sit|stand|get up|am up|im up|sitting|standing|upright|raise|"
    r"lift my head|walk around|am upright)|(?:when|wen|whenever|if|as soon as|once|"
    r"every time) i (?:sit|stand|get up|am up|am upright|raise my head)|(?:better|goes away|eases|"
    r"gone|stops|improves|relief|relieved|fine|ok|okay|disappears|only relief) (?:(?:when|"
    r"whenever|if|once|after|as soon as|while) )?(?:i )?(?:lie|lay|lying|laying|am lying|get|"
    r"go) (?:down|flat|in bed|back)|only (?:when|if) (?:im |i am )?(?:up|upright|sitting|standing|"
    r"sitting up)|(?:sitting|standing) (?:up )?makes it (?:worse|bad)|(?:al|"
    r"cuando me) (?:sentarme|pararme|levantarme|siento|paro|levanto|incorporo|incorporarme|"
    r"pongo de pie)|(?:estoy|estar) (?:de pie|sentad[oa]|parad[oa])|(?:se (?:me )?quita|mejora|"
    r"se calma|se alivia|desaparece) (?:al |cuando me |si me )?(?:acostarme|acuesto|acostad[oa]|"
    r"recostad[oa]|recuesto)|mejor acostad[oa])" + _E
)
_FEVER_WORD = re.compile(r"fever|fevr|fver|feaver|fevar|feber|fiebre|temp")
_NEG_QUALIFIER = re.compile(
    r"(?:not|no|isnt|wasnt|arent|nada|ni) (?:that |so |too |as |muy |tan )?$"
)
_VOMIT = re.compile(_B + r"(?:vomit\w*|throw(?:ing)? up|threw up|puk(?:e|ed|ing))" + _E)


def _qualifier(pattern: re.Pattern[str], text: str, lo: int, hi: int) -> re.Match[str] | None:
    for m in pattern.finditer(text, lo, hi):
        if not _NEG_QUALIFIER.search(text[max(lo, m.start() - 12) : m.start()]):
            return m
    return None


# --------------------------------------------------------------------------------------------
# Language.

# --------------------------------------------------------------------------------------------
# Screening.


def _overlaps(a: _Found, b: _Found) -> bool:
    return a.start < b.end and b.start < a.end


def _overlaps_any(f: _Found, items: list[_Found], starts: list[int]) -> bool:
    """Whether ``f`` overlaps any of ``items`` (sorted by start; no finding spans 300 chars)."""
    i = bisect.bisect_left(starts, f.start - 300)
    while i < len(items) and items[i].start < f.end:
        if items[i] is not f and _overlaps(f, items[i]):
            return True
        i += 1
    return False


def _find(reader: _Reader, procedure: str | None) -> list[_Found]:
    found: list[_Found] = []
    for rule in _RULES:
        for m in rule.pattern.finditer(reader.text):
            if m.end() > m.start():
                found.append(_Found(rule.key, m.start(), m.end()))
    found.extend(_temperature_findings(reader))
    # Drop findings that yield to an overlapping, more specific one.
    by_key: dict[str, list[_Found]] = {}
    for f in sorted(found, key=lambda f: f.start):
        by_key.setdefault(f.key, []).append(f)
    starts = {key: [f.start for f in items] for key, items in by_key.items()}
    kept: list[_Found] = []
    for f in found:
        rule = f.rule
        yields = set(rule.yields_to) if rule else set()
        if rule is not None and procedure is not None:
            yields |= rule.yields_by_procedure.get(procedure, frozenset())
        if not any(_overlaps_any(f, by_key[k], starts[k]) for k in yields if k in by_key):
            kept.append(f)
    kept.sort(key=lambda f: (f.start, -f.end))
    return kept


_MAX_LIVE_PER_KEY = 8


def _strict(found: _Found) -> bool:
    rule = found.rule
    if rule is None:
        return False
    if rule.key == "HEADACHE":
        return True  # a headache may turn out sudden or worsening: an emergency
    return _max_tier(rule) == EMERGENCY


def _live(reader: _Reader, found: list[_Found]) -> list[_Found]:
    """Findings that survive negation and resolution (and improvement, for plain mentions)."""
    live: list[_Found] = []
    reader.set_findings(found)
    kept_per_key: dict[str, int] = {}
    for f in found:
        if kept_per_key.get(f.key, 0) >= _MAX_LIVE_PER_KEY:
            continue  # a long text repeating one symptom: more copies change nothing
        rule = f.rule
        strict = _strict(f)
        if f.key == "TEMP":
            if reader.resolved(f, strict=False):
                continue
            live.append(f)
            kept_per_key[f.key] = kept_per_key.get(f.key, 0) + 1
            continue
        assert rule is not None
        if f.key == "BODY" and reader.sentence_has_other(f):
            continue  # another finding, live or denied, already says what is wrong with it
        if rule.negatable and reader.pre_negated(f, strict):
            continue
        if rule.negatable and reader.resolved(f, strict):
            continue
        if rule.improvable and reader.improved(f):
            continue
        live.append(f)
        kept_per_key[f.key] = kept_per_key.get(f.key, 0) + 1
    return live


def _headache_findings(
    reader: _Reader, mentions: list[_Found], others: list[_Found]
) -> list[tuple[_Found, Outcome, tuple[int, int]]]:
    text = reader.text
    results: list[tuple[_Found, Outcome, tuple[int, int]]] = []
    positional = _HA_POSITIONAL.search(text) if mentions else None
    confusion = any(o.key in {"CONFUSION"} for o in others)
    vomiting = bool(_VOMIT.search(text))
    for mention in mentions:
        s_lo = reader.sentence_start(mention.start)
        s_hi = reader.sentence_end(mention.end)
        next_hi = reader.sentence_end(min(len(text), s_hi + 1))
        strong = _qualifier(_HA_STRONG, text, s_lo, next_hi)
        moderate = _qualifier(
            _HA_MODERATE, text, max(s_lo, mention.start - 40), min(s_hi, mention.end + 40)
        )
        qualifier = strong or moderate
        span = (mention.start, mention.end)
        if qualifier and abs(qualifier.start() - mention.start) <= 120:
            span = (min(mention.start, qualifier.start()), max(mention.end, qualifier.end()))
        if strong:
            outcome = _o("HEADACHE_SEVERE", EMERGENCY)
        elif confusion:
            outcome = _o("HEADACHE_SEVERE", EMERGENCY)  # subdural haematoma (000)
        elif positional:
            outcome = _o("HEADACHE_POSITIONAL", URGENT)
            if abs(positional.start() - mention.start) <= 120:
                span = (min(span[0], positional.start()), max(span[1], positional.end()))
        elif moderate:
            outcome = _o("HEADACHE_SEVERE", EMERGENCY)
        elif vomiting:
            outcome = _o("HEADACHE", URGENT)
        else:
            outcome = _o("HEADACHE", ROUTINE)
        results.append((mention, outcome, span))
    return results


def _downgrade_old_pain(reader: _Reader, found: _Found) -> bool:
    """Shooting leg pain the patient calls "still"/"same as before" is their original complaint."""
    lo = max(reader.clause_start(found.start), found.start - 30)
    hi = min(reader.sentence_end(found.end), found.end + 30)
    window = reader.text[lo:hi]
    return bool(
        re.search(
            _B
            + r"(?:still|same|usual|always|as before|like before|old|sigue|sigo|todavia|igual|de "
            r"siempre|como antes)" + _E,
            window,
        )
    )


def _normalise_procedure(procedure: str | None) -> str | None:
    if procedure is None:
        return None
    code = str(procedure).strip().upper().replace("-", "_").replace(" ", "_")
    return code if code in PROCEDURES else None  # unknown: the safe default


def _normalise_language(language: str | None, text: str, normalised: str) -> str:
    if language:
        code = str(language).strip().lower().replace("_", "-").split("-")[0]
        if code:
            return code
    return detect_language(text, normalised=normalised)


def _screen(text: str, language: str | None, procedure: str | None) -> Screening:
    proc = _normalise_procedure(procedure)
    norm = normalise(text)
    lang = _normalise_language(language, text, norm.text)
    reader = _Reader(norm)
    found = _find(reader, proc)
    live = _live(reader, found)

    results: list[tuple[Outcome, tuple[int, int]]] = []

    def add(outcome: Outcome | None, *spans: tuple[int, int]) -> None:
        if outcome is not None:
            results.append((outcome, _span_union(spans)))

    by_key: dict[str, list[_Found]] = {}
    for f in live:
        by_key.setdefault(f.key, []).append(f)

    # Temperatures: a reading at or over the line is a fever; below it, it beats the word "fever".
    temps = by_key.pop("TEMP", [])
    fever_temps = [t for t in temps if t.info["level"] == "fever"]
    for t in fever_temps:
        add(_o("FEVER", URGENT), (t.start, t.end))
    fever_words = by_key.get("FEVER", [])
    kept_words: list[_Found] = []
    for w in fever_words:
        same_sentence = [
            t for t in temps if reader.sentence_start(t.start) == reader.sentence_start(w.start)
        ]
        is_fever_word = bool(_FEVER_WORD.search(reader.text, w.start, w.end))
        if (
            is_fever_word
            and same_sentence
            and not any(t.info["level"] == "fever" for t in same_sentence)
        ):
            add(_o(_UNCL, ROUTINE), (w.start, w.end), *[(t.start, t.end) for t in same_sentence])
            continue
        kept_words.append(w)
    by_key["FEVER"] = kept_words
    for t in temps:
        if t.info["level"] == "low" and not any(
            reader.sentence_start(w.start) == reader.sentence_start(t.start) for w in fever_words
        ):
            add(_o(_UNCL, ROUTINE), (t.start, t.end))
    fever_spans = [(f.start, f.end) for f in kept_words] + [(t.start, t.end) for t in fever_temps]

    # Headaches.
    mentions = by_key.pop("HEADACHE", [])
    others = [f for f in live if f.key != "HEADACHE"]
    headaches = _headache_findings(reader, mentions, others)
    for _mention, outcome, span in headaches:
        add(outcome, span)

    # Fever with headache, stiff neck or confusion: meningitis, epidural abscess.
    meningism = [(h[2]) for h in headaches] + [
        (f.start, f.end) for f in by_key.get("STIFF_NECK", []) + by_key.get("CONFUSION", [])
    ]
    if fever_spans and meningism:
        add(_o("FEVER_MENINGISM", EMERGENCY), fever_spans[0], meningism[0])

    # Itching with sweats, fever, stiffness or seizures: intrathecal baclofen withdrawal.
    itch = by_key.get("ITCH", [])
    partners = by_key.get("SWEATS", []) + by_key.get("SPASM", []) + by_key.get("COLLAPSE", [])
    partner_spans = [(p.start, p.end) for p in partners] + fever_spans
    if itch and partner_spans:
        outcome = _outcome({"*": None, "ITDD": _o("ITDD_WITHDRAWAL", EMERGENCY)}, proc)
        add(outcome, (itch[0].start, itch[0].end), partner_spans[0])

    # Flank, belly or groin pain with dizziness: retroperitoneal bleed (VA, first days).
    flank = by_key.pop("FLANK_PAIN", [])
    dizzy = by_key.get("DIZZY", [])
    if flank and dizzy:
        outcome = _outcome({"*": _o(_UNCL, URGENT), "VA": _o("VA_FLANK_DIZZY", EMERGENCY)}, proc)
        add(outcome, (flank[0].start, flank[0].end), (dizzy[0].start, dizzy[0].end))
    elif flank:
        add(_o(_UNCL, ROUTINE), (flank[0].start, flank[0].end))

    # Blood sugar.
    by_key.pop("SUGAR_WORDS", None)
    for span_found, outcome in _sugar_findings(reader, proc):
        add(outcome, (span_found.start, span_found.end))

    # Everything else resolves through its rule.
    for key, items in by_key.items():
        rule = _RULE_BY_KEY.get(key)
        if rule is None or not rule.output:
            continue
        for f in items:
            outcome = _outcome(rule.outcomes, proc)
            if key == "SHOOTING" and outcome and _downgrade_old_pain(reader, f):
                outcome = _o("PAIN_WORSE", ROUTINE)
            add(outcome, (f.start, f.end))

    matches = _collect(results, norm, text)
    tier = max((m.tier for m in matches), key=_RANK.__getitem__, default=None)
    return Screening(tier=tier, matches=matches, needs_human=bool(matches), language=lang)


def _span_union(spans: Iterable[tuple[int, int]]) -> tuple[int, int]:
    spans = [s for s in spans if s[1] > s[0]]
    if not spans:
        return (0, 0)
    start = min(s for s, _ in spans)
    end = max(e for _, e in spans)
    if end - start > 160:
        return spans[0]
    return (start, end)


def _collect(
    results: list[tuple[Outcome, tuple[int, int]]], norm: _Norm, original: str
) -> tuple[SymptomMatch, ...]:
    """One match per code (its highest tier, first occurrence), highest tier first."""
    best: dict[str, tuple[Outcome, tuple[int, int]]] = {}
    for outcome, span in results:
        code = outcome[0]
        current = best.get(code)
        if (
            current is None
            or _RANK[outcome[1]] > _RANK[current[0][1]]
            or (_RANK[outcome[1]] == _RANK[current[0][1]] and span[0] < current[1][0])
        ):
            best[code] = (outcome, span)
    ordered = sorted(best.values(), key=lambda item: (-_RANK[item[0][1]], item[1][0]))
    matches = []
    for (code, tier, crisis), (start, end) in ordered:
        o_start, o_end = norm.span(start, end)
        matches.append(SymptomMatch(code, tier, original[o_start:o_end], crisis_line=crisis))
    return tuple(matches)


def screen_text(
    text: str, *, language: str | None = None, procedure: str | None = None
) -> Screening:
    """Screen one patient text for red flags.

    ``procedure`` is the enrollment's procedure code (DOMAIN "Procedures to cover"); None, or a
    code we do not know, gives the highest tier any procedure would give. ``language`` is the
    patient's language on file ("en"/"es"); both languages are read whatever it says.
    """
    if not isinstance(text, str):
        text = (
            text.decode("utf-8", "replace")
            if isinstance(text, bytes)
            else ("" if text is None else str(text))
        )
    try:
        return _screen(text, language, procedure)
    except Exception:  # noqa: BLE001 - a crash must not make a patient's message disappear
        logger.exception("red-flag screening failed; sending the text to a human")
        lang = (language or "en").strip().lower()[:2] or "en"
        fallback = SymptomMatch(_UNCL, ROUTINE, "")
        return Screening(tier=ROUTINE, matches=(fallback,), needs_human=True, language=lang)
