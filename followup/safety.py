"""What a patient is told, at once, when an answer or a text raises a red flag (DESIGN rule 4).

The texts name no symptom or diagnosis (DESIGN rule 6): "based on your message" is enough for the
patient, who knows what they wrote. They are GSM-7 so that a 911 instruction is never split into
70-character UCS-2 parts; the Spanish wording avoids accented letters outside GSM-7 (á, í, ó, ú)
instead of dropping their accents. A clinic may replace the emergency sentence with its own
(``Clinic.emergency_instruction_en`` / ``_es``), e.g. to name its local emergency department.

Pure Python: no Django import, so the wording can be tested and reviewed on its own.
"""

from __future__ import annotations

from notifications.sms_encoding import to_gsm7_safe

LANGUAGES = ("en", "es")

EMERGENCY_INSTRUCTION = {
    "en": "Based on your answer, call 911 or go to the nearest emergency department now.",
    "es": "Por su respuesta, llame al 911 o vaya de inmediato a la sala de emergencias.",
}
EMERGENCY_TEAM = {
    "en": "We are alerting your care team.",
    "es": "Avisamos a su equipo médico.",
}
# 988 Suicide & Crisis Lifeline: calls and texts, English and Spanish, 24/7.
CRISIS_LINE = {
    "en": "If you have thoughts of harming yourself, call or text 988 (Suicide & Crisis Lifeline).",
    "es": "Si tiene ideas de hacerse daño, llame o mande un texto al 988 "
    "(ayuda en crisis, 24 horas).",
}
URGENT = {
    "en": "Thank you. The clinic will call you today. If it gets worse, call 911.",
    "es": "Gracias. Le llamaremos hoy de la clinica. Si empeora, llame al 911.",
}


def _language(language: str | None) -> str:
    code = (language or "en").lower()[:2]
    return code if code in LANGUAGES else "en"


def safety_reply(
    *,
    tier: str | None,
    language: str | None,
    clinic_name: str,
    crisis_line: bool = False,
    emergency_instruction: str = "",
) -> str:
    """The text to send the patient now for the highest tier raised; "" when nothing is to be said.

    ``emergency_instruction`` is the clinic's own wording for the emergency sentence (blank: ours).
    ROUTINE flags get no safety text: a nurse reviews them at the next triage round.
    """
    lang = _language(language)
    name = to_gsm7_safe(clinic_name.strip())
    prefix = f"{name}: " if name else ""
    if tier == "EMERGENCY":
        instruction = to_gsm7_safe(emergency_instruction.strip()) or EMERGENCY_INSTRUCTION[lang]
        parts = [instruction, EMERGENCY_TEAM[lang]]
        if crisis_line:
            parts.append(CRISIS_LINE[lang])
        return prefix + " ".join(parts)
    if crisis_line:
        # A crisis line belongs to an EMERGENCY rule; if a rule says otherwise, still give it.
        return prefix + CRISIS_LINE[lang]
    if tier == "URGENT":
        return prefix + URGENT[lang]
    return ""
