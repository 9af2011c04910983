"""Patient-facing message texts, English and Spanish. No diagnosis or procedure (DESIGN rule 6).

SMS texts are short and GSM-7 (tests/followup/test_templates_gsm.py lists each one's length and
encoding); the web-form page texts at the end are not SMS and keep their accents.
"""

from __future__ import annotations

EMAIL_SUBJECT = {
    "en": "{clinic}: your follow-up check",
    "es": "{clinic}: su control de seguimiento",
}


def render(template: dict[str, str], language: str, **values: str) -> str:
    return template.get(language, template["en"]).format(**values).strip()


# --- SMS survey conversation ------------------------------------------------------------------
# Spanish wording avoids a, i, o, u with acute accents (not in GSM-7) so these stay one plain
# segment; the question texts themselves come from followup.questions.

# The first text of a check: names the clinic and says how to stop, then the first question.
GREETING_SMS = {
    "en": "{clinic}: time for your {label}. Reply STOP to opt out.",
    "es": "{clinic}: es hora de su control de seguimiento. Responda STOP para no recibir mensajes.",
}

REPROMPT = {
    "en": "Sorry, we did not understand. {hint}",
    "es": "Perdon, no entendimos. {hint}",
}

SKIPPED = {
    "en": "OK, we will skip that one.",
    "es": "Bien, pasamos a la siguiente.",
}

THANKS_DONE = {
    "en": "Thank you. Your answers were sent to your care team. For an emergency, call 911.",
    "es": "Gracias. Sus respuestas llegaron a su equipo medico. En una emergencia, llame al 911.",
}

THANKS_FORM = {
    "en": "Thank you. One last step: {form}",
    "es": "Gracias. Un ultimo paso: {form}",
}

# The web-form link when the form has no disability index to name (issue 23: a check's secondary
# items go on the form).
FORM_SHORT = {
    "en": "Please answer a few more questions on a short form (2 min): {link}",
    "es": "Por favor conteste unas preguntas mas en un formulario corto (2 min): {link}",
}

# Issue 23: the form link was not opened by the reminder time, so its most important item is
# asked by text once ({question} carries its own "Reply with one number"); the link stays valid.
FORM_FALLBACK_SMS = {
    "en": "{clinic}: no time for the form? Just one question by text. {question}",
    "es": "{clinic}: si no tiene tiempo para el formulario, solo una pregunta por texto. {question}",
}

FORM_FALLBACK_THANKS = {
    "en": "Thank you, that was sent to your care team. For an emergency, call 911.",
    "es": "Gracias, su respuesta llego a su equipo medico. En una emergencia, llame al 911.",
}

REMINDER_SMS = {
    "en": "{clinic} reminder: {question}",
    "es": "{clinic} recordatorio: {question}",
}

# CTIA: programme name, frequency, help contact, rates notice and how to stop.
HELP_REPLY = {
    "en": "{clinic} follow-up texts, up to {per_week} msgs/week. Help: call {phone}. "
    "Msg & data rates may apply. Reply STOP to cancel.",
    "es": "{clinic}: mensajes de seguimiento, hasta {per_week} por semana. Ayuda: llame al {phone}. "
    "Msg & data rates may apply. Responda STOP para cancelar.",
}

STOP_CONFIRM = {
    "en": "{clinic}: you will get no more texts from us. Reply START to get them again.",
    "es": "{clinic}: no le enviaremos mas mensajes. Responda START para recibirlos de nuevo.",
}

START_CONFIRM = {
    "en": "{clinic}: you will get follow-up texts again. Reply HELP for help, STOP to opt out.",
    "es": "{clinic}: recibira de nuevo los mensajes. Responda HELP para ayuda, STOP para cancelar.",
}

# Unknown numbers: no clinic name (we do not know whose patient this is) and no PHI. Bilingual
# because we do not know the sender's language either.
NEUTRAL_UNKNOWN = (
    "We could not match your number. Please call your clinic. For an emergency, call 911. / "
    "No reconocemos su numero. Llame a su clinica. Emergencias: 911."
)

