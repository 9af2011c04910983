"""Oswestry Disability Index (ODI) v2.1a: sections, wording and scoring.

The ten sections follow ODI v2.1a (Fairbank and Pynsent, Spine 2000). The statements here are
the project's own wording, faithful in meaning to v2.1a but not its licensed text; a clinic that
needs the validated wording for research should licence it and swap the strings, the scoring is
unchanged. Each section has six statements; the index of the chosen statement is its score (0-5).

Scoring: percent = sum / (5 x sections answered) x 100, rounded half-up to one decimal.
Unanswered sections (None or absent) are left out of the denominator: the sex-life section in
particular is often skipped on purpose.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# The rule for unanswered sections. Fairbank and Pynsent (Spine 2000;25(22):2940-52, "The Oswestry
# Disability Index", scoring notes) score a form with a section missed as sum / (5 x sections
# answered) x 100, the DOMAIN.md formula. How many may be missed is not fixed by the authors;
# the common convention of registries and trials using ODI v2.1a is no score when more than 2
# sections are missing, i.e. at least 8 of 10 answered. We use that: with the sex-life section
# often skipped on purpose one more gap is tolerated, but a percentage resting on 7 or fewer
# items is no longer comparable with a full baseline and would give misleading change figures.
ODI_MIN_SECTIONS = 8
ODI_MAX_ITEM_SCORE = 5

# Bands use the rounded percent with the upper bound inclusive: 20.0 is minimal, 20.1 (and a
# hypothetical 20.5) moderate; 40.0 is moderate, 40.6 severe. Scores always land on the one
# decimal shown to staff, so the band never disagrees with the number on screen.
ODI_BANDS = (
    (Decimal("20"), "minimal"),
    (Decimal("40"), "moderate"),
    (Decimal("60"), "severe"),
    (Decimal("80"), "crippled"),
    (Decimal("100"), "bed-bound"),
)


def _statements(*pairs: tuple[str, str]) -> tuple[dict[str, str], ...]:
    if len(pairs) != ODI_MAX_ITEM_SCORE + 1:  # pragma: no cover - guards editing mistakes
        raise RuntimeError("an ODI section needs exactly six statements")
    return tuple({"en": en, "es": es} for en, es in pairs)


ODI_SECTIONS: tuple[dict, ...] = (
    {
        "key": "pain_intensity",
        "title": {"en": "Pain intensity", "es": "Intensidad del dolor"},
        "statements": _statements(
            ("I have no pain at the moment.", "Ahora no tengo dolor."),
            ("My pain is very mild at the moment.", "Ahora mi dolor es muy leve."),
            ("My pain is moderate at the moment.", "Ahora mi dolor es moderado."),
            ("My pain is fairly severe at the moment.", "Ahora mi dolor es bastante fuerte."),
            ("My pain is very severe at the moment.", "Ahora mi dolor es muy fuerte."),
            (
                "My pain is the worst I can imagine at the moment.",
                "Ahora mi dolor es el peor que puedo imaginar.",
            ),
        ),
    },
    {
        "key": "personal_care",
        "title": {
            "en": "Personal care (washing, dressing, etc.)",
            "es": "Cuidado personal (lavarse, vestirse, etc.)",
        },
        "statements": _statements(
            (
                "I can look after myself normally without it causing extra pain.",
                "Puedo cuidarme normalmente sin que me cause más dolor.",
            ),
            (
                "I can look after myself normally, but it causes extra pain.",
                "Puedo cuidarme normalmente, pero me da más dolor.",
            ),
            (
                "Looking after myself is painful, and I am slow and careful.",
                "Cuidarme me duele, y lo hago despacio y con cuidado.",
            ),
            (
                "I need some help, but I manage most of my personal care.",
                "Necesito algo de ayuda, pero hago casi todo mi cuidado personal.",
            ),
            (
                "I need help every day with most of my personal care.",
                "Necesito ayuda todos los días para casi todo mi cuidado personal.",
            ),
            (
                "I do not get dressed, I wash with difficulty, and I stay in bed.",
                "No me visto, me lavo con dificultad y me quedo en la cama.",
            ),
        ),
    },
    {
        "key": "lifting",
        "title": {"en": "Lifting", "es": "Levantar cosas"},
        "statements": _statements(
            (
                "I can lift heavy things without extra pain.",
                "Puedo levantar cosas pesadas sin más dolor.",
            ),
            (
                "I can lift heavy things, but it gives me extra pain.",
                "Puedo levantar cosas pesadas, pero me da más dolor.",
            ),
            (
                "Pain stops me lifting heavy things off the floor, but I can if they are in an "
                "easy place, for example on a table.",
                "El dolor no me deja levantar cosas pesadas del suelo, pero puedo si están en un "
                "lugar fácil, por ejemplo en una mesa.",
            ),
            (
                "Pain stops me lifting heavy things, but I can lift light to medium things if "
                "they are in an easy place.",
                "El dolor no me deja levantar cosas pesadas, pero puedo levantar cosas ligeras o "
                "medianas si están en un lugar fácil.",
            ),
            (
                "I can only lift very light things.",
                "Solo puedo levantar cosas muy ligeras.",
            ),
            (
                "I cannot lift or carry anything.",
                "No puedo levantar ni cargar nada.",
            ),
        ),
    },
    {
        "key": "walking",
        "title": {"en": "Walking", "es": "Caminar"},
        "statements": _statements(
            (
                "Pain does not stop me walking any distance.",
                "El dolor no me impide caminar cualquier distancia.",
            ),
            (
                "Pain stops me walking more than 1 mile.",
                "El dolor no me deja caminar más de 1 milla (1.6 km).",
            ),
            (
                "Pain stops me walking more than a quarter of a mile.",
                "El dolor no me deja caminar más de un cuarto de milla (400 metros).",
            ),
            (
                "Pain stops me walking more than 100 yards.",
                "El dolor no me deja caminar más de 100 yardas (90 metros).",
            ),
            (
                "I can only walk with a cane or crutches.",
                "Solo puedo caminar con bastón o muletas.",
            ),
            (
                "I am in bed most of the time.",
                "Estoy en la cama la mayor parte del tiempo.",
            ),
        ),
    },
    {
        "key": "sitting",
        "title": {"en": "Sitting", "es": "Sentarse"},
        "statements": _statements(
            (
                "I can sit in any chair for as long as I like.",
                "Puedo sentarme en cualquier silla todo el tiempo que quiera.",
            ),
            (
                "I can sit in my favorite chair only, for as long as I like.",
                "Solo en mi silla favorita puedo sentarme todo el tiempo que quiera.",
            ),
            (
                "Pain stops me sitting for more than 1 hour.",
                "El dolor no me deja sentarme por más de 1 hora.",
            ),
            (
                "Pain stops me sitting for more than 30 minutes.",
                "El dolor no me deja sentarme por más de 30 minutos.",
            ),
            (
                "Pain stops me sitting for more than 10 minutes.",
                "El dolor no me deja sentarme por más de 10 minutos.",
            ),
            (
                "Pain stops me sitting at all.",
                "El dolor no me deja sentarme nada.",
            ),
        ),
    },
    {
        "key": "standing",
        "title": {"en": "Standing", "es": "Estar de pie"},
        "statements": _statements(
            (
                "I can stand as long as I want without extra pain.",
                "Puedo estar de pie todo el tiempo que quiera sin más dolor.",
            ),
            (
                "I can stand as long as I want, but it gives me extra pain.",
                "Puedo estar de pie todo el tiempo que quiera, pero me da más dolor.",
            ),
            (
                "Pain stops me standing for more than 1 hour.",
                "El dolor no me deja estar de pie más de 1 hora.",
            ),
            (
                "Pain stops me standing for more than 30 minutes.",
                "El dolor no me deja estar de pie más de 30 minutos.",
            ),
            (
                "Pain stops me standing for more than 10 minutes.",
                "El dolor no me deja estar de pie más de 10 minutos.",
            ),
            (
                "Pain stops me standing at all.",
                "El dolor no me deja estar de pie nada.",
            ),
        ),
    },
    {
        "key": "sleeping",
        "title": {"en": "Sleeping", "es": "Dormir"},
        "statements": _statements(
            (
                "Pain never wakes me or disturbs my sleep.",
                "El dolor nunca me despierta ni me quita el sueño.",
            ),
            (
                "Pain sometimes disturbs my sleep.",
                "El dolor a veces no me deja dormir bien.",
            ),
            (
                "Because of pain I sleep less than 6 hours.",
                "Por el dolor duermo menos de 6 horas.",
            ),
            (
                "Because of pain I sleep less than 4 hours.",
                "Por el dolor duermo menos de 4 horas.",
            ),
            (
                "Because of pain I sleep less than 2 hours.",
                "Por el dolor duermo menos de 2 horas.",
            ),
            (
                "Pain stops me sleeping at all.",
                "El dolor no me deja dormir nada.",
            ),
        ),
    },
    {
        "key": "sex_life",
        "title": {"en": "Sex life (if it applies)", "es": "Vida sexual (si corresponde)"},
        "statements": _statements(
            (
                "My sex life is normal and causes no extra pain.",
                "Mi vida sexual es normal y no me da más dolor.",
            ),
            (
                "My sex life is normal, but it causes some extra pain.",
                "Mi vida sexual es normal, pero me da algo más de dolor.",
            ),
            (
                "My sex life is nearly normal, but it is very painful.",
                "Mi vida sexual es casi normal, pero me duele mucho.",
            ),
            (
                "My sex life is badly limited by pain.",
                "El dolor limita mucho mi vida sexual.",
            ),
            (
                "I have almost no sex life because of pain.",
                "Por el dolor casi no tengo vida sexual.",
            ),
            (
                "Pain stops any sex life at all.",
                "El dolor no me permite ninguna vida sexual.",
            ),
        ),
    },
    {
        "key": "social_life",
        "title": {"en": "Social life", "es": "Vida social"},
        "statements": _statements(
            (
                "My social life is normal and causes no extra pain.",
                "Mi vida social es normal y no me da más dolor.",
            ),
            (
                "My social life is normal, but it makes my pain worse.",
                "Mi vida social es normal, pero aumenta mi dolor.",
            ),
            (
                "Pain has no big effect on my social life, except that it limits more active "
                "things, like sports.",
                "El dolor no afecta mucho mi vida social, solo limita las actividades más "
                "activas, como los deportes.",
            ),
            (
                "Pain has limited my social life and I go out less often.",
                "El dolor ha limitado mi vida social y salgo menos.",
            ),
            (
                "Pain has limited my social life to my home.",
                "Por el dolor, mi vida social se limita a mi casa.",
            ),
            (
                "I have no social life because of pain.",
                "Por el dolor no tengo vida social.",
            ),
        ),
    },
    {
        "key": "travelling",
        "title": {"en": "Travelling", "es": "Viajar"},
        "statements": _statements(
            (
                "I can travel anywhere without pain.",
                "Puedo viajar a cualquier lugar sin dolor.",
            ),
            (
                "I can travel anywhere, but it gives me extra pain.",
                "Puedo viajar a cualquier lugar, pero me da más dolor.",
            ),
            (
                "Pain is bad, but I manage trips of over 2 hours.",
                "El dolor es fuerte, pero puedo hacer viajes de más de 2 horas.",
            ),
            (
                "Pain limits me to trips of less than 1 hour.",
                "El dolor me limita a viajes de menos de 1 hora.",
            ),
            (
                "Pain limits me to short, necessary trips of less than 30 minutes.",
                "El dolor me limita a viajes cortos y necesarios de menos de 30 minutos.",
            ),
            (
                "Pain stops me travelling except to get treatment.",
                "El dolor no me deja viajar, salvo para recibir tratamiento.",
            ),
        ),
    },
)

ODI_SECTION_KEYS: tuple[str, ...] = tuple(section["key"] for section in ODI_SECTIONS)


def _is_int(value: object) -> bool:
    # bool is an int subclass; True must not count as a score of 1.
    return isinstance(value, int) and not isinstance(value, bool)


def odi_band(percent: Decimal) -> str:
    """Disability band for a percent, upper bound inclusive (20.0 minimal, 20.1 moderate)."""
    value = Decimal(percent)
    if value < 0 or value > 100:
        raise ValueError(f"ODI percent {percent} is outside 0-100")
    for upper, band in ODI_BANDS:
        if value <= upper:
            return band
    raise AssertionError("unreachable: the last band ends at 100")  # pragma: no cover


def odi_score(answers: dict[str, int | None]) -> dict | None:
    """Score ODI answers keyed by section key; None when fewer than ODI_MIN_SECTIONS answered.

    Returns ``{"sum", "answered", "percent" (Decimal, 1 dp), "band"}``. Raises ValueError for a
    score outside 0-5, a non-integer score, or an unknown section key.
    """
    unknown = set(answers) - set(ODI_SECTION_KEYS)
    if unknown:
        raise ValueError(f"unknown ODI section(s): {sorted(unknown)}")
    scores = []
    for key, value in answers.items():
        if value is None:
            continue
        if not _is_int(value) or not 0 <= value <= ODI_MAX_ITEM_SCORE:
            raise ValueError(f"ODI section {key!r}: {value!r} is not an integer 0-5")
        scores.append(value)
    if len(scores) < ODI_MIN_SECTIONS:
        return None
    total = sum(scores)
    percent = (Decimal(total * 100) / Decimal(ODI_MAX_ITEM_SCORE * len(scores))).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return {"sum": total, "answered": len(scores), "percent": percent, "band": odi_band(percent)}


def odi_missing_sections(answers: dict[str, int | None] | None) -> list[str]:
    """The keys of the sections without an answer, in the instrument's order."""
    answers = answers or {}
    return [key for key in ODI_SECTION_KEYS if answers.get(key) is None]


def odi_section_title(key: str, language: str = "en") -> str:
    """ "3. Lifting": the section's number and title as the patient saw it."""
    for number, section in enumerate(ODI_SECTIONS, start=1):
        if section["key"] == key:
            return f"{number}. {section['title'][language]}"
    raise ValueError(f"unknown ODI section {key!r}")


def vas_valid(v: object) -> bool:
    """True for a visual analogue scale value: an integer 0-100 (the web slider's steps)."""
    return _is_int(v) and 0 <= v <= 100
