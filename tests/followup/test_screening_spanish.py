"""Spanish red-flag screening (issue 21, "Spanish lagging English").

Checked with the concept engine ALONE (``engine.read`` + ``engine.decide``, no phrase rules), so
these keep their meaning once the old phrase floor is gone, and with ``screen_text`` (both layers)
where a patient-facing tier matters. Covers Spanish assertion cues (negation before and after the
symptom, quantifier denials, pseudo-negation, resolved versus worsening, hypotheticals and
questions, experiencer), lay words and regional terms, typos, and benign texts that must not raise.

Pure Python (``pytest -p no:django --noconftest tests/followup/test_screening_spanish.py``).
"""

from __future__ import annotations

import pytest

from followup.screening import EMERGENCY, ROUTINE, URGENT, engine, results, screen_text

RANK = {"NONE": 0, ROUTINE: 1, URGENT: 2, EMERGENCY: 3}


def engine_tier(text: str, procedure: str | None = None) -> str:
    """The tier the concept engine alone gives (what remains when the phrase rules are gone)."""
    _doc, mentions, facts = engine.read(text)
    known = procedure if procedure in results.PROCEDURES else None
    outcomes = engine.decide(mentions, facts, known, None)
    return max((o.tier for o in outcomes), key=RANK.__getitem__, default="NONE")


def engine_codes(text: str, procedure: str | None = None) -> set[str]:
    _doc, mentions, facts = engine.read(text)
    return {o.code for o in engine.decide(mentions, facts, procedure, None)}


def affirmed(text: str, concept: str) -> bool:
    _doc, mentions, _ = engine.read(text)
    return any(m.concept == concept and m.assertion.affirmed for m in mentions)


def full_tier(text: str, procedure: str | None = None) -> str:
    return screen_text(text, procedure=procedure, language="es").tier or "NONE"


# ---------------------------------------------------------------------------------------------
# Negation before the symptom, after it, and by a quantifier.


@pytest.mark.parametrize(
    "text",
    [
        "no tengo fiebre",
        "sin fiebre ni escalofrios",
        "no he tenido fiebre desde el lunes",
        "tampoco tengo fiebre",
        "ningun dolor de pecho",
        "ya no tengo fiebre",
        "niega fiebre",
        "nada de fiebre",
        "no me ha dado fiebre",
    ],
)
def test_it_reads_a_denial_before_the_symptom(text):
    assert not affirmed(text, "FEVER") and not affirmed(text, "CHEST_PAIN"), text
    assert RANK[engine_tier(text, "ESI")] < RANK[URGENT], text


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("dolor de cabeza: ninguno", "HEADACHE"),
        ("fiebre no", "FEVER"),
        ("fiebre: no", "FEVER"),
        ("dolor de pecho? no", "CHEST_PAIN"),
        ("fiebre tampoco", "FEVER"),
        ("dolor de pecho: nada", "CHEST_PAIN"),
        ("fiebre negativo", "FEVER"),
        ("fiebre cero", "FEVER"),
        ("fiebre, para nada", "FEVER"),
        ("dolor de pecho ninguna vez", "CHEST_PAIN"),
    ],
)
def test_it_reads_a_denial_after_the_symptom(text, concept):
    assert not affirmed(text, concept), text


@pytest.mark.parametrize(
    "text",
    [
        "ni una sola vez tuve fiebre",
        "no tuve fiebre ni una sola vez",
        "fiebre ni una sola vez",
        "fiebre ni una vez en toda la semana",
        "ni una fiebre desde que llegue",
        "ni un escalofrio",
        "fiebre ni un poco",
    ],
)
def test_it_reads_a_quantifier_denial(text):
    assert not affirmed(text, "FEVER"), text


@pytest.mark.parametrize(
    "text",
    [
        "no me siento mal aunque tengo fiebre",
        "no me siento mal solo que tengo fiebre",
        "no me siento mal excepto por la fiebre",
        "no me siento mal pero tengo fiebre",
    ],
)
def test_a_turn_in_the_sentence_ends_a_denial(text):
    assert affirmed(text, "FEVER"), text


def test_a_comparison_with_never_is_not_a_denial():
    assert engine_tier("nunca tuve un dolor de pecho que me apretara tanto", "VA") == EMERGENCY
    assert engine_tier("nunca tuve fiebre", "VA") == "NONE"


def test_a_denial_of_one_symptom_does_not_deny_the_next_one():
    text = "no tengo fiebre, pero no siento las piernas"
    assert not affirmed(text, "FEVER")
    assert engine_tier(text, "ESI") == EMERGENCY
    assert engine_tier("sin fiebre, aunque la herida esta roja", "SCS") == URGENT


# ---------------------------------------------------------------------------------------------
# Words after a symptom that look like a denial and are not (pseudo-negation).


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("no solo me duele la espalda, tengo fiebre", URGENT),
        ("la fiebre no baja", URGENT),
        ("la calentura no ha bajado con el paracetamol", URGENT),
        ("la fiebre no se me va", URGENT),
        ("el dolor de pecho no me deja dormir", EMERGENCY),
        ("tengo dolor de pecho no se que hacer", EMERGENCY),
        ("me falta el aire no me siento nada bien", EMERGENCY),
        ("sin embargo tengo fiebre", URGENT),
        ("no aguanto el dolor de pecho", EMERGENCY),
        ("me duele la cabeza cuando me siento, acostada no", URGENT),
        ("ningun dolor de cabeza ha sido tan fuerte como este", EMERGENCY),
    ],
)
def test_it_keeps_a_symptom_after_words_that_only_look_like_a_denial(text, tier):
    assert engine_tier(text, "ESI") == tier, text


# ---------------------------------------------------------------------------------------------
# Resolved or past versus current and worsening.


