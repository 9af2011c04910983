"""Neck Disability Index (NDI): sections, wording and scoring, for cervical procedures.

The NDI (Vernon and Mior, J Manipulative Physiol Ther 1991) adapts the Oswestry index to the neck:
ten sections, six statements each, scored 0-5. The statements below are the project's own wording,
faithful in meaning to the published NDI but not its copyrighted text (as ``followup/odi.py`` does
for the ODI); the Spanish is the project's own, not the validated Spanish version (Kovacs et al.,
Spine 2008). A clinic that reports NDI for research or registries should licence the original
wording and swap the strings; the scoring does not change.

Scoring: percent = sum / (5 x sections answered) x 100 (Vernon 2008 review: the same as the raw
0-50 score doubled when all ten sections are answered). Bands from Vernon and Mior 1991 on the 0-50
raw score (0-4 none, 5-14 mild, 15-24 moderate, 25-34 severe, 35-50 complete), here in percent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Same tolerance as the ODI (followup/odi.py): driving in particular is often skipped, one more
# gap is tolerated, fewer than 8 sections gives no score (project rule).
NDI_MIN_SECTIONS = 8
NDI_MAX_ITEM_SCORE = 5

NDI_BANDS = (
    (Decimal("8"), "no disability"),
    (Decimal("28"), "mild"),
    (Decimal("48"), "moderate"),
    (Decimal("68"), "severe"),
    (Decimal("100"), "complete"),
)


def _section(key: str, en_title: str, es_title: str, *pairs: tuple[str, str]) -> dict:
    if len(pairs) != NDI_MAX_ITEM_SCORE + 1:  # pragma: no cover - guards editing mistakes
        raise RuntimeError("an NDI section needs exactly six statements")
    return {
        "key": key,
        "title": {"en": en_title, "es": es_title},
        "statements": tuple({"en": en, "es": es} for en, es in pairs),
    }


NDI_SECTIONS: tuple[dict, ...] = (
    _section(
        "pain_intensity",
        "Pain intensity",
        "Intensidad del dolor",
        ("I have no pain at the moment.", "Ahora no tengo dolor."),
        ("The pain is very mild at the moment.", "Ahora el dolor es muy leve."),
        ("The pain is moderate at the moment.", "Ahora el dolor es moderado."),
        ("The pain is fairly severe at the moment.", "Ahora el dolor es bastante fuerte."),
        ("The pain is very severe at the moment.", "Ahora el dolor es muy fuerte."),
        ("The pain is the worst imaginable at the moment.", "Ahora el dolor es el peor posible."),
    ),
    _section(
        "personal_care",
        "Personal care (washing, dressing, etc.)",
        "Cuidado personal (lavarse, vestirse, etc.)",
        ("I can look after myself normally without extra pain.", "Me cuido sin más dolor."),
        ("I can look after myself normally, but it causes extra pain.", "Me cuido, con más dolor."),
        (
            "Looking after myself is painful; I am slow and careful.",
            "Me cuido despacio, con dolor.",
        ),
        ("I need some help but manage most of my care.", "Necesito algo de ayuda."),
        ("I need help every day with most of my care.", "Necesito ayuda a diario en casi todo."),
        (
            "I do not get dressed; I wash with difficulty and stay in bed.",
            "No me visto; sigo en cama.",
        ),
    ),
    _section(
        "lifting",
        "Lifting",
        "Levantar cosas",
        ("I can lift heavy weights without extra pain.", "Levanto cosas pesadas sin más dolor."),
        ("I can lift heavy weights, but it gives extra pain.", "Levanto cosas pesadas con dolor."),
        (
            "Pain stops me lifting heavy weights off the floor, but I can if they are well placed.",
            "No puedo levantar peso del suelo, sí de una mesa.",
        ),
        (
            "Pain stops me lifting heavy weights; light ones well placed are fine.",
            "Solo cosas ligeras.",
        ),
        ("I can lift only very light weights.", "Solo cosas muy ligeras."),
        ("I cannot lift or carry anything.", "No puedo levantar ni cargar nada."),
    ),
    _section(
        "reading",
        "Reading",
        "Lectura",
        (
            "I can read as much as I want with no neck pain.",
            "Leo lo que quiero sin dolor de cuello.",
        ),
        (
            "I can read as much as I want with slight neck pain.",
            "Leo lo que quiero con poco dolor.",
        ),
        ("I can read as much as I want with moderate neck pain.", "Leo con dolor moderado."),
        (
            "Moderate neck pain stops me reading as much as I want.",
            "El dolor me limita la lectura.",
        ),
        ("Severe neck pain lets me read hardly at all.", "Casi no puedo leer por el dolor."),
        ("I cannot read at all.", "No puedo leer nada."),
    ),
    _section(
        "headaches",
        "Headaches",
        "Dolores de cabeza",
        ("I have no headaches at all.", "No tengo dolores de cabeza."),
        ("I have slight headaches that come rarely.", "Rara vez, y leves."),
        ("I have moderate headaches that come rarely.", "Rara vez, y moderados."),
        ("I have moderate headaches that come often.", "Con frecuencia, y moderados."),
        ("I have severe headaches that come often.", "Con frecuencia, y fuertes."),
        ("I have headaches almost all the time.", "Casi todo el tiempo."),
    ),
    _section(
        "concentration",
        "Concentration",
        "Concentración",
        ("I can concentrate fully when I want to.", "Me concentro bien cuando quiero."),
        ("I can concentrate fully with slight difficulty.", "Me concentro con poca dificultad."),
        ("I have a fair degree of difficulty concentrating.", "Me cuesta bastante concentrarme."),
        ("I have a lot of difficulty concentrating.", "Me cuesta mucho concentrarme."),
        ("I have a great deal of difficulty concentrating.", "Me cuesta muchísimo concentrarme."),
        ("I cannot concentrate at all.", "No puedo concentrarme."),
    ),
    _section(
        "work",
        "Work (paid or at home)",
        "Trabajo (pagado o en casa)",
        ("I can do as much work as I want.", "Trabajo todo lo que quiero."),
        ("I can do my usual work, but no more.", "Hago mi trabajo habitual, no más."),
        ("I can do most of my usual work, but no more.", "Hago casi todo mi trabajo habitual."),
        ("I cannot do my usual work.", "No puedo hacer mi trabajo habitual."),
        ("I can hardly do any work at all.", "Casi no puedo trabajar."),
        ("I cannot do any work at all.", "No puedo trabajar nada."),
    ),
    _section(
        "driving",
        "Driving",
        "Manejar",
        ("I can drive without any neck pain.", "Manejo sin dolor de cuello."),
        ("I can drive as long as I want with slight neck pain.", "Manejo con poco dolor."),
        ("I can drive as long as I want with moderate neck pain.", "Manejo con dolor moderado."),
        (
            "Moderate neck pain stops me driving as long as I want.",
            "El dolor me limita al manejar.",
        ),
        ("Severe neck pain lets me drive hardly at all.", "Casi no puedo manejar."),
        ("I cannot drive at all.", "No puedo manejar."),
    ),
    _section(
        "sleeping",
        "Sleeping",
        "Sueño",
        ("I have no trouble sleeping.", "Duermo sin problemas."),
        ("My sleep is slightly disturbed (less than 1 hour awake).", "Menos de 1 hora despierto."),
        ("My sleep is mildly disturbed (1-2 hours awake).", "De 1 a 2 horas despierto."),
        ("My sleep is moderately disturbed (2-3 hours awake).", "De 2 a 3 horas despierto."),
        ("My sleep is greatly disturbed (3-5 hours awake).", "De 3 a 5 horas despierto."),
        ("My sleep is completely disturbed (5-7 hours awake).", "De 5 a 7 horas despierto."),
    ),
    _section(
        "recreation",
        "Recreation",
        "Actividades de ocio",
        (
            "I can do all my usual activities with no neck pain.",
            "Hago todas mis actividades sin dolor.",
        ),
        (
            "I can do all my usual activities with some neck pain.",
            "Las hago todas con algo de dolor.",
        ),
        ("Neck pain lets me do most but not all of them.", "Hago casi todas por el dolor."),
        ("Neck pain lets me do only a few of them.", "Solo hago unas pocas."),
        ("I can hardly do any of them because of neck pain.", "Casi no hago ninguna."),
        ("I cannot do any of them at all.", "No puedo hacer ninguna."),
    ),
)

NDI_SECTION_KEYS: tuple[str, ...] = tuple(section["key"] for section in NDI_SECTIONS)


def ndi_band(percent: Decimal) -> str:
    """Disability band of a rounded NDI percent (upper bounds inclusive, like the ODI's)."""
    for upper, name in NDI_BANDS:
        if percent <= upper:
            return name
    raise ValueError(f"NDI percent {percent} is above 100")


def ndi_score(answers: dict[str, int | None]) -> dict | None:
    """Score NDI answers ``{section_key: 0..5 or None}``; None when too few sections answered.

    Unknown section keys and out-of-range values raise ValueError: a wrong key silently dropped
    would shrink the denominator and inflate the score.
    """
    unknown = set(answers) - set(NDI_SECTION_KEYS)
    if unknown:
        raise ValueError(f"unknown NDI sections: {sorted(unknown)}")
    answered: dict[str, int] = {}
    for key, value in answers.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 5:
            raise ValueError(f"NDI section {key} must be an integer 0-5, not {value!r}")
        answered[key] = value
    if len(answered) < NDI_MIN_SECTIONS:
        return None
    total = sum(answered.values())
    raw = Decimal(total) / Decimal(NDI_MAX_ITEM_SCORE * len(answered)) * 100
    percent = raw.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return {
        "percent": percent,
        "sum": total,
        "answered": len(answered),
        "band": ndi_band(percent),
    }
