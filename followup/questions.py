"""The question bank: every question a follow-up survey can ask, in English and Spanish.

Pure data plus one renderer, so protocols, the SMS survey engine, the web form and the tests all
read the same wording. Texts are written for SMS: short, plain, no diagnosis or procedure names
(a text can be read by anyone holding the phone), straight quotes only.

English texts use GSM-7 characters only, so one question is one 160-character segment. Spanish
keeps its accents (a, i, o, u with acute accents are not in GSM-7, so those messages travel as
UCS-2 and cost more segments): correct spelling was judged worth more than the segment price.

Question codes:
- ``RF_*``   red-flag yes/no screens; a YES is evaluated by the protocol's rules.
- ``BH_*``   bone-health stewardship after vertebral augmentation (002 section 5).
- ``TA_*``   tumour-ablation follow-up imaging (004, Percutaneous Ablation).
- outcome questions: PAIN_NOW, PAIN_AVG, PAIN_BASELINE, MEDS, PGIC7 (PGIC: the retired 5-point
  version), ODI, ANYTHING_ELSE.
"""

from __future__ import annotations

QUESTION_TYPES = ("yes_no", "nrs", "choice", "web_form", "free_text")
SUPPORTED_LANGUAGES = ("en", "es")
SMS_LIMIT = 160

_YES_NO_SUFFIX = {"en": "Reply YES or NO", "es": "Responda SÍ o NO"}
_REPLY_PREFIX = {"en": "Reply", "es": "Responda"}


def _yes_no(code: str, en: str, es: str, source: str) -> dict:
    return {
        "code": code,
        "type": "yes_no",
        "text": {"en": f"{en} {_YES_NO_SUFFIX['en']}", "es": f"{es} {_YES_NO_SUFFIX['es']}"},
        "source": source,
    }


def _nrs(code: str, en: str, es: str, source: str, **extra: object) -> dict:
    return {
        "code": code,
        "type": "nrs",
        "text": {"en": en, "es": es},
        "min": 0,
        "max": 10,
        "source": source,
        **extra,
    }


def _choice(code: str, en: str, es: str, options: list[dict], source: str) -> dict:
    """Build a choice question whose text ends with the numbered shortcuts of its options.

    The shortcut list is generated from the options so text and parser can never disagree
    about what "2" means.
    """
    numbered = []
    for number, option in enumerate(options, start=1):
        option["shortcut"] = str(number)
        numbered.append(number)
    text = {}
    for lang, stem in (("en", en), ("es", es)):
        shortcuts = ", ".join(f"{n} {opt[lang]}" for n, opt in zip(numbered, options, strict=True))
        text[lang] = f"{stem} {_REPLY_PREFIX[lang]} {shortcuts}"
    return {"code": code, "type": "choice", "text": text, "options": options, "source": source}


def _option(value: str, en: str, es: str, en_aliases: list[str], es_aliases: list[str]) -> dict:
    return {"value": value, "en": en, "es": es, "aliases": {"en": en_aliases, "es": es_aliases}}