@pytest.mark.parametrize(
    "text",
    [
        "los escalofrios se quitaron el martes",
        "la fiebre ya se me quito",
        "la fiebre se fue ayer en la noche",
        "la calentura ya bajo",
        "la fiebre se me bajo con el baño",
        "tuve fiebre hace anos, nada que ver",
        "el ano pasado tuve fiebre",
        "la fiebre desaparecio",
    ],
)
def test_it_reads_a_resolved_or_past_symptom_as_no_flag(text):
    assert RANK[engine_tier(text, "ESI")] < RANK[URGENT], text


@pytest.mark.parametrize(
    "text",
    [
        "los escalofrios se quitaron el martes pero volvieron hoy",
        "la fiebre se fue y ahora regreso",
        "se me quito la fiebre pero otra vez la tengo",
        "la fiebre cada vez peor",
        "sigo con fiebre",
        "todavia tengo calentura",
        "la fiebre ya se me habia quitado y ha vuelto",
    ],
)
def test_it_reads_a_returning_or_worsening_symptom_as_current(text):
    assert engine_tier(text, "ESI") == URGENT, text


def test_a_resolved_symptom_does_not_resolve_a_worsening_one():
    text = "la fiebre se fue, pero el dolor de espalda esta mucho peor"
    assert engine_tier(text, "DISC") == URGENT
    assert "BACK_PAIN_SUDDEN" in engine_codes(text, "DISC")


# ---------------------------------------------------------------------------------------------
# Hypotheticals ask about a future "if"; a question that reports a state still counts.


@pytest.mark.parametrize(
    "text",
    [
        "que hago si me da fiebre?",
        "y si me llega a dar fiebre?",
        "si llego a tener fiebre a quien llamo?",
        "que pasa si me sale pus?",
        "por si acaso, que hago si tengo escalofrios en la noche?",
        "que sintomas debo vigilar, fiebre o dolor de cabeza?",
        "cuales son las senales de alarma, fiebre?",
        "si mas adelante me falta el aire voy a urgencias?",
    ],
)
def test_it_reads_a_future_if_as_no_flag(text):
    assert RANK[engine_tier(text, "ESI")] < RANK[URGENT], text


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("debo ir a urgencias si tengo la herida roja?", URGENT),
        ("es normal que me falte el aire?", EMERGENCY),
        ("debo preocuparme? no siento las piernas", EMERGENCY),
        ("tengo que regresar si la herida esta roja y caliente?", URGENT),
        ("es normal tener calentura despues de la inyeccion?", URGENT),
    ],
)
def test_a_question_that_reports_a_symptom_counts(text, tier):
    assert engine_tier(text, "ESI") == tier, text


# ---------------------------------------------------------------------------------------------
# Experiencer: a caregiver speaking for the patient counts; someone else's symptom does not.


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("mi mama dice que no siente las piernas", EMERGENCY),
        ("mi esposo se orino encima y no se dio cuenta", EMERGENCY),
        ("mi papa no despierta bien, esta muy ido", EMERGENCY),
        ("mi abuela habla raro y se le cae la boca de un lado", EMERGENCY),
        ("mi marido tiene calentura y el cuello tieso", EMERGENCY),
        ("mi mujer tiene la herida roja y supura", URGENT),
        ("mi hija dice que su mama tiene mucha calentura", URGENT),
    ],
)
def test_a_caregiver_speaking_for_the_patient_counts(text, tier):
    assert engine_tier(text, "ESI") == tier, text


@pytest.mark.parametrize(
    "text",
    [
        "mi hijo tiene gripe, puede venir conmigo?",
        "mi hijo tiene gripe y fiebre, puede acompanarme a la cita?",
        "mi nieta tiene calentura, no quiero que me lo pegue",
        "mi esposo tiene fiebre, yo estoy bien, nos vemos el jueves",
        "mi mama tiene tos y fiebre, me puedo contagiar antes de mi cita?",
        "mi hermana tiene ronchas, debo mantenerla lejos de mi?",
    ],
)
def test_someone_elses_symptom_is_not_the_patients(text):
    assert RANK[engine_tier(text, "ESI")] < RANK[URGENT], text


# ---------------------------------------------------------------------------------------------
# Lay words and regional terms, without accents or with them, and typos.


@pytest.mark.parametrize(
    ("text", "procedure", "code"),
    [
        ("siento que respiro por un popote", "VA", "SOB_CHEST"),
        ("es como respirar por una pajita", "VA", "SOB_CHEST"),
        ("me hice pipí encima sin darme cuenta", "LYSIS", "BLADDER_BOWEL"),
        ("me estoy orinando sin sentir", "ESI", "BLADDER_BOWEL"),
        ("mojé la cama y no me desperté", "ESI", "BLADDER_BOWEL"),
        ("tengo dormidas las nalgas y entre las piernas", "LYSIS", "BLADDER_BOWEL"),
        ("no siento cuando tengo que ir al baño", "ESI", "BLADDER_BOWEL"),
        ("se me doblan las rodillas al caminar", "VA", "WEAKNESS"),
        ("mis piernas no me responden", "ESI", "WEAKNESS"),
        ("arrastro el pie derecho desde ayer", "ESI", "WEAKNESS"),
        ("tengo presión en el pecho", "VA", "SOB_CHEST"),
        ("me aprieta el pecho", "VA", "SOB_CHEST"),
        ("el peor dolor de cabeza de mi vida", "ESI", "HEADACHE_SEVERE"),
        ("siento que me va a explotar la cabeza", "ESI", "HEADACHE_SEVERE"),
        ("se le olvida todo y no sabe donde esta", "ESI", "CONFUSION"),
        ("se privó en la cocina", "ESI", "CONFUSION"),
        ("habla raro desde la mañana", "ESI", "STROKE_SIGNS"),
        ("se le cae la boca de un lado", "ESI", "STROKE_SIGNS"),
        ("se me cierra la garganta", "ESI", "ANAPHYLAXIS"),
        ("se me hinchó la lengua después del medicamento", "ESI", "ANAPHYLAXIS"),
        ("no quiero vivir", "ESI", "SELF_HARM"),
        ("mejor morirme", "ESI", "SELF_HARM"),
        ("ya no aguanto, mi familia estaria mejor sin mi", "ESI", "SELF_HARM"),
        ("soy una carga para todos", "ESI", "SELF_HARM"),
        ("la bomba está pitando", "ITDD", "PUMP_ALARM"),
        ("mi esposo dejó de respirar", "ITDD", "SOB_CHEST"),
        ("me pica todo el cuerpo y estoy sudando mucho", "ITDD", "ITDD_WITHDRAWAL"),
        ("me duele el costado y estoy mareada", "VA", "VA_FLANK_DIZZY"),
    ],
)
def test_it_reads_lay_and_regional_words_as_their_red_flag(text, procedure, code):
    codes = engine_codes(text, procedure)
    assert code in codes, (text, codes)
    assert full_tier(text, procedure) == engine_tier(text, procedure), text


