"""Every patient-reported instrument the tracker asks, in one reviewable place.

For each instrument: the question codes that carry it (wording lives in ``followup/questions.py``
for SMS items, ``followup/odi.py`` and ``followup/instruments/ndi.py`` for the web-form indexes),
its version, licence status, scoring rule and source. ``followup/instruments/fhir.py`` builds a
FHIR R4 ``Questionnaire`` from this data.

A stored answer is labelled by its question code, which never changes meaning: ``PGIC`` is the
tracker's earlier 5-point global impression (not the standard scale), ``PGIC7`` the standard
7-point PGIC. Old answers are therefore never remapped; pages and exports name the version.

Licence notes are what the project could verify, not legal advice: a clinic reporting to a
registry or publishing should confirm them with the holder.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    version: str
    question_codes: tuple[str, ...]
    channel: str  # "sms" (one text per item) or "web_form" (a link to the HTTPS form)
    licence: str
    scoring: str
    source: str
    loinc: str = ""
    procedures: tuple[str, ...] = ()  # empty: any procedure
    current: bool = True  # False: kept only to label answers already stored
    # Families of protocol-specific items (``RF_`` red-flag screens...) are claimed by prefix, so
    # a screen item a clinic or protocol adds is labelled without editing this table.
    question_prefixes: tuple[str, ...] = ()
    # Minimal clinically important difference, in words with its source (the number itself lives
    # in followup/outcomes/mcid.py, which the pages and the SQL read); empty: none is used.
    mcid: str = ""


INSTRUMENTS: dict[str, Instrument] = {
    i.code: i
    for i in (
        Instrument(
            code="NRS_PAIN",
            name="Pain intensity, 0-10 numeric rating scale",
            version="NRS-11",
            question_codes=("PAIN_NOW", "PAIN_AVG", "PAIN_BASELINE"),
            channel="sms",
            licence="Public domain (no copyright holder; free to use and translate).",
            scoring="The number given, 0 (no pain) to 10 (worst imaginable). Change against the "
            "baseline: points and percent; MCID 2 points or 30 % (followup/outcomes/mcid.py).",
            source="Farrar et al., Pain 2001;94:149-158; Dworkin et al. (IMMPACT), Pain 2005; "
            "LOINC 72514-3",
            loinc="72514-3",
            mcid="An improvement of at least 2 points or 30 % of the baseline (Farrar et al., "
            "Pain 2001; Ostelo et al., Spine 2008).",
        ),
        Instrument(
            code="NRS_BACK",
            name="Back pain intensity, 0-10 numeric rating scale",
            version="NRS-11",
            question_codes=("PAIN_BACK",),
            channel="sms",
            licence="Public domain.",
            scoring="The number given, 0-10; reported separately from leg pain, as spine "
            "registries do.",
            mcid="As the pain NRS: at least 2 points or 30 % of the baseline (Farrar et al., "
            "Pain 2001); measured only against a baseline on the same scale.",
            source="Quality Outcomes Database (NASS/AANS QOD) and Swespine lumbar forms: back "
            "and leg pain NRS asked separately; Farrar et al., Pain 2001",
        ),
        Instrument(
            code="NRS_LEG",
            name="Leg pain intensity, 0-10 numeric rating scale",
            version="NRS-11",
            question_codes=("PAIN_LEG",),
            channel="sms",
            licence="Public domain.",
            scoring="The number given, 0-10; reported separately from back pain.",
            mcid="As the pain NRS: at least 2 points or 30 % of the baseline (Farrar et al., "
            "Pain 2001); measured only against a baseline on the same scale.",
            source="Quality Outcomes Database (NASS/AANS QOD) and Swespine lumbar forms; Farrar "
            "et al., Pain 2001",
        ),
        Instrument(
            code="ODI",
            name="Oswestry Disability Index",
            version="2.1a",
            question_codes=("ODI",),
            channel="web_form",
            licence="Copyright J. Fairbank; licensed through Mapi Research Trust (ePROVIDE). "
            "The tracker ships its own wording faithful in meaning (followup/odi.py), not the "
            "licensed text.",
            scoring="10 sections 0-5; percent = sum / (5 x sections answered) x 100, at least 8 "
            "sections; bands 0-20 minimal ... 81-100 bed-bound (followup/odi.py odi_score).",
            source="Fairbank and Pynsent, Spine 2000;25:2940-2953; LOINC 97908-8 / 97909-6",
            loinc="97908-8",
            mcid="An improvement of at least 10 points or 30 % of the baseline (Ostelo et al., "
            "Spine 2008;33:90-94).",
        ),
        Instrument(
            code="NDI",
            name="Neck Disability Index",
            version="Vernon-Mior 1991",
            question_codes=("NDI",),
            channel="web_form",
            licence="Copyright H. Vernon; free for clinical use, licensing and validated "
            "translations through Mapi Research Trust (ePROVIDE). The tracker ships its own "
            "wording (followup/instruments/ndi.py), not the copyrighted text.",
            scoring="10 sections 0-5; percent = sum / (5 x sections answered) x 100, at least 8 "
            "sections; bands on the 0-50 raw score 0-4 none, 5-14 mild, 15-24 moderate, 25-34 "
            "severe, 35-50 complete (followup/instruments/ndi.py ndi_score).",
            source="Vernon and Mior, J Manipulative Physiol Ther 1991;14:409-415; Vernon, JMPT "
            "2008;31:491-502",
            procedures=("ESI", "FACET_SI", "NERVE_BLOCK"),
            mcid="An improvement of at least 7.5 points on the 0-100 percent score (Carreon et "
            "al., Spine J 2010;10:469-474, after cervical fusion). Published values range from "
            "about 5 to 13 points with the anchor and population (Auffinger et al., PLoS One "
            "2013;8:e67408), so it is a project choice a clinic may change; no percent-of-"
            "baseline rule is used for the NDI.",
        ),
        Instrument(
            code="PGIC7",
            name="Patient Global Impression of Change",
            version="7-point",
            question_codes=("PGIC7",),
            channel="sms",
            licence="Public domain (adapted from the CGI-I, Guy 1976, a US government "
            "publication).",
            scoring="One of 7 anchors, very much improved (1) to very much worse (7); "
            "'much improved' or 'very much improved' counts as improved (Farrar 2001).",
            source="Guy, ECDEU Assessment Manual 1976; Farrar et al., Pain 2001; Dworkin et al. "
            "(IMMPACT), Pain 2005",
        ),
        Instrument(
            code="PGIC5",
            name="Global impression of change (tracker's earlier 5-point version)",
            version="5-point (retired)",
            question_codes=("PGIC",),
            channel="sms",
            licence="The tracker's own wording; not a validated instrument.",
            scoring="One of much better, a little better, about the same, a little worse, much "
            "worse. Not comparable with PGIC7 and never remapped to it; shown as its own version.",
            source="Project wording (DOMAIN.md patient-reported outcomes), asked before PGIC7",
            current=False,
        ),
        Instrument(
            code="VAS",
            name="Pain intensity, 0-100 visual analogue scale",
            version="VAS-100",
            question_codes=("VAS",),
            channel="web_form",
            licence="Public domain.",
            scoring="The slider's position, 0 (no pain) to 100 (worst imaginable). No baseline is "
            "recorded on this scale, so it is shown as measured, never as a change.",
            source="002 section 5 (VAS); Ostelo et al., Spine 2008 (MCID 15 points / 30 %)",
        ),
        Instrument(
            code="RED_FLAGS",
            name="Red-flag screen (protocol-specific yes/no safety items)",
            version="protocol",
            question_codes=(),
            question_prefixes=("RF_",),
            channel="sms",
            licence="The tracker's own items, written from the protocols' warning signs.",
            scoring="Not scored: a YES is evaluated by the protocol's red-flag rules and may "
            "escalate (DOMAIN.md red flags).",
            source="Protocols 001-004 (symptoms that merit attention); followup/questions.py RF_*",
        ),
        Instrument(
            code="BONE_HEALTH",
            name="Bone-health stewardship after vertebral augmentation (yes/no items)",
            version="1",
            question_codes=(),
            question_prefixes=("BH_",),
            channel="sms",
            licence="The tracker's own items.",
            scoring="Not scored: each answer is shown as given.",
            source="002 section 5 (bone health after vertebral augmentation)",
        ),
        Instrument(
            code="ABLATION_IMAGING",
            name="Tumour-ablation follow-up imaging (yes/no item)",
            version="1",
            question_codes=(),
            question_prefixes=("TA_",),
            channel="sms",
            licence="The tracker's own item.",
            scoring="Not scored: shown as given.",
            source="004 Percutaneous Ablation (first follow-up imaging at 6-8 weeks)",
        ),
        Instrument(
            code="COMMENT",
            name="Anything else for the care team (free text)",
            version="1",
            question_codes=("ANYTHING_ELSE",),
            channel="sms",
            licence="The tracker's own item.",
            scoring="Not scored: read by staff at the next triage review and screened for red "
            "flags; left out of exports unless free text is asked for.",
            source="001 (symptoms that merit attention); DOMAIN.md red flags (free text)",
        ),
        Instrument(
            code="MEDS",
            name="Analgesic use compared with before the procedure",
            version="1",
            question_codes=("MEDS",),
            channel="sms",
            licence="The tracker's own item.",
            scoring="less / same / more / none; reported as shares per check.",
            source="002 section 5 (analgesic use); DOMAIN.md patient-reported outcomes",
        ),
    )
}

_BY_QUESTION = {q: i for i in INSTRUMENTS.values() for q in i.question_codes}
_BY_PREFIX = [(p, i) for i in INSTRUMENTS.values() for p in i.question_prefixes]

# Questions answered on the web form that are not in the SMS question bank, and the value each
# carries (the bank's type names, so the exports read one vocabulary).
WEB_FORM_ONLY_TYPES = {"VAS": "integer"}


def instrument_for_question(code: str) -> Instrument | None:
    """The instrument (and so the version) a stored answer with this question code belongs to."""
    found = _BY_QUESTION.get(code)
    if found is None:
        found = next((i for p, i in _BY_PREFIX if code.startswith(p)), None)
    return found


def instrument_for(code: str) -> str:
    """The registry code stored in ``Answer.instrument`` for an answer to question ``code``.

    The same for the SMS conversation and the web form (``followup/answers.py`` is the one
    writer). An unregistered code gives "" rather than an error: losing a patient's answer over a
    missing label would be worse, and ``instrument_problems`` (tested) names any such code."""
    found = instrument_for_question(code)
    return found.code if found else ""


def answer_value_type(code: str) -> str:
    """What an answer to ``code`` holds: the question bank's type (yes_no, nrs, choice,
    web_form, free_text), "integer" for the web form's VAS, "" for a code nobody knows."""
    from followup.questions import QUESTIONS

    if code in QUESTIONS:
        return QUESTIONS[code]["type"]
    return WEB_FORM_ONLY_TYPES.get(code, "")