# A number shared by several patients: ask, never guess. Initials only (DESIGN rule 6).
ASK_SENDER = {
    "en": "This phone number belongs to more than one patient. Who is writing? Reply {choices} "
    "For an emergency, call 911.",
    "es": "Este telefono es de mas de un paciente. Quien escribe? Responda {choices} "
    "En una emergencia, llame al 911.",
}
ASK_SENDER_CHOICE = {"en": "{number} for {initials}", "es": "{number} para {initials}"}

# An unsolicited text or a late reply to a closed check, once a day at most.
ACK_TEXT = {
    "en": "{clinic}: thank you, your message was passed to your care team. For an emergency, "
    "call 911.",
    "es": "{clinic}: gracias, su mensaje llego a su equipo medico. En una emergencia, llame al 911.",
}

# A bare yes or no that answers no open question (issue 18: it used to get silence): what it was
# taken as, and what the patient can do. Sent for every such text, not once a day.
BARE_YES_NO = {
    "en": "{clinic}: we have no question open for you right now, so we could not record your "
    '"{answer}" as an answer. Your next check will come by text. To tell your care team '
    "something, write it in a few words. For an emergency, call 911.",
    "es": "{clinic}: no tenemos ninguna pregunta abierta para usted ahora, asi que no pudimos "
    'registrar su "{answer}" como respuesta. Su proximo control llegara por mensaje. Para '
    "decirle algo a su equipo medico, escribalo en pocas palabras. En una emergencia, llame al 911.",
}

# --- email and web form -----------------------------------------------------------------------
EMAIL_REMINDER_SUBJECT = {
    "en": "{clinic}: reminder, your follow-up check",
    "es": "{clinic}: recordatorio de su control de seguimiento",
}

FREE_TEXT_HINT = {
    "en": "Please reply in your own words, or NO.",
    "es": "Escriba con sus palabras, o NO.",
}