@pytest.mark.parametrize(
    ("text", "procedure"),
    [
        ("tengo calentura", "ESI"),
        ("muchos escalofríos en la noche", "ESI"),
        ("la herida supura", "SCS"),
        ("le sale pus a la herida", "SCS"),
        ("la herida está caliente y colorada", "SCS"),
        ("me arde la herida", "SCS"),
        ("chorrea agua clara de la herida", "ESI"),
        ("se me duerme la pierna", "LYSIS"),
        ("siento hormigueo en el pie", "LYSIS"),
        ("me salieron ronchas en los brazos", "ESI"),
        ("sangra mucho donde me inyectaron", "ESI"),
        ("me duele donde está la batería", "SCS"),
        ("dolor nuevo más abajo de donde me operaron", "VA"),
        ("el dolor de espalda está mucho peor", "DISC"),
        ("me baja una corriente por la pierna", "ESI"),
        ("me duele la cabeza al levantarme, se me quita acostada", "ESI"),
    ],
)
def test_it_reads_lay_words_for_urgent_symptoms(text, procedure):
    assert engine_tier(text, procedure) == URGENT, text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("tengo calentrua", "FEVER"),  # two letters swapped
        ("siento hormigeo", "NUMB_TINGLE"),  # a letter dropped
        ("me ajogo desde anoche", "SOB_CHEST"),  # a letter changed
        ("tengo escalofrrios", "FEVER"),  # a letter typed twice
    ],
)
def test_it_tolerates_a_typo_in_a_spanish_word(text, code):
    assert code in engine_codes(text, "ESI"), text


# ---------------------------------------------------------------------------------------------
# Benign Spanish texts must not raise a flag.


@pytest.mark.parametrize(
    "text",
    [
        "el dolor va mucho mejor, gracias",
        "ya casi no me duele la espalda",
        "a que hora es mi cita?",
        "puedo cambiar mi cita al jueves?",
        "no tengo fiebre, todo bien",
        "gracias por todo, nos vemos pronto",
        "me siento rara desde la inyección",
        "puedo bañarme despues de la inyeccion?",
        "me duele un poco la espalda pero mejor que antes",
        "cuando puedo volver a comer normal?",
        "tengo que darse de alta en el portal?",
        "el moretón morado ya se está quitando",
        "ya no aguanto el dolor de espalda, cuando me pueden ver?",
        "la calentura de mi hijo ya bajo, gracias",
    ],
)
def test_it_does_not_raise_a_benign_spanish_text(text):
    assert RANK[engine_tier(text, "ESI")] < RANK[URGENT], text
    assert RANK[full_tier(text, "ESI")] < RANK[URGENT], text


def test_a_device_that_does_not_respond_is_not_a_patient_who_does_not():
    # "no responde" alone is not a Spanish CONFUSION term for this reason (the old phrase rules,
    # still underneath, read it as a collapse).
    assert engine_tier("el estimulador no responde al control remoto", "SCS") == "NONE"
    assert engine_tier("no responde cuando le hablo", "SCS") == EMERGENCY


def test_pain_that_cannot_be_borne_is_not_read_as_self_harm():
    """ "Ya no aguanto el dolor" is a pain complaint (a nurse sees it as unclassified pain); only
    words about life or death carry the crisis line ("ya no aguanto vivir")."""
    assert "SELF_HARM" not in engine_codes("ya no aguanto el dolor de espalda")
    assert "SELF_HARM" in engine_codes("ya no aguanto vivir asi")
    result = screen_text("ya no aguanto vivir asi", language="es")
    assert result.tier == EMERGENCY and any(m.crisis_line for m in result.matches)


# ---------------------------------------------------------------------------------------------
# Spanish common words: never read as a typo of a lexicon word.


@pytest.mark.parametrize(
    ("text", "not_concept"),
    [
        ("me siento rara desde la inyeccion", "WOUND"),  # inyeccion is not infeccion
        ("me dijeron que la inyeccion en la herida no duele", "WOUND"),
    ],
)
def test_a_common_spanish_word_is_not_read_as_a_typo(text, not_concept):
    _doc, mentions, _ = engine.read(text)
    assert not_concept not in {m.concept for m in mentions}, text


# ---------------------------------------------------------------------------------------------
# Every Spanish concept list is exercised through a realistic sentence for each concept.