_QUESTION_LIST: list[dict] = [
    # --- red flags asked after every procedure (DOMAIN.md "Every procedure") -------------------
    _yes_no(
        "RF_FEVER",
        "Do you have a fever of 100.4 F (38 C) or higher, or shaking chills?",
        "¿Tiene fiebre de 38 C (100.4 F) o más, o escalofríos con temblor?",
        "000 Table 1, Table 3; 002 §4.2, §5; 004",
    ),
    _yes_no(
        "RF_HEADACHE_SEVERE",
        "Do you have a sudden, severe headache, or a headache that keeps getting worse?",
        "¿Tiene un dolor de cabeza fuerte y repentino, o que empeora cada vez más?",
        "000 Spinal Cord Stimulation (dural puncture, subdural haematoma)",
    ),
    _yes_no(
        "RF_HEADACHE_POSITIONAL",
        "Do you have a headache that is worse when you sit or stand and better when you lie down?",
        "¿Tiene dolor de cabeza que empeora al sentarse o pararse y mejora al acostarse?",
        "000 Table 1, Table 2, Table 3 (post-dural-puncture headache)",
    ),
    _yes_no(
        "RF_STIFF_NECK_CONFUSION",
        "Do you have a stiff neck, or new confusion that you or your family noticed?",
        "¿Tiene el cuello rígido, o confusión nueva que usted o su familia notaron?",
        "000 Table 3 (meningitis); 004 Percutaneous Ablation (aseptic meningitis)",
    ),
    _yes_no(
        "RF_WEAKNESS",
        "Do you have new or worse weakness in your legs or arms?",
        "¿Tiene debilidad nueva o peor en las piernas o los brazos?",
        "000 Table 1, Vertebroplasty and Kyphoplasty; 002 §3.3.3, §5",
    ),
    _yes_no(
        "RF_BLADDER_BOWEL",
        "Any new trouble controlling your bladder or bowels, or numbness in your groin or "
        "inner thighs?",
        "¿Tiene problemas nuevos para controlar la orina o las heces, o adormecimiento en la "
        "ingle o entre los muslos?",
        "000 Table 1; 002 §3.3.3",
    ),
    _yes_no(
        "RF_SOB_CHEST",
        "Are you short of breath, or do you have chest pain?",
        "¿Le falta el aire o tiene dolor en el pecho?",
        "000 Vertebroplasty and Kyphoplasty, Table 3; 002 §3.2.3, §3.3.4",
    ),
    _yes_no(
        "RF_WOUND",
        "Is there redness, swelling, warmth, pus or leaking fluid where the needle or cut was?",
        "¿Hay enrojecimiento, hinchazón, calor, pus o líquido donde entró la aguja o en la herida?",
        "000 Table 1, Intrathecal Drug Delivery (surgical-site infection); 002 §5",
    ),
    _yes_no(
        "RF_NUMB_TINGLE",
        "Do you have new numbness or tingling, or new shooting pain down a leg or arm?",
        "¿Tiene adormecimiento u hormigueo nuevo, o un dolor nuevo como corriente en una pierna "
        "o un brazo?",
        "000 Table 1; 002 §5",
    ),
    # --- procedure-specific red flags -------------------------------------------------------
    _yes_no(
        "RF_SEXUAL_FUNCTION",
        "Any new problem with sexual function, such as less feeling?",
        "¿Tiene algún problema nuevo en su vida sexual, como menos sensibilidad?",
        "000 Table 1 (sexual dysfunction after epidural lysis)",
    ),
    _yes_no(
        "RF_VA_ADJACENT_PAIN",
        "Do you have new, sharp back pain above or below the area that was treated?",
        "¿Tiene un dolor de espalda nuevo y agudo arriba o abajo de la zona tratada?",
        "002 §4.3, §5; 004 Percutaneous Ablation (pathologic fracture)",
    ),
    _yes_no(
        "RF_VA_FLANK_DIZZY",
        "Do you have pain in your side, belly or groin AND feel dizzy or faint?",
        "¿Tiene dolor en el costado, el vientre o la ingle Y además mareo o sensación de desmayo?",
        "002 §3.2.3 (retroperitoneal bleed)",
    ),
    _yes_no(
        "RF_SCS_BATTERY_SITE",
        "Is there pain, redness or swelling where the battery is?",
        "¿Tiene dolor, enrojecimiento o hinchazón donde está la batería?",
        "000 Table 2 (pain at IPG site, infection)",
    ),
    _yes_no(
        "RF_SCS_SKIN_BREAKDOWN",
        "Is the skin over any part of the device getting thin, broken or open?",
        "¿La piel sobre alguna parte del aparato se ve delgada, rota o abierta?",
        "000 Table 2 (skin erosion)",
    ),
    _yes_no(
        "RF_SCS_COVERAGE",
        "Has the stimulation or pain relief changed, moved to a new spot, or stopped?",
        "¿La estimulación o el alivio del dolor cambió, se movió a otro lugar o se detuvo?",
        "000 Table 2 (lead migration, lead fracture)",
    ),
    _yes_no(
        "RF_ITDD_SLEEPY",
        "Are you unusually sleepy or confused, or is your breathing slow or shallow?",
        "¿Tiene sueño fuera de lo normal, confusión, o respira lento o débil?",
        "000 Table 3 (overinfusion, respiratory depression)",
    ),
    _yes_no(
        "RF_ITDD_WITHDRAWAL",
        "Do you have itching with sweating, fever, stiff muscles or seizures?",
        "¿Tiene picazón con sudor, fiebre, músculos rígidos o convulsiones?",
        "000 Intrathecal Drug Delivery (baclofen withdrawal)",
    ),
    _yes_no(
        "RF_ITDD_MOOD",
        "Have you felt very low, or had thoughts of hurting yourself?",
        "¿Se ha sentido muy triste o sin ánimo, o ha pensado en hacerse daño?",
        "000 Intrathecal Drug Delivery (ziconotide: depression, suicidality)",
    ),
    _yes_no(
        "RF_ITDD_ALARM",
        "Is your pump beeping or showing an alarm?",
        "¿Su bomba está sonando o muestra una alarma?",
        "000 Table 3 (device alarms)",
    ),
    _yes_no(
        "RF_ITDD_NAUSEA_URINE",
        "Do you have nausea, or trouble passing urine?",
        "¿Tiene náuseas, o dificultad para orinar?",
        "000 Table 3 (acute pharmacologic events)",
    ),
    _yes_no(
        "RF_ESI_SUGAR",
        "If you check your blood sugar: have readings been much higher than usual since the "
        "injection?",
        "Si usted se mide el azúcar: ¿ha estado mucho más alta de lo normal desde la inyección?",
        "004 Intervertebral Disk Therapies (steroid-related blood sugar rise)",
    ),
    _yes_no(
        "RF_DISC_BACK_WORSE",
        "Has your back pain become much worse in the last few days?",
        "¿Su dolor de espalda ha empeorado mucho en los últimos días?",
        "000 Table 4 (discitis); 004 Intervertebral Disk Therapies (spondylodiscitis)",
    ),
    _yes_no(
        "RF_FACET_BURNING",
        "Do you have burning pain, or skin that is numb or sore to touch, over the treated area?",
        "¿Tiene dolor ardiente, o la piel adormecida o sensible al tacto, en la zona tratada?",
        "004 Facet and Sacroiliac Joint Therapies (neurolysis)",
    ),
    # --- stewardship questions (not red flags; see protocol care gaps) ------------------------
    _yes_no(
        "BH_MEDS",
        "Are you taking a medicine to make your bones stronger?",
        "¿Está tomando algún medicamento para fortalecer los huesos?",
        "002 §5 (osteoporosis therapy adherence)",
    ),
    _yes_no(
        "BH_FALLS",
        "Have you had a fall in the last 3 months?",
        "¿Se ha caído en los últimos 3 meses?",
        "002 §5 (falls, falls clinic referral)",
    ),
    _yes_no(
        "BH_DXA",
        "Have you had a bone density scan (DXA) in the last 2 years, or is one booked?",
        "¿Le hicieron un estudio de densidad de los huesos (DXA) en los últimos 2 años, o ya "
        "tiene cita?",
        "002 §5 (DXA/FRAX)",
    ),
    _yes_no(
        "TA_IMAGING",
        "Has your follow-up scan been done, or is it booked?",
        "¿Ya le hicieron el estudio de imagen de control, o ya tiene cita?",
        "004 Percutaneous Ablation (first follow-up imaging at 6-8 weeks)",
    ),
    # --- outcomes -----------------------------------------------------------------------------
    _nrs(
        "PAIN_NOW",
        "How bad is your pain right now, from 0 (no pain) to 10 (worst pain you can imagine)? "
        "Reply with one number",
        "¿Cuánto dolor tiene ahora, de 0 (nada) a 10 (el peor dolor imaginable)? Responda con un "
        "número",
        "002 §5 (pain/function); DOMAIN.md patient-reported outcomes (NRS 0-10)",
        loinc="72514-3",
    ),
    _nrs(
        "PAIN_AVG",
        "Over the past 7 days, how bad was your pain on average, from 0 (none) to 10 (worst "
        "imaginable)? Reply with one number",
        "En los últimos 7 días, ¿cuánto dolor tuvo en promedio, de 0 (nada) a 10 (el peor)? "
        "Responda con un número",
        "002 §5 (pain/function); DOMAIN.md patient-reported outcomes (NRS 0-10)",
    ),
    # Back and leg pain scored separately, as spine registries do (NASS/AANS QOD, Swespine);
    # followup/instruments NRS_BACK / NRS_LEG. Asked after PAIN_NOW by the lumbar procedures'
    # checks (followup/protocol_data.py LUMBAR_PROCEDURES), left out at cervical levels.
    _nrs(
        "PAIN_BACK",
        "How bad is your back pain right now, from 0 (none) to 10 (worst imaginable)? Reply with "
        "one number",
        "¿Cuánto dolor de espalda tiene ahora, de 0 (nada) a 10 (el peor)? Responda con un número",
        "NASS/AANS Quality Outcomes Database; Swespine (back pain NRS)",
    ),
    _nrs(
        "PAIN_LEG",
        "How bad is your leg pain right now, from 0 (none) to 10 (worst imaginable)? Reply with "
        "one number",
        "¿Cuánto dolor de pierna tiene ahora, de 0 (nada) a 10 (el peor)? Responda con un número",
        "NASS/AANS Quality Outcomes Database; Swespine (leg pain NRS)",
    ),
    # Asked only when staff did not enter a baseline at enrollment (DOMAIN.md: a change figure
    # needs one); the survey engine inserts it, protocols do not list it.
    _nrs(
        "PAIN_BASELINE",
        "Before the procedure, how bad was your pain on a usual day, from 0 (none) to 10 (worst "
        "imaginable)? Reply with one number",
        "Antes del procedimiento, ¿cuánto dolor tenía en un día normal, de 0 (nada) a 10 (el "
        "peor)? Responda con un número",
        "DOMAIN.md patient-reported outcomes (baseline)",
    ),
    _choice(
        "MEDS",
        "Compared with before the procedure, how much pain medicine do you use?",
        "Comparado con antes del procedimiento, ¿cuánta medicina para el dolor usa?",
        [
            _option("less", "less", "menos", ["less", "fewer", "lower", "reduced"], ["menos"]),
            _option(
                "same",
                "same",
                "igual",
                ["same", "the same", "no change", "unchanged"],
                ["igual", "lo mismo", "la misma", "sin cambio"],
            ),
            _option("more", "more", "más", ["more", "higher", "increased"], ["más", "mas"]),
            _option(
                "none",
                "none",
                "ninguna",
                ["none", "no pain medicine", "nothing", "zero"],
                ["ninguna", "nada", "ninguno"],
            ),
        ],
        "002 §5 (analgesic use); DOMAIN.md patient-reported outcomes",
    ),
    # The 5-point version this tracker asked before PGIC7 (not the standard scale). Kept, never
    # remapped: enrollments pinned to a protocol version published before PGIC7 still ask it, and
    # its answers stay labelled as the 5-point version on every page and export
    # (followup/instruments: PGIC5). Protocols published from now on ask PGIC7.
    _choice(
        "PGIC",
        "Since the procedure, how are you overall?",
        "Desde el procedimiento, ¿cómo se siente en general?",
        [
            _option(
                "much_better",
                "much better",
                "mucho mejor",
                ["much better", "a lot better", "way better"],
                ["mucho mejor"],
            ),
            _option(
                "a_little_better",
                "a little better",
                "un poco mejor",
                ["a little better", "little better", "slightly better", "somewhat better"],
                ["un poco mejor", "algo mejor", "poco mejor"],
            ),
            _option(
                "about_same",
                "about the same",
                "igual",
                ["about the same", "the same", "same", "no change"],
                ["igual", "lo mismo", "más o menos igual", "sin cambio"],
            ),
            _option(
                "a_little_worse",
                "a little worse",
                "un poco peor",
                ["a little worse", "little worse", "slightly worse", "somewhat worse"],
                ["un poco peor", "algo peor", "poco peor"],
            ),
            _option(
                "much_worse",
                "much worse",
                "mucho peor",
                ["much worse", "a lot worse", "way worse"],
                ["mucho peor"],
            ),
        ],
        "DOMAIN.md patient-reported outcomes (global impression of change)",
    ),
    # Patient Global Impression of Change, standard 7-point scale (Guy 1976 CGI-I adapted for
    # patients; Farrar et al., Pain 2001; IMMPACT, Dworkin et al., Pain 2005). Anchors "very much
    # improved" ... "very much worse"; SMS wording shortened to fit one segment, the web form and
    # FHIR Questionnaire carry the standard anchors (followup/instruments/registry.py).
    _choice(
        "PGIC7",
        "Since the procedure you are:",
        "Desde el procedimiento, usted está:",
        [
            _option(
                "very_much_improved",
                "very much better",
                "muchísimo mejor",
                ["very much better", "very much improved"],
                ["muchísimo mejor", "muchisimo mejor"],
            ),
            _option(
                "much_improved",
                "much better",
                "mucho mejor",
                ["much better", "much improved", "a lot better"],
                ["mucho mejor"],
            ),
            _option(
                "minimally_improved",
                "a little better",
                "un poco mejor",
                ["a little better", "minimally improved", "slightly better"],
                ["un poco mejor", "algo mejor"],
            ),
            _option(
                "no_change",
                "no change",
                "igual",
                ["no change", "the same", "same", "about the same"],
                ["igual", "sin cambio", "lo mismo"],
            ),
            _option(
                "minimally_worse",
                "a little worse",
                "un poco peor",
                ["a little worse", "minimally worse", "slightly worse"],
                ["un poco peor", "algo peor"],
            ),
            _option(
                "much_worse",
                "much worse",
                "mucho peor",
                ["much worse", "a lot worse"],
                ["mucho peor"],
            ),
            _option(
                "very_much_worse",
                "very much worse",
                "muchísimo peor",
                ["very much worse"],
                ["muchísimo peor", "muchisimo peor"],
            ),
        ],
        "PGIC 7-point (Guy 1976; Farrar et al., Pain 2001; Dworkin et al., Pain 2005 IMMPACT)",
    ),
    {
        "code": "ODI",
        "type": "web_form",
        # {link} is filled by render_question(link=...): the ODI's ten six-option items and the
        # 0-100 VAS slider do not fit SMS, so they are collected over HTTPS (DOMAIN.md).
        "text": {
            "en": "Please fill in a short form about your pain and daily life (5 min): {link}",
            "es": "Por favor llene un formulario corto sobre su dolor y su vida diaria (5 min): "
            "{link}",
        },
        "source": "002 §5 (VAS/ODI); DOMAIN.md patient-reported outcomes (ODI v2.1a, VAS)",
        "loinc": "97908-8",
    },
    {
        "code": "NDI",
        "type": "web_form",
        # The ODI's counterpart for the neck (followup/instruments/ndi.py): asked instead of the
        # ODI when the procedure was at cervical levels (followup/instruments/indexes.py).
        "text": {
            "en": "Please fill in a short form about your neck pain and daily life (5 min): {link}",
            "es": "Llene un formulario corto sobre su dolor de cuello y su vida diaria (5 min): "
            "{link}",
        },
        "source": "Vernon H, Mior S. J Manipulative Physiol Ther 1991;14:409-415 (NDI); "
        "DOMAIN.md patient-reported outcomes",
    },
    {
        "code": "ANYTHING_ELSE",
        "type": "free_text",
        # Free text is read at the next triage review, not live: say so, and where to go instead.
        "text": {
            "en": "Anything else you want your care team to know? Reply in your own words, or "
            "NO. For an emergency, call 911.",
            "es": "¿Algo más que quiera decirle a su equipo médico? Escriba con sus palabras, o "
            "NO. En una emergencia, llame al 911.",
        },
        "source": "001 (symptoms that merit attention); DOMAIN.md red flags (free text)",
    },
]