# Web form page texts (shown on a phone browser; no GSM-7 limits here).
WEB_TEXT = {
    "en": {
        "title": "Your follow-up check",
        "intro": "Please answer the questions below. Your answers go to your care team at {clinic}.",
        "emergency": "If you have an emergency, call 911 now. This form is not watched live.",
        "yes": "Yes",
        "no": "No",
        "nrs_hint": "0 means no pain, 10 the worst pain you can imagine.",
        "free_text_hint": "Optional. Leave empty if there is nothing to add.",
        "odi_hint": "In each section, choose the one statement that best describes you today.",
        "vas_legend": "Your pain today",
        "vas_label": "Move the slider: 0 is no pain, 100 the worst pain imaginable.",
        "vas_hint": "Move the slider to where your pain is.",
        "vas_nojs": "Use the value shown on the slider",
        "vas_none": "not set",
        "required_rf": "Please answer yes or no.",
        "save": "Save and finish later",
        "submit": "Send my answers",
        "saved": "Your answers so far are saved. You can come back to this page with the same link.",
        "errors": "Some answers are missing. Please check the questions marked below.",
        "odi_missing": "You have not answered these sections: {sections}. You can answer them now, "
        "or send your answers as they are.",
        "odi_too_few": "With fewer than {minimum} of the 10 sections answered, no disability score can "
        "be worked out from this form, but your answers still reach your care team.",
        "send_anyway": "Send without these sections",
        "thanks_title": "Thank you",
        "thanks": "Your answers were sent to your care team.",
        "used_title": "Already sent",
        "used": "The answers for this check were already sent. Thank you. If you need to tell us more, "
        "please call {clinic} at {phone}.",
        "expired_title": "This link has expired",
        "expired": "This link is no longer valid. If you still want to tell us how you are doing, "
        "please call {clinic} at {phone}.",
        "unknown_title": "Link not recognised",
        "unknown": "We could not open this link. Please check that it was copied completely, or call "
        "your clinic.",
    },
    "es": {
        "title": "Su control de seguimiento",
        "intro": "Por favor conteste las preguntas. Sus respuestas llegan a su equipo médico de {clinic}.",
        "emergency": "Si tiene una emergencia, llame al 911 ahora. Nadie revisa este formulario en vivo.",
        "yes": "Sí",
        "no": "No",
        "nrs_hint": "0 es nada de dolor, 10 el peor dolor imaginable.",
        "free_text_hint": "Opcional. Déjelo vacío si no tiene nada que agregar.",
        "odi_hint": "En cada sección, elija la frase que mejor lo describe hoy.",
        "vas_legend": "Su dolor hoy",
        "vas_label": "Mueva el control: 0 es nada de dolor, 100 el peor dolor imaginable.",
        "vas_hint": "Mueva el control hasta donde está su dolor.",
        "vas_nojs": "Usar el valor que muestra el control",
        "vas_none": "sin marcar",
        "required_rf": "Por favor conteste sí o no.",
        "save": "Guardar y terminar después",
        "submit": "Enviar mis respuestas",
        "saved": "Sus respuestas están guardadas. Puede volver a esta página con el mismo enlace.",
        "errors": "Faltan algunas respuestas. Revise las preguntas marcadas abajo.",
        "odi_missing": "No contestó estas secciones: {sections}. Puede contestarlas ahora, o enviar "
        "sus respuestas así.",
        "odi_too_few": "Con menos de {minimum} de las 10 secciones contestadas no se puede calcular un "
        "puntaje de discapacidad, pero sus respuestas llegan igual a su equipo médico.",
        "send_anyway": "Enviar sin estas secciones",
        "thanks_title": "Gracias",
        "thanks": "Sus respuestas llegaron a su equipo médico.",
        "used_title": "Ya enviado",
        "used": "Las respuestas de este control ya se enviaron. Gracias. Si necesita decirnos algo más, "
        "llame a {clinic} al {phone}.",
        "expired_title": "Este enlace ya venció",
        "expired": "Este enlace ya no sirve. Si todavía quiere contarnos cómo está, llame a {clinic} "
        "al {phone}.",
        "unknown_title": "Enlace no reconocido",
        "unknown": "No pudimos abrir este enlace. Revise que esté completo, o llame a su clínica.",
    },
}


# --- Relief diaries (followup/diaries/sending.py) ------------------------------------------------
# One text per prompt, GSM-7 in both languages, answered with a bare number (or four short words
# for the stimulator trial). No procedure is named (DESIGN rule 6): "since your visit today".
DIARY_BLOCK_PROMPT = {
    "en": "{clinic} pain diary: your pain right now, 0 (none) to 10 (worst)? Reply with a number.",
    "es": "{clinic} diario de dolor: su dolor ahora, de 0 (nada) a 10 (el peor)? Responda con un numero.",
}

DIARY_BLOCK_RECALL = {
    "en": "{clinic} pain diary: what was your pain at {time} last night, 0 (none) to 10 (worst)? "
    "Reply with a number.",
    "es": "{clinic} diario de dolor: cual era su dolor anoche a las {time}, de 0 (nada) a 10 "
    "(el peor)? Responda con un numero.",
}

DIARY_SCS_PROMPT = {
    "en": "{clinic} trial diary, day {day}: reply pain 0-10, relief 0-100%, activity "
    "better/same/worse, pain pills less/same/more. E.g. 4 60 better less",
    "es": "{clinic} diario de prueba, dia {day}: responda dolor 0-10, alivio 0-100%, actividad "
    "mejor/igual/peor, pastillas menos/igual/mas. Ej: 4 60 mejor menos",
}

DIARY_THANKS = {
    "en": "Thank you, noted in your pain diary.",
    "es": "Gracias, anotado en su diario de dolor.",
}