SENTENCE_PER_CONCEPT = {
    "DYSPNOEA": "desde anoche me quedo sin aire al caminar",
    "CHEST_PAIN": "siento como un elefante en el pecho",
    "WEAKNESS": "se me vencen las piernas",
    "CAUDA_EQUINA": "se me escapa la orina y no lo siento",
    "HEADACHE_SEVERE": "tengo un dolor de cabeza insoportable",
    "HEADACHE_POSITIONAL": "la cabeza me duele al pararme y se me pasa acostada",
    "HEADACHE": "tengo jaqueca",
    "FEVER": "estoy ardiendo en fiebre",
    "NECK_STIFF": "tengo el cuello trabado",
    "CONFUSION": "no lo puedo despertar",
    "FAST_HEART": "tengo taquicardia",
    "SELF_HARM": "ojala me muera",
    "LOW_MOOD": "lloro todo el dia",
    "ANAPHYLAXIS": "se me esta cerrando la garganta",
    "RASH": "me salio un sarpullido",
    "STROKE": "tiene la cara chueca",
    "PUMP_OVERDOSE": "duerme todo el dia y respira muy despacio",
    "PUMP_WITHDRAWAL": "tiene convulsiones",
    "PUMP_ALARM": "el aparato esta sonando",
    "PUMP_URINE_NAUSEA": "tengo ganas de vomitar",
    "WOUND": "la herida huele mal",
    "CSF_LEAK": "sale un agua transparente de la espalda",
    "NUMBNESS": "tengo la pierna entumida",
    "SHOOTING_PAIN": "siento latigazos en la pierna",
    "SUDDEN_BACK_PAIN": "me dio un dolor horrible en la espalda",
    "FLANK_PAIN": "me duele mucho la panza",
    "DIZZY": "todo me da vueltas",
    "DEVICE_EROSION": "se asoma el cable por la piel",
    "DEVICE_COVERAGE": "la estimulacion se movio a otro lado",
    "HYPERGLYCAEMIA": "el azucar me salio muy alta",
    "SUGAR_VERY_HIGH": "traigo el azucar por las nubes",
    "NEURITIS": "me arde la piel donde me quemaron los nervios",
    # Concepts the English port added (retire3): each still has a Spanish sentence.
    "ADJACENT_PAIN": "desde ayer me duelen las costillas",
    "BACK_PAIN_WORSE": "el dolor de espalda esta mucho peor",
    "BATTERY_SITE": "me duele alrededor de la bateria",
    "BLEEDING": "la gasa esta empapada de sangre",
    "BODY_PART": "algo raro siento en mis piernas",
    "COLLAPSE": "mi papa tuvo convulsiones esta manana",
    "COMPLAINT": "tengo mucha comezon en la espalda",
    "DEVICE_PROBLEM": "el cargador del aparato no carga",
    "DOOM": "siento que me voy a morir",
    "EXPECTED_NUMB": "tengo la pierna dormido por la inyeccion",
    "GAIT": "me cuesta caminar desde el martes",
    "LOW_GRADE_TEMP": "tengo febricula desde anoche",
    "NECK_PAIN": "me duele el cuello desde ayer",
    "PAIN_WORSE": "ahora me duele mas que antes",
    "POSTURE": "el dolor aparece al sentarme",
    "SEXUAL": "tengo problemas con la ereccion",
    "SPASMS": "tengo espasmos en las piernas",
    "SUDDEN_ONSET": "me empezo de repente",
    "SUGAR_RAISED": "tengo el azucar un poco alta",
    "URINE_TROUBLE": "me cuesta orinar desde ayer",
    "VISION": "veo borroso desde la manana",
}


def test_every_concept_has_a_spanish_sentence_here():
    assert set(SENTENCE_PER_CONCEPT) == set(engine.knowledge().concepts)


@pytest.mark.parametrize(("concept", "text"), SENTENCE_PER_CONCEPT.items())
def test_each_concept_is_found_in_a_spanish_sentence(concept, text):
    assert affirmed(text, concept) or (
        engine.knowledge().concepts[concept].crisis
        and concept in {m.concept for m in engine.read(text)[1]}
    ), text


# ---------------------------------------------------------------------------------------------
# Texts written in patients' and caregivers' styles (greetings, usted, regional words, the red
# flag after a friendly opening), not copied from any table: the engine alone must read them.


@pytest.mark.parametrize(
    ("procedure", "text"),
    [
        (
            "ESI",
            "Buenas tardes doctora, le escribo porque desde ayer casi no puedo caminar, las piernas se me aflojan",
        ),
        ("VA", "oiga, desde anoche tengo el pecho como apretado y me cuesta jalar aire"),
        ("ESI", "no puedo aguantar la pipi, se me sale solita"),
        ("LYSIS", "cuando me limpio no siento nada alla abajo"),
        ("ESI", "tengo la cola y las pompas como anestesiadas"),
        ("DISC", "desde la mañana no he podido hacer pipí y siento la vejiga llena"),
        ("ESI", "me vino un dolor de cabeza de golpe, horrible, nunca habia sentido algo igual"),
        ("ESI", "tengo calentura de 39 y no puedo mover el cuello"),
        ("SCS", "mi esposo esta muy confundido, no sabe ni en que dia estamos"),
        ("ITDD", "mi mama esta muy dormida y respira bien despacito"),
        ("ITDD", "me pica todo y tengo fiebre desde que rellenaron la bomba"),
        ("SCS", "ya no quiero seguir viviendo asi"),
        ("SCS", "a veces pienso que seria mejor no despertar"),
        ("ITDD", "he estado juntando mis pastillas por si acaso"),
        ("ESI", "se me esta hinchando la cara y la lengua despues de la inyeccion"),
        ("ESI", "me salieron ronchas y siento que me ahogo"),
        ("VA", "mi papa de repente no puede hablar bien y tiene la boca chueca"),
        ("VA", "de repente no veo nada del ojo derecho"),
        ("VA", "me falta la respiracion cuando camino al baño"),
        ("VA", "toso con sangre desde ayer"),
        ("ESI", "tomo xarelto y de repente me dio un dolor de espalda terrible"),
        ("VA", "me duele la barriga y me siento mareado, como que me voy a desmayar"),
        ("ESI", "me desmaye en el baño"),
        ("ESI", "tengo fiebre y el corazon me late rapidisimo"),
        ("ESI", "tengo calentura y estoy muy confundida"),
        ("LYSIS", "la pierna izquierda no me responde"),
        ("ESI", "no aguanto la popo, me hice en los pantalones"),
        ("ESI", "siento las piernas como de trapo, no me sostienen"),
        ("ESI", "ayer me cai dos veces porque se me doblo la pierna"),
        ("ESI", "me siento sin fuerza en las dos piernas"),
        ("ESI", "tengo entumida la entrepierna"),
        ("ESI", "le escribo por mi esposa, dice que no siente las nalgas"),
        ("ITDD", "estoy muy somnolienta y casi no puedo respirar"),
        ("SCS", "me quiero quitar la vida"),
        ("SCS", "ya me despedi de mi familia, no me van a volver a ver"),
        ("ESI", "se me cierra la garganta y me pica todo"),
    ],
)
def test_it_reads_an_emergency_however_a_patient_words_it(procedure, text):
    assert engine_tier(text, procedure) == EMERGENCY, (text, engine_codes(text, procedure))