QUESTIONS: dict[str, dict] = {q["code"]: q for q in _QUESTION_LIST}
if len(QUESTIONS) != len(_QUESTION_LIST):  # pragma: no cover - guards editing mistakes
    raise RuntimeError("duplicate question code in the question bank")


def normalize_language(language: str) -> str:
    """Map a stored language tag ("es", "es-MX", "EN_us") to a supported language code."""
    base = (language or "").strip().lower().replace("_", "-").split("-")[0]
    if base not in SUPPORTED_LANGUAGES:
        raise ValueError(
            f"unsupported language {language!r}; expected one of {SUPPORTED_LANGUAGES}"
        )
    return base


def render_question(
    code: str,
    language: str,
    *,
    step: int | None = None,
    total: int | None = None,
    link: str | None = None,
) -> str:
    """Return the SMS body for one question, optionally prefixed with "(step/total) ".

    ``link`` is required for web_form questions (the secure form URL) and refused for others,
    so a survey never sends a form prompt without its link.
    """
    try:
        question = QUESTIONS[code]
    except KeyError:
        raise KeyError(f"unknown question code {code!r}") from None
    lang = normalize_language(language)
    text = question["text"][lang]
    if question["type"] == "web_form":
        if not link:
            raise ValueError(f"question {code} is a web form and needs a link")
        text = text.replace("{link}", link)
    elif link is not None:
        raise ValueError(f"question {code} is not a web form; a link makes no sense here")
    if (step is None) != (total is None):
        raise ValueError("step and total go together")
    if step is not None and total is not None:
        if not (1 <= step <= total):
            raise ValueError(f"step {step} is outside 1..{total}")
        text = f"({step}/{total}) {text}"
    return sms_spelling(text)


