"""No template placeholder (``{link}``, ``{clinic}``) ever reaches a patient's text or a staff page.

Every message is rendered, in both languages, with exactly the values its callers pass (the
contract below: a placeholder a caller does not fill fails here with a KeyError, not on a
patient's phone); every question, option, rule name, check label and answer label too. A ``{``
or ``}`` left in any of them fails.
"""

from __future__ import annotations

import string

import pytest

from followup import messages as msg
from followup import safety
from followup.answer_labels import answer_label, question_label, summary_in_words
from followup.protocol_data import PROTOCOLS
from followup.questions import QUESTIONS, render_question

LANGUAGES = ("en", "es")

# The values each message's callers fill (followup/conversation.py, reminders.py,
# dispatch_batch.py, webform/views.py, notifications/inbound.py). Reviewed data: a new
# placeholder in a message must be added here and in its caller.
FILLED_BY_CALLERS: dict[str, set[str]] = {
    "EMAIL_SUBJECT": {"clinic"},
    "GREETING_SMS": {"clinic", "label"},
    "REPROMPT": {"hint"},
    "SKIPPED": set(),
    "THANKS_DONE": set(),
    "THANKS_FORM": {"form"},
    "REMINDER_SMS": {"clinic", "question"},
    "FORM_SHORT": {"link"},
    "FORM_FALLBACK_SMS": {"clinic", "question"},
    "FORM_FALLBACK_THANKS": set(),
    "HELP_REPLY": {"clinic", "per_week", "phone"},
    "STOP_CONFIRM": {"clinic"},
    "START_CONFIRM": {"clinic"},
    "ASK_SENDER": {"choices"},
    "ASK_SENDER_CHOICE": {"number", "initials"},
    "ACK_TEXT": {"clinic"},
    "BARE_YES_NO": {"clinic", "answer"},
    "EMAIL_REMINDER_SUBJECT": {"clinic"},
    "FREE_TEXT_HINT": set(),
    "DIARY_BLOCK_PROMPT": {"clinic"},
    "DIARY_BLOCK_RECALL": {"clinic", "time"},
    "DIARY_SCS_PROMPT": {"clinic", "day"},
    "DIARY_THANKS": set(),
}
WEB_TEXT_FILLED: dict[str, set[str]] = {
    "intro": {"clinic"},
    "used": {"clinic", "phone"},
    "expired": {"clinic", "phone"},
    "odi_missing": {"sections"},
    "odi_too_few": {"minimum"},
}
SAMPLE = {
    "clinic": "Austin Spine",
    "label": "6-week check",
    "hint": "Reply YES or NO.",
    "form": "https://followup.test/f/abc/",
    "link": "https://followup.test/f/abc/",
    "question": "How bad is your pain right now?",
    "per_week": "3",
    "phone": "+15125550100",
    "choices": "1 for A.R., 2 for J.R.",
    "number": "1",
    "initials": "A.R.",
    "sections": "8. Sex life",
    "minimum": "8",
    "time": "21:00",
    "day": "3",
    "answer": "YES",
}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def assert_no_braces(text: str, where: str) -> None:
    assert "{" not in text and "}" not in text, f"placeholder left in {where}: {text!r}"


def test_every_message_module_dict_is_in_the_contract():
    dicts = {
        name
        for name, value in vars(msg).items()
        if name.isupper() and isinstance(value, dict) and set(value) == set(LANGUAGES)
    }
    assert dicts - {"WEB_TEXT"} == set(FILLED_BY_CALLERS)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(FILLED_BY_CALLERS))
def test_each_message_renders_with_what_its_callers_fill(name, language):
    template = getattr(msg, name)
    assert placeholders(template[language]) <= FILLED_BY_CALLERS[name], name
    values = {key: SAMPLE[key] for key in FILLED_BY_CALLERS[name]}
    assert_no_braces(msg.render(template, language, **values), f"{name}[{language}]")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_web_page_text_renders(language):
    for key, template in msg.WEB_TEXT[language].items():
        filled = WEB_TEXT_FILLED.get(key, set())
        assert placeholders(template) <= filled, key
        text = template.format(**{k: SAMPLE[k] for k in filled}) if filled else template
        assert_no_braces(text, f"WEB_TEXT[{language}][{key}]")
    assert set(msg.WEB_TEXT["en"]) == set(msg.WEB_TEXT["es"])


def test_the_bilingual_unknown_number_reply_has_no_placeholder():
    assert_no_braces(msg.NEUTRAL_UNKNOWN, "NEUTRAL_UNKNOWN")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", sorted(QUESTIONS))
def test_every_question_renders_as_sent(code, language):
    link = "https://followup.test/f/abc/" if QUESTIONS[code]["type"] == "web_form" else None
    assert_no_braces(render_question(code, language, step=1, total=3, link=link), code)
    for option in QUESTIONS[code].get("options", []):
        assert_no_braces(option[language], f"{code} option")
        assert_no_braces(answer_label(code, option["value"]), f"{code} option label")
    # What staff read for it: the question without reply instructions, never "{link}".
    assert_no_braces(question_label(code), f"{code} label")
    assert question_label(code) != code


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_safety_text_renders(language):
    for tier in ("EMERGENCY", "URGENT", "ROUTINE", None):
        for crisis in (False, True):
            text = safety.safety_reply(
                tier=tier, language=language, clinic_name="Austin Spine", crisis_line=crisis
            )
            assert_no_braces(text, f"safety {tier} {language}")


@pytest.mark.parametrize("procedure", sorted(PROTOCOLS))
def test_every_rule_name_and_check_label_is_words(procedure):
    definition = PROTOCOLS[procedure]
    for rule in definition["red_flag_rules"]:
        assert_no_braces(rule["reason"], f"{procedure} rule {rule['code']}")
        assert rule["code"] not in rule["reason"]
        # The timeline line for a raised flag names the rule in words, not by its code.
        line = summary_in_words(f"{rule['tier']} flag {rule['code']}: {rule['reason']}")
        assert rule["code"] not in line and rule["reason"] in line
    for check in definition["checkpoints"]:
        assert_no_braces(check["label"], f"{procedure} {check['key']}")
        for code in check["questions"]:
            line = summary_in_words(f"{check['label']}: {code} unanswered after 2 tries")
            assert code not in line and question_label(code) in line