@pytest.mark.parametrize(
    ("procedure", "text"),
    [
        ("SCS", "la herida de la bateria se ve colorada y caliente"),
        ("SCS", "le esta saliendo como pus amarillo a la herida"),
        ("ESI", "tengo 38.5 de temperatura"),
        ("ESI", "tengo escalofrios y temblor desde la noche"),
        ("ESI", "me sale liquido clarito de donde me pincharon"),
        ("LYSIS", "tengo la pierna dormida desde ayer"),
        ("ESI", "siento como toques electricos que bajan a la pierna"),
        ("ESI", "me duele la cabeza cuando estoy parada y acostada se me quita"),
        ("ITDD", "la bomba hace bip bip"),
        ("ITDD", "tengo muchas nauseas desde el rellenado"),
        ("ESI", "mi azucar esta en 350"),
        ("ESI", "me salio el azucar muy alta, 280"),
        ("SCS", "se me ve el cable debajo de la piel"),
        ("VA", "me dio un dolor nuevo arriba de donde me pusieron el cemento"),
        ("DISC", "cada vez me duele mas la espalda desde lo del disco"),
        ("ESI", "me estoy sintiendo mareada"),
        ("ESI", "me salio un salpullido en el pecho"),
        ("ESI", "sangra la herida y no para"),
        ("ESI", "la gasa esta llena de sangre"),
        ("SCS", "me duele mucho donde tengo la pila"),
    ],
)
def test_it_reads_an_urgent_symptom_however_a_patient_words_it(procedure, text):
    assert RANK[engine_tier(text, procedure)] >= RANK[URGENT], (text, engine_codes(text, procedure))


@pytest.mark.parametrize(
    ("procedure", "text"),
    [
        ("ESI", "muchas gracias, ya me siento mucho mejor"),
        ("ESI", "el dolor bajo a 3 de 10"),
        ("ESI", "no tengo fiebre ni escalofrios, todo bien"),
        ("ESI", "mi cita es el martes verdad?"),
        ("ESI", "me duele un poco donde me inyectaron pero es normal me dijeron"),
        ("SCS", "como cargo la bateria del estimulador?"),
        ("ITDD", "cuando es mi proximo rellenado de la bomba?"),
        ("ESI", "puedo tomar ibuprofeno para el dolor?"),
        ("ESI", "ya no siento el hormigueo, se quito"),
        ("ESI", "estoy bien, solo un poco cansada"),
        ("ESI", "mi hijo tiene calentura, lo puedo llevar a mi cita?"),
        ("ESI", "mi esposo tiene gripa, yo estoy bien"),
        ("ESI", "no he tenido dolor de cabeza ni fiebre"),
        ("ESI", "que hago si me da calentura?"),
        ("ESI", "la herida se ve bien, sin pus ni enrojecimiento"),
        ("ESI", "hoy camine 20 minutos sin problema"),
        ("ESI", "dormi mejor anoche"),
        ("ESI", "el estacionamiento estaba lleno, llegue tarde"),
        ("ESI", "mi perro me desperto temprano jaja"),
        ("ESI", "cuando puedo volver a manejar?"),
        ("ESI", "no me falta el aire, solo queria confirmar la cita"),
        ("ESI", "ya se me quito el dolor de cabeza"),
        ("ESI", "hace anos tuve un desmayo pero nada ahora"),
        ("ESI", "me siento bien, gracias a Dios"),
        ("VA", "puedo bañarme en tina?"),
        ("ESI", "estoy un poco nerviosa por la siguiente inyeccion"),
        ("ESI", "tengo espasmos en la espalda como siempre"),
        ("ESI", "estoy sudando porque hace mucho calor"),
    ],
)
def test_it_leaves_a_benign_text_however_a_patient_words_it(procedure, text):
    assert RANK[engine_tier(text, procedure)] < RANK[URGENT], (text, engine_codes(text, procedure))


# Regional wordings (Spain, the River Plate, the Caribbean, Mexico and Central America) and
# everyday words that must not collide with a red flag.

