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


def instrument_for_question(code: str) -> Instrument | None:
    """The instrument (and so the version) a stored answer with this question code belongs to."""
    return _BY_QUESTION.get(code)


def instrument_problems() -> list[str]:
    """Problems across the registry (empty when every instrument is complete)."""
    from followup.questions import QUESTIONS

    from .ndi import NDI_SECTIONS

    problems = []
    seen: dict[str, str] = {}
    for inst in INSTRUMENTS.values():
        for field in ("name", "version", "licence", "scoring", "source"):
            if not getattr(inst, field).strip():
                problems.append(f"{inst.code}: missing {field}")
        if inst.channel not in ("sms", "web_form"):
            problems.append(f"{inst.code}: unknown channel {inst.channel!r}")
        for q in inst.question_codes:
            if q in seen:
                problems.append(f"{q}: claimed by {seen[q]} and {inst.code}")
            seen[q] = inst.code
            if q not in QUESTIONS and not (q == "NDI" and NDI_SECTIONS):
                problems.append(f"{inst.code}: question {q} is not in the question bank")
    return problems