# GSM-7 has é, ñ, ü, ¿ and ¡ but not á, í, ó or ú: one of them turns a Spanish question into UCS-2,
# two segments instead of one, at twice the cost for every Spanish-speaking patient. Texts drop
# those four accents, as the Spanish re-prompts and replies are already written; the web form keeps
# the full spelling.
_SMS_SPELLING = str.maketrans("áíóúÁÍÓÚ", "aiouAIOU")


def sms_spelling(text: str) -> str:
    return text.translate(_SMS_SPELLING)


def question_problems(code: str) -> list[str]:
    """Problems with one question definition (empty when it is well formed)."""
    question = QUESTIONS.get(code)
    if question is None:
        return [f"unknown question code {code!r}"]
    problems = []
    if question.get("code") != code:
        problems.append(f"{code}: code field {question.get('code')!r} does not match its key")
    qtype = question.get("type")
    if qtype not in QUESTION_TYPES:
        problems.append(f"{code}: unknown type {qtype!r}")
    text = question.get("text") or {}
    for lang in SUPPORTED_LANGUAGES:
        if not str(text.get(lang) or "").strip():
            problems.append(f"{code}: missing {lang} text")
    if not str(question.get("source") or "").strip():
        problems.append(f"{code}: missing source")
    if code.startswith("RF_") and qtype != "yes_no":
        problems.append(f"{code}: red-flag questions must be yes_no")
    if qtype == "nrs" and not (
        isinstance(question.get("min"), int)
        and isinstance(question.get("max"), int)
        and question["min"] < question["max"]
    ):
        problems.append(f"{code}: nrs needs integer min < max")
    if qtype == "web_form" and "{link}" not in str(text.get("en", "")) + str(text.get("es", "")):
        problems.append(f"{code}: web_form text must contain {{link}}")
    if qtype == "choice":
        options = question.get("options") or []
        if len(options) < 2:
            problems.append(f"{code}: choice needs at least two options")
        values = [opt.get("value") for opt in options]
        if len(set(values)) != len(values):
            problems.append(f"{code}: duplicate option values")
        for opt in options:
            for lang in SUPPORTED_LANGUAGES:
                if not opt.get(lang):
                    problems.append(f"{code}: option {opt.get('value')!r} missing {lang} label")
    return problems


def validate_questions() -> list[str]:
    """Problems across the whole bank (empty when every question is well formed)."""
    problems: list[str] = []
    for code in QUESTIONS:
        problems.extend(question_problems(code))
    return problems