REGIONAL_EMERGENCY = [
    ("ESI", "me he meado encima sin enterarme"),
    ("ESI", "me hice pis encima y no me di cuenta"),
    ("ESI", "no puedo hacer pis desde ayer"),
    ("ESI", "no me tengo en pie, las piernas no me aguantan"),
    ("ESI", "tengo flojera en las piernas, casi no puedo caminar"),
    ("ESI", "me dio un patatus y me cai"),
    ("ESI", "le dio un soponcio y no reaccionaba"),
    ("ESI", "tengo ganas de morirme"),
    ("ESI", "me ahogo al subir la escalera"),
    ("VA", "me falta el resuello"),
    ("ESI", "no siento nada en la zona del trasero"),
    ("ESI", "tengo fiebre y la nuca dura"),
    ("ESI", "traigo calentura y me duele horrible la cabeza"),
    ("ESI", "me agarro una fiebre y ando bien confundido"),
    ("ESI", "se me hincharon los labios y la garganta"),
    ("ITDD", "esta bien dormido y casi no respira"),
    ("ESI", "tengo las piernas paralizadas"),
    ("VA", "siento un dolor en el pecho que se va al brazo"),
    ("ESI", "tengo un dolor de cabeza que me esta matando"),
    ("ESI", "el dolor de cabeza mas fuerte de mi vida"),
    ("ESI", "ya no puedo mas con esta vida, quiero terminar con todo"),
    ("ESI", "he pensado en quitarme de en medio"),
    ("ESI", "me escribe mi hija: mi papa no puede mover las piernas"),
]
REGIONAL_URGENT = [
    ("ESI", "tengo chuchos de frio"),
    ("ESI", "me dio una tiritona"),
    ("ESI", "me escuece la herida y esta roja"),
    ("ESI", "tengo la pierna acorchada"),
    ("SCS", "la cicatriz esta hinchada y caliente"),
    ("ESI", "me sale como pus de la herida"),
    ("ESI", "me encontre 38 y medio de temperatura"),
    ("ESI", "tengo un picor por todo el cuerpo con ronchas"),
    ("LYSIS", "siento calambres y hormigueo que bajan por la pierna"),
    ("ESI", "me puse el termometro y marco 39"),
    ("VA", "tengo un dolor nuevo en la espalda, mas arriba"),
    ("ESI", "sigue saliendo sangre de la herida"),
    ("ITDD", "la bomba esta haciendo un ruido raro"),
]
EVERYDAY_BENIGN = [
    ("ESI", "me encuentro mucho mejor, gracias"),
    ("ESI", "todavia tengo la pierna anestesiada de la inyeccion, es normal?"),
    ("ESI", "me dan miedo las agujas, me pueden dar algo para los nervios?"),
    ("ESI", "que hago para evitar una infeccion?"),
    ("ESI", "tengo la cara hinchada por la cortisona"),
    ("ESI", "estoy confusa con las instrucciones de la medicina"),
    ("ESI", "estoy mejor sin mi faja"),
    ("ESI", "trato de no despertar a mi hijo en la noche"),
    ("ESI", "hace mucho calor, puedo ir a la alberca?"),
    ("ESI", "me despido, muchas gracias por todo"),
    ("ESI", "guardo mis pastillas en el botiquin"),
    ("ESI", "no he tenido calentura ni escalofrios"),
    ("ESI", "el dolor de espalda ya se me calmo bastante"),
    ("ESI", "la pierna se me durmio un ratito de estar sentada pero ya se me paso"),
    ("ESI", "ya no me duele la cabeza"),
    ("ESI", "estoy sudando porque fui a caminar"),
    ("ITDD", "me toca el rellenado de la bomba el lunes"),
    ("SCS", "el estimulador funciona muy bien"),
    ("ESI", "mi esposo tiene fiebre, yo estoy bien"),
]


@pytest.mark.parametrize(("procedure", "text"), REGIONAL_EMERGENCY)
def test_it_reads_a_regional_wording_of_an_emergency(procedure, text):
    assert engine_tier(text, procedure) == EMERGENCY, (text, engine_codes(text, procedure))


@pytest.mark.parametrize(("procedure", "text"), REGIONAL_URGENT)
def test_it_reads_a_regional_wording_of_an_urgent_symptom(procedure, text):
    assert RANK[engine_tier(text, procedure)] >= RANK[URGENT], (text, engine_codes(text, procedure))


@pytest.mark.parametrize(("procedure", "text"), EVERYDAY_BENIGN)
def test_an_everyday_wording_is_not_a_red_flag(procedure, text):
    assert RANK[engine_tier(text, procedure)] < RANK[URGENT], (text, engine_codes(text, procedure))


# Long friendly messages with the red flag at the end, misspellings (silent h, c/s/z, v/b),
# Spanglish, denial lists that end in a real symptom.

MIXED_EMERGENCY = [
    (
        "ESI",
        "Hola buenos dias, soy Maria, muchas gracias por la atencion del martes, todo muy bien en la clinica y las enfermeras muy amables. Le cuento que desde anoche no puedo orinar aunque tengo ganas y me duele la panza de tan llena",
    ),
    (
        "LYSIS",
        "Buenas noches, perdon la hora. Mi esposo se cayo porque las piernas se le doblaron y ahora dice que no siente nada de la cintura para abajo",
    ),
    ("ESI", "doctor tengo un dolor de caveza orrible desde la mañana"),
    ("ESI", "no puedo respirrar bien"),
    ("VA", "me duele el pesho desde ayer"),
    ("ESI", "se me ase pipi sola"),
    ("ESI", "my mom says she cant feel her legs, no siente las piernas"),
    ("ESI", "tengo dolor en el pecho y me falta el aire, pero no tengo fiebre"),
    ("ESI", "no tengo fiebre, pero se me duermen las nalgas y la entrepierna"),
    ("ESI", "fiebre no, pero el cuello lo tengo tieso y me duele horrible la cabeza"),
    ("ESI", "ni fiebre ni nada, solo que no puedo mover la pierna derecha"),
    ("ITDD", "estoy muy triste, ya no le veo sentido a nada"),
    ("ITDD", "mi hija dice que estoy muy adormilado y que respiro muy lento"),
    (
        "ESI",
        "me pusieron la inyeccion y ahora tengo ronchas en todo el cuerpo y se me cierra la garganta",
    ),
    ("ESI", "la boca se me fue de lado y no puedo levantar el brazo izquierdo"),
    ("ESI", "mi mama esta muy rara, no me reconoce y dice cosas sin sentido"),
    ("ESI", "tengo 39 de fiebre y estoy muy confundida"),
    ("VA", "tomo warfarina y de la nada me dio un dolor de espalda terrible"),
    ("ESI", "que hago? no siento las piernas desde hace una hora"),
    ("ESI", "es normal que no pueda controlar la orina?"),
    ("ESI", "a veces pienso que mi familia estaria mejor si yo no estuviera"),
    ("ESI", "ya no quiero vivir asi"),
]
MIXED_URGENT = [
    ("ESI", "la herida esta roja y me sale un liquido amarillento"),
    ("ESI", "tengo calentura desde ayer en la noche"),
    ("ESI", "me duele la cabeza cuando me levanto pero acostada se me quita"),
    ("LYSIS", "siento hormigueo y adormecimiento en el pie nuevo desde el procedimiento"),
    ("SCS", "la zona de la bateria esta inflamada y roja"),
    ("ITDD", "suena la alarma de mi bomba"),
    ("ESI", "tengo la glucosa en 320 desde la inyeccion"),
    ("ESI", "me salio un sarpullido que pica mucho"),
    ("ESI", "estoy mareada desde la mañana"),
    ("VA", "tengo un dolor nuevo diferente, mas abajo de donde me trataron"),
    ("ESI", "me sale agua transparente del piquete"),
    ("ESI", "me dan toques electricos en la pierna desde ayer"),
]
MIXED_BENIGN = [
    ("ESI", "hola, solo queria saber a que hora es mi cita manana"),
    ("ESI", "el dolor esta en 2 de 10, muy contenta"),
    ("ESI", "no tengo fiebre, ni escalofrios, ni dolor de cabeza, todo bien gracias"),
    ("ESI", "si me da fiebre, a que numero llamo?"),
    ("ESI", "la fiebre ya se me quito desde el domingo"),
    ("ESI", "ya no tengo hormigueo en el pie"),
    ("ESI", "mi hija tiene fiebre, puedo llevarla conmigo a la cita?"),
    ("ESI", "me siento mejor cada dia"),
    ("ESI", "la herida se ve limpia, sin pus y sin enrojecimiento"),
    (
        "ESI",
        "no he tenido nada de lo que me dijeron: ni fiebre, ni debilidad, ni problemas para orinar",
    ),
    ("ESI", "puedo tomar paracetamol si me duele la cabeza?"),
    ("ESI", "hace una semana tuve calentura pero ya estoy bien"),
    ("SCS", "la estimulacion se siente bien, cubre todo el dolor"),
    ("ESI", "gracias doctor, Dios lo bendiga"),
    ("ESI", "estoy cansada de tanto tramite con el seguro"),
    ("ESI", "se me olvido la cita, la puedo cambiar?"),
]


