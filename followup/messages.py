"""Patient-facing message texts. Short, GSM-7, no diagnosis (DESIGN rule 6)."""

from __future__ import annotations

GREETING = {
    "en": "{clinic}: time for your {label}. Please answer a few short questions by text. Reply STOP to opt out.",
    "es": "{clinic}: es hora de su control. Por favor responda unas preguntas cortas. Responda STOP para no recibir mensajes.",
}

EMAIL_SUBJECT = {
    "en": "{clinic}: your follow-up check",
    "es": "{clinic}: su control de seguimiento",
}

EMAIL_BODY = {
    "en": "Hello,\n\n{clinic} would like to know how you are doing after your procedure. "
    "Please answer a few short questions here:\n\n{link}\n\nThe link works for this check only. "
    "If you have an emergency, call 911.\n\n{clinic} {clinic_phone}",
    "es": "Hola,\n\n{clinic} quiere saber como se siente despues de su procedimiento. "
    "Por favor responda unas preguntas cortas aqui:\n\n{link}\n\nEl enlace sirve solo para este control. "
    "Si tiene una emergencia, llame al 911.\n\n{clinic} {clinic_phone}",
}


def render(template: dict[str, str], language: str, **values: str) -> str:
    return template.get(language, template["en"]).format(**values).strip()
