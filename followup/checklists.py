"""Red-flag checklists: one text lists a check's red-flag symptoms, the patient replies with numbers.

Issue 23 item 5: no check may ask more than 6 questions by text, yet every red flag a check
screens for must still be screened by text. A checklist asks the check's ``RF_*`` yes/no questions
together ("Do you have any of these? Reply with the numbers, or 0 for none"); each chosen number is
recorded as the YES answer of its original question and every other item as NO, so the rules,
flags, escalations, timelines, outcomes and exports that read those answers work unchanged.

A protocol checkpoint opts in with ``sms_checklists`` (lists of its RF codes, contiguous and in the
order of ``questions``); versions published before have none and keep one question per text.

The parser is strict, as ``followup.parsing`` is: a reply must be numbers and separators, or a
"none" word, and nothing else. "0 2" (none AND an item), an out-of-range number or any other word
is re-asked, never read as "none"; free text that comes instead is screened by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from followup.parsing import normalise
from followup.questions import QUESTIONS, sms_spelling

# Short labels of the red-flag questions for a numbered list: the same symptom as the yes/no
# question (followup/questions.py), in as few words as keep its meaning. GSM-7 once
# ``sms_spelling`` drops the four accents GSM-7 lacks.
CHECKLIST_ITEMS: dict[str, dict[str, str]] = {
    "RF_SOB_CHEST": {"en": "short of breath or chest pain", "es": "falta de aire o dolor de pecho"},
    "RF_WEAKNESS": {
        "en": "new or worse weakness in legs or arms",
        "es": "debilidad nueva o peor en piernas o brazos",
    },
    "RF_BLADDER_BOWEL": {
        "en": "new trouble controlling bladder or bowels, or numb groin or inner thighs",
        "es": "problemas nuevos para controlar orina o heces, o ingle o muslos adormecidos",
    },
    "RF_HEADACHE_SEVERE": {
        "en": "sudden severe headache, or one that keeps getting worse",
        "es": "dolor de cabeza fuerte y repentino, o que empeora cada vez mas",
    },
    "RF_FEVER": {
        "en": "fever of 100.4 F (38 C) or more, or shaking chills",
        "es": "fiebre de 38 C (100.4 F) o mas, o escalofrios con temblor",
    },
    "RF_STIFF_NECK_CONFUSION": {
        "en": "stiff neck, or new confusion",
        "es": "cuello rigido, o confusion nueva",
    },
    "RF_HEADACHE_POSITIONAL": {
        "en": "headache worse sitting or standing, better lying down",
        "es": "dolor de cabeza peor al sentarse o pararse, mejor acostado",
    },
    "RF_WOUND": {
        "en": "redness, swelling, warmth, pus or leaking where the needle or cut was",
        "es": "enrojecimiento, hinchazon, calor, pus o liquido donde entro la aguja o en la herida",
    },
    "RF_NUMB_TINGLE": {
        "en": "new numbness or tingling, or shooting pain down a leg or arm",
        "es": "adormecimiento u hormigueo nuevo, o dolor como corriente en pierna o brazo",
    },
    "RF_SEXUAL_FUNCTION": {
        "en": "new problem with sexual function",
        "es": "problema nuevo en su vida sexual",
    },
    "RF_VA_ADJACENT_PAIN": {
        "en": "new sharp back pain above or below the treated area",
        "es": "dolor de espalda nuevo y agudo arriba o abajo de la zona tratada",
    },
    "RF_VA_FLANK_DIZZY": {
        "en": "pain in your side, belly or groin AND dizzy or faint",
        "es": "dolor en el costado, vientre o ingle Y mareo o desmayo",
    },
    "RF_SCS_BATTERY_SITE": {
        "en": "pain, redness or swelling where the battery is",
        "es": "dolor, enrojecimiento o hinchazon donde esta la bateria",
    },
    "RF_SCS_SKIN_BREAKDOWN": {
        "en": "skin over the device thin, broken or open",
        "es": "piel sobre el aparato delgada, rota o abierta",
    },
    "RF_SCS_COVERAGE": {
        "en": "stimulation or relief changed, moved or stopped",
        "es": "la estimulacion o el alivio cambio, se movio o se detuvo",
    },
    "RF_ITDD_SLEEPY": {
        "en": "unusually sleepy or confused, or slow or shallow breathing",
        "es": "sueño fuera de lo normal, confusion, o respira lento o debil",
    },
    "RF_ITDD_WITHDRAWAL": {
        "en": "itching with sweating, fever, stiff muscles or seizures",
        "es": "picazon con sudor, fiebre, musculos rigidos o convulsiones",
    },
    "RF_ITDD_MOOD": {
        "en": "feeling very low, or thoughts of hurting yourself",
        "es": "muy triste o sin animo, o ideas de hacerse daño",
    },
    "RF_ITDD_ALARM": {
        "en": "pump beeping or showing an alarm",
        "es": "la bomba suena o muestra una alarma",
    },
    "RF_ITDD_NAUSEA_URINE": {
        "en": "nausea, or trouble passing urine",
        "es": "nauseas, o dificultad para orinar",
    },
    "RF_ESI_SUGAR": {
        "en": "blood sugar much higher than usual (if you check it)",
        "es": "azucar mucho mas alta de lo normal (si se la mide)",
    },
    "RF_DISC_BACK_WORSE": {
        "en": "back pain much worse in the last few days",
        "es": "dolor de espalda mucho peor en los ultimos dias",
    },
    "RF_FACET_BURNING": {
        "en": "burning pain, or numb or sore skin, over the treated area",
        "es": "dolor ardiente, o piel adormecida o sensible, en la zona tratada",
    },
}

_HEAD = {
    "en": "Do you have any of these? Reply with the numbers (e.g. 1 3), or 0 for none:",
    "es": "¿Tiene alguno de estos? Responda con los numeros (ej. 1 3), o 0 si ninguno:",
}
# The yes/no questions' EMERGENCY answers are told to call 911 at once; a list names the
# numbers that need it in the same text, before the patient has even replied.
_CALL_911 = {
    "en": "If you have {numbers} now, call 911.",
    "es": "Si tiene {numbers} ahora, llame al 911.",
}
_ANY_OF_THESE = {"en": "any of these", "es": "alguno de estos"}
_OR = {"en": "or", "es": "o"}
HINT = {
    "en": "Reply with the numbers of the ones you have (e.g. 1 3), or 0 if none.",
    "es": "Responda con los numeros de los que tiene (ej. 1 3), o 0 si ninguno.",
}

# A bare "yes" says one of the symptoms is there, not which: ask for the numbers, not "0".
HINT_WHICH = {
    "en": "Which ones? Reply with their numbers (e.g. 1 3).",
    "es": "¿Cuales? Responda con sus numeros (ej. 1 3).",
}

# A checklist longer than this is split (EMERGENCY items first): a long list is misread. Ten keeps
# the lumbar checks (ten red flags, then back, leg and overall pain) within MAX_SMS_QUESTIONS.
MAX_CHECKLIST_ITEMS = 10

# Issue 23: published PRO programmes lose patients with every added item; no check asks more
# than this many questions by text. Longer instruments go by the web-form link.
MAX_SMS_QUESTIONS = 6
# Asked once per enrollment, right after the red flags, when staff entered no baseline pain
# (followup.conversation.state.prepare_questions): counted, so the limit holds for that check too.
BASELINE_CODE = "PAIN_BASELINE"

_NONE_WORDS = frozenset({"0", "none", "no", "nothing", "ninguno", "ninguna", "nada", "neither"})
# Words that carry nothing on their own around the numbers ("1 and 3", "none of these").
_FILLER = frozenset(
    {"and", "y", "e", "&", "of", "these", "them", "de", "estos", "estas", "ellos", "ellas"}
)


def emergency_codes(rules: list[dict]) -> set[str]:
    """RF codes whose YES alone is an EMERGENCY under ``rules`` (a compound rule does not count:
    fever alone is URGENT even though fever with a severe headache is an EMERGENCY)."""
    found = set()
    for rule in rules:
        when = rule.get("when") or {}
        if (
            rule.get("tier") == "EMERGENCY"
            and len(when.get("all", [])) == 1
            and not when.get("any")
        ):
            found.add(when["all"][0])
    return found


def split_checklists(codes: list[str], rules: list[dict]) -> list[list[str]]:
    """The checklists for a check's red flags: EMERGENCY items first; one list when it is short,
    else the EMERGENCY items and then the rest."""
    urgent_alone = emergency_codes(rules)
    first = [c for c in codes if c in urgent_alone]
    rest = [c for c in codes if c not in urgent_alone]
    if not codes:
        return []
    if len(codes) <= MAX_CHECKLIST_ITEMS or not first or not rest:
        return [first + rest]
    return [first, rest]


def _numbers(numbers: list[int], language: str) -> str:
    words = [str(n) for n in numbers]
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} {_OR[language]} {words[-1]}"


def render_checklist(
    codes: list[str],
    language: str,
    *,
    emergency: set[str] | frozenset[str] = frozenset(),
    step: int | None = None,
    total: int | None = None,
) -> str:
    """The SMS body of one checklist: the numbered items and, when some are EMERGENCY, the 911
    line naming their numbers."""
    lang = language if language in _HEAD else "en"
    lines = [_HEAD[lang]]
    lines += [f"{n} {CHECKLIST_ITEMS[code][lang]}" for n, code in enumerate(codes, start=1)]
    urgent = [n for n, code in enumerate(codes, start=1) if code in emergency]
    if urgent:
        numbers = _ANY_OF_THESE[lang] if len(urgent) == len(codes) > 1 else _numbers(urgent, lang)
        lines.append(_CALL_911[lang].format(numbers=numbers))
    text = "\n".join(lines)
    if step is not None and total is not None:
        text = f"({step}/{total}) {text}"
    return sms_spelling(text)


@dataclass(frozen=True)
class ChecklistReply:
    understood: bool
    chosen: tuple[int, ...] = ()  # 1-based item numbers, in the order given, no duplicates
    none: bool = False
    reason: str = ""  # "empty", "out_of_range", "ambiguous", "unclear" when not understood


_SEPARATORS = re.compile(r"[,;.+/&:]")


def parse_checklist_reply(text: object, count: int) -> ChecklistReply:
    """Which of ``count`` items a reply picks: "1 3", "1,3", "1 and 3", "1 y 3", "0", "none",
    "ninguno". Unicode digits count as their digit; anything else is not understood."""
    if count < 1:
        raise ValueError("a checklist has at least one item")
    raw = "" if text is None else str(text)
    # Before normalise: it would keep "1,3" and "1.3" together as decimals.
    words = normalise(_SEPARATORS.sub(" ", raw)).split()
    if not words:
        return ChecklistReply(False, reason="empty")
    chosen: list[int] = []
    said_none = out_of_range = garbled = False
    for word in words:
        if word in _NONE_WORDS:
            said_none = True
        elif word.isdecimal():
            number = int(word)
            if 1 <= number <= count:
                if number not in chosen:
                    chosen.append(number)
            else:
                out_of_range = True
        elif word not in _FILLER:
            garbled = True
    if garbled:
        return ChecklistReply(False, reason="unclear")
    if out_of_range:
        return ChecklistReply(False, reason="out_of_range")
    if said_none and chosen:
        return ChecklistReply(False, reason="ambiguous")
    if chosen:
        return ChecklistReply(True, chosen=tuple(chosen))
    if said_none:
        return ChecklistReply(True, none=True)
    return ChecklistReply(False, reason="unclear")  # only filler words ("and")


# Form items a single fallback text can ask (followup.form_fallback): 0-10 numbers.
FALLBACK_TYPES_BY_CODE = frozenset({"PAIN_AVG", "PAIN_NOW", "PAIN_BACK", "PAIN_LEG"})


def check_sms_codes(check: dict) -> list[str]:
    """The questions a checkpoint definition asks by text, in order: web-form questions and its
    ``form_questions`` are left out, a checklist counts once (by its first item)."""
    form_only = set(check.get("form_questions") or ())
    later_items = {c for items in check.get("sms_checklists") or () for c in items[1:]}
    return [
        code
        for code in check.get("questions") or []
        if code in QUESTIONS
        and QUESTIONS[code]["type"] != "web_form"
        and code not in form_only
        and code not in later_items
    ]


def sms_question_count(check: dict, *, with_baseline: bool = True) -> int:
    """How many questions the check may ask by text: the baseline pain question counts when the
    engine may add it (the check asks PAIN_NOW and does not list the baseline itself)."""
    codes = check_sms_codes(check)
    extra = with_baseline and "PAIN_NOW" in codes and BASELINE_CODE not in codes
    return len(codes) + int(extra)


def checklist_problems(check: dict, where: str) -> list[str]:
    """Problems with a checkpoint's ``sms_checklists`` (empty when none or well formed)."""
    questions = list(check.get("questions") or [])
    problems = []
    form_only = check.get("form_questions")
    if form_only is not None:
        if not isinstance(form_only, list):
            problems.append(f"{where}: form_questions must be a list of question codes")
            form_only = []
        for code in form_only:
            if code not in questions:
                problems.append(f"{where}: form question {code!r} is not in the questions")
            elif str(code).startswith("RF_"):
                # Safety: a red flag is screened by text, never left to a form nobody may open.
                problems.append(f"{where}: red-flag question {code} cannot go on the web form")
    fallback = check.get("form_fallback")
    if fallback is not None and (
        fallback not in (form_only or []) or fallback not in FALLBACK_TYPES_BY_CODE
    ):
        problems.append(
            f"{where}: form_fallback {fallback!r} must be one of its form_questions that a "
            "single text can ask (a 0-10 number)"
        )
    lists = check.get("sms_checklists")
    if lists is None:
        return problems
    if not isinstance(lists, list) or not all(isinstance(x, list) and x for x in lists):
        return [*problems, f"{where}: sms_checklists must be a list of non-empty lists of RF codes"]
    seen: list[str] = []
    for items in lists:
        for code in items:
            if code not in CHECKLIST_ITEMS:
                problems.append(f"{where}: checklist item {code!r} has no checklist label")
            if code not in questions:
                problems.append(f"{where}: checklist item {code!r} is not in the questions")
            if code in seen:
                problems.append(f"{where}: checklist item {code!r} is listed twice")
            seen.append(code)
        if all(c in questions for c in items):
            start = questions.index(items[0])
            if questions[start : start + len(items)] != items:
                problems.append(
                    f"{where}: checklist {items} must be contiguous and in question order"
                )
    return problems