@pytest.mark.parametrize(("procedure", "text"), MIXED_EMERGENCY)
def test_it_reads_an_emergency_in_a_long_or_misspelt_text(procedure, text):
    assert engine_tier(text, procedure) == EMERGENCY, (text, engine_codes(text, procedure))


@pytest.mark.parametrize(("procedure", "text"), MIXED_URGENT)
def test_it_reads_an_urgent_symptom_in_a_long_or_misspelt_text(procedure, text):
    assert RANK[engine_tier(text, procedure)] >= RANK[URGENT], (text, engine_codes(text, procedure))


@pytest.mark.parametrize(("procedure", "text"), MIXED_BENIGN)
def test_it_leaves_a_benign_long_or_denying_text(procedure, text):
    assert RANK[engine_tier(text, procedure)] < RANK[URGENT], (text, engine_codes(text, procedure))


# ---------------------------------------------------------------------------------------------
# Every Spanish assertion cue, written out here (not generated from context.yaml, so deleting a
# cue fails this test whether or not its pinned vocabulary row goes with it): the sentence puts
# the cue where it works, and the fever is affirmed or not as the category says. CURRENT cues are
# checked against a resolution ("aunque se me quito"), relatives against a writer who is the
# patient ("yo estoy bien"), terminators against a denial before them.