def instrument_problems() -> list[str]:
    """Problems across the registry (empty when every instrument is complete)."""
    from followup.questions import QUESTIONS

    problems = []
    seen: dict[str, str] = {}
    for inst in INSTRUMENTS.values():
        if not inst.question_codes and not inst.question_prefixes:
            problems.append(f"{inst.code}: no question codes")
        for field in ("name", "version", "licence", "scoring", "source"):
            if not getattr(inst, field).strip():
                problems.append(f"{inst.code}: missing {field}")
        if inst.channel not in ("sms", "web_form"):
            problems.append(f"{inst.code}: unknown channel {inst.channel!r}")
        for q in inst.question_codes:
            if q in seen:
                problems.append(f"{q}: claimed by {seen[q]} and {inst.code}")
            seen[q] = inst.code
            if q not in QUESTIONS and q not in WEB_FORM_ONLY_TYPES:
                problems.append(f"{inst.code}: question {q} is not in the question bank")
        if len(inst.code) > 20:  # Answer.instrument is a CharField(max_length=20)
            problems.append(f"{inst.code}: code longer than 20 characters")
    for q in QUESTIONS:
        if instrument_for_question(q) is None:
            problems.append(f"{q}: no instrument in the registry")
        by_prefix = [i.code for p, i in _BY_PREFIX if q.startswith(p)]
        if q in _BY_QUESTION and by_prefix and by_prefix[0] != _BY_QUESTION[q].code:
            problems.append(f"{q}: claimed by {_BY_QUESTION[q].code} and by prefix {by_prefix[0]}")
    return problems