@pytest.mark.parametrize(
    ("category", "cue", "text", "fever_counts"),
    [
        ("NEGATED", "nada de", "nada de fiebre", False),
        ("NEGATED", "no", "no fiebre", False),
        ("NEGATED", "sin", "sin fiebre", False),
        ("NEGATED", "ni", "ni fiebre", False),
        ("NEGATED", "nunca tuve", "nunca tuve fiebre", False),
        ("NEGATED", "ni una sola", "ni una sola fiebre", False),
        ("NEGATED", "ni un solo", "ni un solo fiebre", False),
        ("NEGATED", "cero", "cero fiebre", False),
        ("NEGATED", "no tengo", "no tengo fiebre", False),
        ("NEGATED", "tampoco", "tampoco fiebre", False),
        ("NEGATED", "ningun", "ningun fiebre", False),
        ("NEGATED", "ninguna", "ninguna fiebre", False),
        ("NEGATED", "niega", "niega fiebre", False),
        ("NEGATED", "ninguno", "fiebre ninguno", False),
        ("NEGATED", "ninguna", "fiebre ninguna", False),
        ("NEGATED", "para nada", "fiebre para nada", False),
        ("NEGATED", "no", "fiebre no", False),
        ("NEGATED", "tampoco", "fiebre tampoco", False),
        ("NEGATED", ": nada", "fiebre : nada", False),
        ("NEGATED", "negativo", "fiebre negativo", False),
        ("NEGATED", "ni una sola vez", "fiebre ni una sola vez", False),
        ("NEGATED", "ni una vez", "fiebre ni una vez", False),
        ("NEGATED", "ni un poco", "fiebre ni un poco", False),
        ("NEGATED", "cero", "fiebre cero", False),
        ("HISTORICAL", "se me quito", "fiebre se me quito", False),
        ("HISTORICAL", "se me quitaron", "fiebre se me quitaron", False),
        ("HISTORICAL", "se quito", "fiebre se quito", False),
        ("HISTORICAL", "ya no", "ya no fiebre", False),
        ("HISTORICAL", "el ano pasado", "el ano pasado fiebre", False),
        ("HISTORICAL", "se quitaron", "fiebre se quitaron", False),
        ("HISTORICAL", "se fue", "fiebre se fue", False),
        ("HISTORICAL", "se me fue", "fiebre se me fue", False),
        ("HISTORICAL", "se me paso", "fiebre se me paso", False),
        ("HISTORICAL", "ya se me paso", "fiebre ya se me paso", False),
        ("HISTORICAL", "ya estoy bien", "fiebre ya estoy bien", False),
        ("HISTORICAL", "ya me siento bien", "fiebre ya me siento bien", False),
        ("HISTORICAL", "ya paso", "fiebre ya paso", False),
        ("HISTORICAL", "desaparecio", "fiebre desaparecio", False),
        ("HISTORICAL", "desaparecieron", "fiebre desaparecieron", False),
        ("HISTORICAL", "se me bajo", "fiebre se me bajo", False),
        ("HISTORICAL", "ya bajo", "fiebre ya bajo", False),
        ("HISTORICAL", "se calmo", "fiebre se calmo", False),
        ("HISTORICAL", "se resolvio", "fiebre se resolvio", False),
        ("HISTORICAL", "hace anos", "hace anos fiebre", False),
        ("HISTORICAL", "antes del procedimiento", "antes del procedimiento fiebre", False),
        ("HISTORICAL", "antes de la inyeccion", "antes de la inyeccion fiebre", False),
        ("HISTORICAL", "antes de la operacion", "antes de la operacion fiebre", False),
        ("CURRENT", "volvio", "fiebre volvio aunque se me quito", True),
        ("CURRENT", "regreso", "fiebre regreso aunque se me quito", True),
        ("CURRENT", "otra vez", "fiebre otra vez aunque se me quito", True),
        ("CURRENT", "cada vez peor", "fiebre cada vez peor aunque se me quito", True),
        ("CURRENT", "cada vez mas", "fiebre cada vez mas aunque se me quito", True),
        ("CURRENT", "empeorando", "fiebre empeorando aunque se me quito", True),
        ("CURRENT", "de nuevo", "fiebre de nuevo aunque se me quito", True),
        ("CURRENT", "ha vuelto", "fiebre ha vuelto aunque se me quito", True),
        ("CURRENT", "sigue", "sigue fiebre aunque se me quito", True),
        ("CURRENT", "sigo con", "sigo con fiebre aunque se me quito", True),
        ("CURRENT", "todavia", "todavia fiebre aunque se me quito", True),
        ("CURRENT", "aun tengo", "aun tengo fiebre aunque se me quito", True),
        ("CURRENT", "volvieron", "fiebre volvieron aunque se me quito", True),
        ("CURRENT", "regresaron", "fiebre regresaron aunque se me quito", True),
        ("HYPOTHETICAL", "si me da", "si me da fiebre", False),
        ("HYPOTHETICAL", "si me sale", "si me sale fiebre", False),
        ("HYPOTHETICAL", "si se me", "si se me fiebre", False),
        ("HYPOTHETICAL", "en caso de", "en caso de fiebre", False),
        ("HYPOTHETICAL", "si me llega", "si me llega fiebre", False),
        ("HYPOTHETICAL", "si llego a", "si llego a fiebre", False),
        ("HYPOTHETICAL", "si me diera", "si me diera fiebre", False),
        ("HYPOTHETICAL", "si me llegara", "si me llegara fiebre", False),
        ("HYPOTHETICAL", "si llegara a", "si llegara a fiebre", False),
        ("HYPOTHETICAL", "que pasa si", "que pasa si fiebre", False),
        ("HYPOTHETICAL", "y si me", "y si me fiebre", False),
        ("HYPOTHETICAL", "por si", "por si fiebre", False),
        ("HYPOTHETICAL", "si en algun momento", "si en algun momento fiebre", False),
        ("HYPOTHETICAL", "si mas adelante", "si mas adelante fiebre", False),
        ("HYPOTHETICAL", "si me empieza", "si me empieza fiebre", False),
        ("HYPOTHETICAL", "si le da", "si le da fiebre", False),
        ("HYPOTHETICAL", "que sintomas", "que sintomas fiebre", False),
        ("HYPOTHETICAL", "senales de alarma", "senales de alarma fiebre", False),
        ("FAMILY", "mi hijo", "mi hijo tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi hija", "mi hija tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi nieta", "mi nieta tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi nieto", "mi nieto tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi esposo", "mi esposo tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi esposa", "mi esposa tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi vecino", "mi vecino tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi vecina", "mi vecina tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi mama", "mi mama tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi papa", "mi papa tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi madre", "mi madre tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi padre", "mi padre tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi marido", "mi marido tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi mujer", "mi mujer tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi senora", "mi senora tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi hermano", "mi hermano tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi hermana", "mi hermana tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi abuela", "mi abuela tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi abuelo", "mi abuelo tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi suegra", "mi suegra tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi suegro", "mi suegro tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi tia", "mi tia tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi tio", "mi tio tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi primo", "mi primo tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi prima", "mi prima tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi amigo", "mi amigo tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi amiga", "mi amiga tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi novio", "mi novio tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi novia", "mi novia tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi pareja", "mi pareja tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi companero", "mi companero tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi companera", "mi companera tiene fiebre, yo estoy bien", False),
        ("FAMILY", "mi bebe", "mi bebe tiene fiebre, yo estoy bien", False),
        ("TERMINATE", "y mi", "no me siento mal y mi fiebre", True),
        ("TERMINATE", "y me", "no me siento mal y me fiebre", True),
        ("TERMINATE", "pero", "no me siento mal pero fiebre", True),
        ("TERMINATE", "y ahora", "no me siento mal y ahora fiebre", True),
        ("TERMINATE", "aunque", "no me siento mal aunque fiebre", True),
        ("TERMINATE", "solo que", "no me siento mal solo que fiebre", True),
        ("TERMINATE", "excepto", "no me siento mal excepto fiebre", True),
    ],
)
def test_each_spanish_cue_works_in_its_direction(category, cue, text, fever_counts):
    _doc, mentions, _ = engine.read(text)
    fever = [m for m in mentions if m.concept == "FEVER"]
    assert fever, text
    assert fever[0].assertion.affirmed == fever_counts, (category, cue, text, fever[0].assertion)
