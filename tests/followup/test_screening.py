"""Red-flag screening of patients' free text (``followup.screening``) and its labelled table.

Pure Python: runs without Django settings
(``pytest -p no:django --noconftest tests/followup/test_screening.py``).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from followup import screening
from followup.screening import (
    CODES,
    EMERGENCY,
    ROUTINE,
    URGENT,
    Screening,
    SymptomMatch,
    detect_language,
    screen_text,
)
from followup.screening_report import (
    DEFAULT_CSV,
    LABELS,
    confusion_report,
    format_report,
    load_rows,
    main,
)

CSV = Path(__file__).resolve().parents[1] / "data" / "screening_texts.csv"
RANK = {label: i for i, label in enumerate(LABELS)}
FAMILIES = ("VA", "SCS", "ITDD", "ESI", "LYSIS", "DISC", "FACET_SI")


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return load_rows(CSV)


@pytest.fixture(scope="module")
def report(rows) -> dict:
    return confusion_report(rows)


def _describe(failures: list[dict]) -> str:
    lines = [f"{len(failures)} text(s) screened below their label:"]
    for row in failures:
        lines.append(
            f"  line {row.get('line')}: expected {row['expected_tier']}, got "
            f"{row['predicted_tier']} {row.get('codes')} [{row.get('procedure') or '-'}] "
            f"{row['text'][:90]!r}  ({row.get('note')})"
        )
    return "\n".join(lines)


def tier_of(text: str, procedure: str | None = None, language: str | None = None) -> str:
    result = screen_text(text, procedure=procedure, language=language)
    return result.tier or "NONE"


def codes_of(text: str, procedure: str | None = None) -> set[str]:
    return {m.code for m in screen_text(text, procedure=procedure).matches}


# ---------------------------------------------------------------------------------------------
# The labelled table.


def test_it_has_a_varied_labelled_table(rows):
    assert len(rows) >= 220
    assert {r["language"] for r in rows} >= {"en", "es"}
    assert {r["expected_tier"] for r in rows} == set(LABELS)
    procedures = {r["procedure"] for r in rows}
    assert None in procedures and procedures >= set(FAMILIES)
    for family in FAMILIES:
        tiers = {r["expected_tier"] for r in rows if r["procedure"] == family}
        assert {"URGENT", "ROUTINE"} <= tiers or {"EMERGENCY", "URGENT"} <= tiers, family
    spanish = [r for r in rows if r["language"] == "es"]
    assert {r["expected_tier"] for r in spanish} == set(LABELS)


def test_it_never_screens_an_emergency_below_emergency(report):
    failures = [r for r in report["under_triaged"] if r["expected_tier"] == "EMERGENCY"]
    if failures:
        print(_describe(failures))
    assert not failures, _describe(failures)


def test_it_never_screens_an_urgent_text_below_urgent(report):
    failures = [r for r in report["under_triaged"] if r["expected_tier"] == "URGENT"]
    if failures:
        print(_describe(failures))
    assert not failures, _describe(failures)


def test_it_leaves_no_routine_text_unseen(report, rows):
    failures = [r for r in report["under_triaged"] if r["expected_tier"] == "ROUTINE"]
    if failures:
        print(_describe(failures))
    assert not failures, _describe(failures)
    for row in rows:
        if row["expected_tier"] != "NONE":
            result = screen_text(row["text"], language=row["language"], procedure=row["procedure"])
            assert result.needs_human, row["text"]


def test_it_keeps_most_benign_texts_benign(report):
    benign = report["per_tier"]["NONE"]
    print(f"benign kept benign: {benign['exact']:.1%} of {benign['n']}")
    assert benign["exact"] >= 0.85


def test_it_gives_evidence_that_is_part_of_every_text(rows):
    for row in rows:
        result = screen_text(row["text"], procedure=row["procedure"])
        for match in result.matches:
            assert match.evidence and match.evidence in row["text"], (row["text"], match)
            assert match.code in CODES and match.tier in (EMERGENCY, URGENT, ROUTINE)


# ---------------------------------------------------------------------------------------------
# Negation and time.


@pytest.mark.parametrize(
    "text",
    [
        "no fever",
        "no fevers or chills",
        "No fevers, chills, or sweats",
        "not short of breath anymore",
        "the headache is gone",
        "headache went away",
        "no problems with bladder",
        "denies weakness",
        "denies weakness or numbness",
        "no tengo fiebre",
        "ya no me duele la cabeza",
        "todo bien, sin fiebre ni escalofríos",
        "haven't had any fever since friday",
        "I had a headache yesterday but it's gone now",
        "the numbness went away",
        "No redness or drainage at the site",
        "nothing hurts today",
        "pain is much better",
    ],
)
def test_it_drops_negated_and_resolved_symptoms(text):
    result = screen_text(text)
    assert result.tier is None and not result.needs_human, result


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("no better", ROUTINE),
        ("not able to walk", EMERGENCY),
        ("cant move my legs", EMERGENCY),
        ("can't feel my legs", EMERGENCY),
        ("no puedo mover las piernas", EMERGENCY),
        ("no siento las piernas", EMERGENCY),
        ("no puedo respirar", EMERGENCY),
        ("no controlo la orina", EMERGENCY),
        ("I don't want to live like this", EMERGENCY),
    ],
)
def test_it_reads_a_negated_ability_as_the_symptom(text, tier):
    assert tier_of(text) == tier


@pytest.mark.parametrize(
    "text",
    [
        "no fever but my legs are weak",
        "no fever and my legs are weak",
        "no fever, legs weak",
        "No, my legs are weak",
        "No headache. Legs weak",
        "sin fiebre pero no puedo mover las piernas",
        "no fever and now I'm peeing myself",
        "I have no idea why my legs are weak",
        "never had a headache this bad",
        "my legs are weak, the headache is gone",
    ],
)
def test_it_keeps_negation_inside_its_clause(text):
    assert tier_of(text) == EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "not sure if it's a fever but I have chills",
        "I don't know if I have a fever",
        "no sé si tengo fiebre",
    ],
)
def test_it_does_not_read_a_hedge_as_a_negation(text):
    assert tier_of(text) == URGENT


def test_it_brings_back_a_symptom_that_came_back():
    assert tier_of("headache went away but came back when I sit up") == URGENT
    assert tier_of("the fever broke yesterday but it's back again today") == URGENT


def test_it_counts_past_symptoms_that_were_not_resolved():
    assert tier_of("had chills last night", "ESI") == URGENT
    assert tier_of("wet myself yesterday", "ESI") == EMERGENCY


def test_it_keeps_a_red_flag_that_only_improved():
    assert tier_of("chest pain is better now", "VA") == EMERGENCY
    assert tier_of("the numbness is better but still there", "ESI") == URGENT


# ---------------------------------------------------------------------------------------------
# Temperatures.


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("temp 99.1", "NONE"),
        ("temp 98.6 all good", "NONE"),
        ("temp 38.2", URGENT),
        ("fever of 38.5", URGENT),
        ("temp 101", URGENT),
        ("temp 100.4", URGENT),
        ("my temperature is 38.0", URGENT),
        ("temperatura 38,5", URGENT),
        ("tengo 39 de fiebre", URGENT),
        ("101°F last night", URGENT),
        ("38 °C", URGENT),
        ("had 100.9 last night", URGENT),
        ("temp 100.3", ROUTINE),
        ("temp 37.8", ROUTINE),
        ("fever 99.5 I think", ROUTINE),
        ("room 101 at 10:30", "NONE"),
        ("I weigh 101.5 kg", "NONE"),
    ],
)
def test_it_reads_temperatures_against_the_fever_line(text, tier):
    assert tier_of(text) == tier


def test_it_lets_a_normal_reading_override_the_word_fever():
    result = screen_text("feels like a fever but the thermometer says 99.0")
    assert result.tier == ROUTINE and "FEVER" not in {m.code for m in result.matches}


# ---------------------------------------------------------------------------------------------
# Compound rules.


@pytest.mark.parametrize(
    ("text", "tier", "code"),
    [
        ("fever", URGENT, "FEVER"),
        ("chills", URGENT, "FEVER"),
        ("fever and a bad headache", EMERGENCY, "FEVER_MENINGISM"),
        ("fever of 101 and a headache", EMERGENCY, "FEVER_MENINGISM"),
        ("temp 38.9 and my neck is stiff", EMERGENCY, "FEVER_MENINGISM"),
        ("fever and confused", EMERGENCY, "FEVER_MENINGISM"),
        ("fiebre y el cuello rígido", EMERGENCY, "FEVER_MENINGISM"),
        ("headache when I sit up, better lying down", URGENT, "HEADACHE_POSITIONAL"),
        ("headache so bad when I sit up", URGENT, "HEADACHE_POSITIONAL"),
        ("head pounding when I stand", URGENT, "HEADACHE_POSITIONAL"),
        ("worst headache of my life", EMERGENCY, "HEADACHE_SEVERE"),
        ("sudden headache", EMERGENCY, "HEADACHE_SEVERE"),
        ("headache getting worse every day", EMERGENCY, "HEADACHE_SEVERE"),
        ("worst headache ever, worse when I stand", EMERGENCY, "HEADACHE_SEVERE"),
        ("dolor de cabeza muy fuerte", EMERGENCY, "HEADACHE_SEVERE"),
        ("mild headache", ROUTINE, "HEADACHE"),
    ],
)
def test_it_combines_fever_and_headache_findings(text, tier, code):
    result = screen_text(text, procedure="ESI")
    assert result.tier == tier
    assert code in {m.code for m in result.matches if m.tier == tier}


# ---------------------------------------------------------------------------------------------
# Procedure awareness.


@pytest.mark.parametrize(
    ("text", "procedure", "tier", "code"),
    [
        ("so sleepy today", "ITDD", EMERGENCY, "ITDD_SLEEPY"),
        ("so sleepy today", "ESI", ROUTINE, "UNCLASSIFIED_SYMPTOM"),
        ("he seems confused", "ITDD", EMERGENCY, "ITDD_SLEEPY"),
        # DOMAIN.md (general emergencies): new confusion is an EMERGENCY after any procedure.
        ("he seems confused", "VA", EMERGENCY, "CONFUSION"),
        ("breathing is slow", "ITDD", EMERGENCY, "ITDD_SLEEPY"),
        ("breathing is slow", "FACET_SI", EMERGENCY, "SOB_CHEST"),
        ("alarm beeping", "ITDD", URGENT, "PUMP_ALARM"),
        ("itchy all over and sweating", "ITDD", EMERGENCY, "ITDD_WITHDRAWAL"),
        ("nauseous since the refill", "ITDD", URGENT, "ITDD_NAUSEA_URINE"),
        ("trouble peeing", "ITDD", URGENT, "ITDD_NAUSEA_URINE"),
        ("trouble peeing", "ESI", EMERGENCY, "BLADDER_BOWEL"),
        ("my back is on fire where the battery is", "SCS", URGENT, "SCS_BATTERY_SITE"),
        ("skin over the battery is breaking down", "SCS", URGENT, "SCS_SKIN_BREAKDOWN"),
        ("stimulation feels different", "SCS", ROUTINE, "SCS_COVERAGE"),
        ("the tingling moved to my ribs", "SCS", ROUTINE, "SCS_COVERAGE"),
        ("the tingling moved to my ribs", "ESI", URGENT, "NUMB_TINGLE"),
        ("blood sugar 400", "ESI", URGENT, "ESI_SUGAR"),
        ("blood sugar 400", "VA", URGENT, "ESI_SUGAR"),
        ("sugars running high", "ESI", URGENT, "ESI_SUGAR"),
        ("sugars running high", "VA", ROUTINE, "UNCLASSIFIED_SYMPTOM"),
        ("sugar 250, usually 110", "VA", URGENT, "ESI_SUGAR"),
        ("belly pain and dizzy", "VA", EMERGENCY, "VA_FLANK_DIZZY"),
        ("belly pain and dizzy", "TUMOR_ABLATION", EMERGENCY, "VA_FLANK_DIZZY"),
        ("belly pain and dizzy", "ESI", URGENT, "UNCLASSIFIED_SYMPTOM"),
        ("new sharp back pain above where they did it", "VA", URGENT, "VA_ADJACENT_PAIN"),
        ("back pain is much worse", "DISC", URGENT, "DISC_BACK_WORSE"),
        ("back pain is much worse", "ESI", ROUTINE, "PAIN_WORSE"),
        ("burning where they burned the nerve", "FACET_SI", ROUTINE, "FACET_BURNING"),
        ("can't get an erection since", "LYSIS", EMERGENCY, "SEXUAL_DYSFUNCTION"),
        ("can't get an erection since", "ESI", URGENT, "SEXUAL_DYSFUNCTION"),
    ],
)
def test_it_applies_the_rules_of_the_procedure(text, procedure, tier, code):
    result = screen_text(text, procedure=procedure)
    assert result.tier == tier, result
    assert code in {m.code for m in result.matches if m.tier == tier}, result


@pytest.mark.parametrize(
    "text",
    [
        "so sleepy today",
        "he seems confused",
        "alarm beeping",
        "my back is on fire where the battery is",
        "belly pain and dizzy",
        "sugars running high",
        "back pain is much worse",
        "can't get an erection",
        "feeling really depressed",
        "trouble peeing",
        "stimulation feels different",
        "thanks!",
    ],
)
def test_it_uses_the_highest_tier_of_any_procedure_when_none_is_given(text):
    per_procedure = [tier_of(text, p) for p in sorted(screening.PROCEDURES)]
    assert tier_of(text) == max(per_procedure, key=RANK.__getitem__)


def test_it_treats_an_unknown_procedure_as_unknown():
    assert tier_of("so sleepy today", "NOT_A_PROCEDURE") == EMERGENCY
    assert tier_of("so sleepy today", " itdd ") == EMERGENCY  # codes are case-insensitive


# ---------------------------------------------------------------------------------------------
# Self-harm.


@pytest.mark.parametrize(
    ("text", "procedure"),
    [
        ("I want to kill myself", None),
        ("some days I just want to die", "VA"),
        ("I don't want to be here anymore", "SCS"),
        ("quiero morirme", "ESI"),
        ("no quiero vivir", None),
        ("thinking about ending it all", "FACET_SI"),
    ],
)
def test_it_gives_the_crisis_line_for_self_harm_whatever_the_procedure(text, procedure):
    result = screen_text(text, procedure=procedure)
    assert result.tier == EMERGENCY
    assert any(m.crisis_line and m.code == "SELF_HARM" for m in result.matches)


def test_it_gives_the_crisis_line_for_low_mood_only_with_a_pump():
    pump = screen_text("feeling really depressed", procedure="ITDD")
    assert pump.tier == EMERGENCY and any(m.crisis_line for m in pump.matches)
    other = screen_text("feeling really depressed", procedure="VA")
    assert other.tier == ROUTINE and not any(m.crisis_line for m in other.matches)


def test_it_does_not_mistake_pain_talk_for_self_harm():
    result = screen_text("my back is killing me", procedure="ESI")
    assert result.tier == ROUTINE and not any(m.crisis_line for m in result.matches)


# ---------------------------------------------------------------------------------------------
# Input of any shape.


# These guard against runaway regex backtracking on long or repetitive texts (which costs seconds
# or never ends), not speed: speed is measured in bench/screening_speed.py. CPU time of this
# process, not wall time, so a loaded CI machine does not fail them; the bound is ~30x the
# measured cost of a 1,600-character text.
RUNAWAY_CPU_SECONDS = 0.25


def _screen_cpu(text: str, **kwargs):
    best = None
    for _ in range(3):
        start = time.process_time()
        result = screen_text(text, **kwargs)
        spent = time.process_time() - start
        best = spent if best is None else min(best, spent)
    return result, best


def test_it_screens_a_long_text_quickly_and_finds_the_buried_symptom():
    chatter = "Thank you so much for the great care on Tuesday, the nurses were lovely. " * 25
    text = (chatter + "Since yesterday I have been wetting myself. See you soon.")[-1600:]
    assert len(text) == 1600
    result, cpu = _screen_cpu(text, procedure="LYSIS")
    assert result.tier == EMERGENCY
    assert cpu < RUNAWAY_CPU_SECONDS


@pytest.mark.parametrize(
    "text",
    [
        "pain " * 320,
        "🤒" * 1600,
        "no fever or " * 133,
        "numb, " * 266,
        "legs weak but " * 114,
        "9" * 1600,
        "." * 1600,
    ],
)
def test_it_stays_fast_on_repetitive_input(text):
    _, cpu = _screen_cpu(text[:1600])
    assert cpu < RUNAWAY_CPU_SECONDS


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\n\n",
        "\x00\x01\x02",
        "\ud800 lone surrogate",
        "😀🤒🫠 ü ß ﬁ İ ǅ",
        "٣٨.٥ fever",
        "ＴＥＭＰ １０１",
        "fever" + "\u0301" * 50,
        "'" * 500,
        "no no no no",
        "100.4.5.6",
        "sugar 9999999999999999999999",
        "temp 1e999",
        "\u200b\u200bcant\u200bbreathe",
    ],
)
def test_it_never_raises_on_odd_text(text):
    result = screen_text(text)
    assert isinstance(result, Screening)
    assert result.needs_human == (result.tier is not None)
    for match in result.matches:
        assert match.evidence in text


def test_it_reads_other_scripts_digits_and_full_width_letters():
    assert tier_of("٣٨.٥ fever") == URGENT
    assert tier_of("ＴＥＭＰ １０１") == URGENT


def test_it_reads_curly_apostrophes_accents_and_shouting():
    assert tier_of("I CAN\u2019T BREATHE!!!") == EMERGENCY
    assert tier_of("cant breatheeeee") == EMERGENCY
    assert tier_of("ESCALOFRÍOS") == URGENT


def test_it_gives_evidence_from_the_original_text():
    text = "Hola. Tengo ESCALOFRÍOS y el cuello RÍGIDO 😟"
    result = screen_text(text)
    assert result.tier == EMERGENCY
    evidences = {m.code: m.evidence for m in result.matches}
    assert evidences["FEVER"] == "ESCALOFRÍOS"
    assert "RÍGIDO" in evidences["STIFF_NECK"]
    assert all(e in text for e in evidences.values())


def test_it_tolerates_input_that_is_not_a_str():
    assert screen_text(b"cant breathe").tier == EMERGENCY  # type: ignore[arg-type]
    assert screen_text(None).tier is None  # type: ignore[arg-type]


def test_it_sends_the_text_to_a_human_if_screening_breaks(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(screening.engine, "read", broken)
    result = screen_text("anything at all", language="es")
    assert result.tier == ROUTINE and result.needs_human and result.language == "es"
    assert result.matches[0].code == "UNCLASSIFIED_SYMPTOM"
    assert result.needs_safety_screen


def test_it_asks_the_safety_screen_whatever_the_text_if_deciding_breaks(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(screening.engine, "decide", broken)
    for text in ("cant breathe", "thanks!", "my knee feels odd"):
        result = screen_text(text, procedure="VA")
        assert result.tier == ROUTINE and result.needs_human and result.needs_safety_screen, text


# ---------------------------------------------------------------------------------------------
# Language, the result's shape, chatter.


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("me duele mucho la cabeza", "es"),
        ("¿a qué hora es mi cita?", "es"),
        ("my head hurts a lot", "en"),
        ("ok", "en"),
        ("", "en"),
    ],
)
def test_it_detects_the_language(text, language):
    assert detect_language(text) == language
    assert screen_text(text).language == language


def test_it_reads_both_languages_whatever_the_language_on_file():
    assert screen_text("me falta el aire", language="en").tier == EMERGENCY
    assert screen_text("cant breathe", language="es").tier == EMERGENCY
    assert screen_text("cant breathe", language="es-MX").language == "es"


@pytest.mark.parametrize(
    "text",
    [
        "thanks, doing great",
        "ok see you tuesday",
        "gracias",
        "who is this?",
        "what time is my appointment",
        "I'm confused about my appointment time",
        "my phone battery died",
        "👍",
    ],
)
def test_it_leaves_chatter_alone(text):
    result = screen_text(text)
    assert result == Screening(tier=None, matches=(), needs_human=False, language=result.language)


@pytest.mark.parametrize(
    "text",
    ["my leg feels weird", "something is wrong", "I feel off", "me siento mal", "pain is worse"],
)
def test_it_sends_what_it_cannot_classify_to_a_human(text):
    result = screen_text(text)
    assert result.tier == ROUTINE and result.needs_human
    assert {m.code for m in result.matches} <= {"UNCLASSIFIED_SYMPTOM", "PAIN_WORSE"}


@pytest.mark.parametrize(
    "text",
    ["my bladder feels full and tight", "I feel something wet on my back", "mi vista está rara"],
)
def test_it_sends_an_unforeseen_body_complaint_to_a_human(text):
    assert tier_of(text) == ROUTINE


@pytest.mark.parametrize(
    "text",
    ["my incision looks good", "breathing is fine", "la herida se ve bien", "my leg is not numb"],
)
def test_it_lets_a_body_part_said_to_be_fine_pass(text):
    assert tier_of(text) == "NONE"


def test_it_only_emits_documented_codes():
    for rule in screening.engine.knowledge().rules:
        assert rule.code in CODES and rule.source, rule
    assert "UNCLASSIFIED_SYMPTOM" in CODES


# Codes that protocols, escalation chains, triage scripts and stored flags use: each must stay a
# code the screener can emit (renaming one would split one symptom into two flags downstream).
DOWNSTREAM_CODES = [
    "SOB_CHEST",
    "WEAKNESS",
    "BLADDER_BOWEL",
    "FEVER",
    "FEVER_MENINGISM",
    "HEADACHE_SEVERE",
    "HEADACHE_POSITIONAL",
    "HEADACHE",
    "WOUND",
    "NUMB_TINGLE",
    "CONFUSION",
    "STIFF_NECK",
    "ITDD_SLEEPY",
    "ITDD_WITHDRAWAL",
    "SELF_HARM",
    "LOW_MOOD",
    "PUMP_ALARM",
    "ITDD_NAUSEA_URINE",
    "ESI_SUGAR",
    "VA_ADJACENT_PAIN",
    "VA_FLANK_DIZZY",
    "SCS_BATTERY_SITE",
    "SCS_SKIN_BREAKDOWN",
    "SCS_COVERAGE",
    "SEXUAL_DYSFUNCTION",
    "DISC_BACK_WORSE",
    "FACET_BURNING",
    "STROKE_SIGNS",
    "COLLAPSE",
    "PAIN_WORSE",
    "UNCLASSIFIED_SYMPTOM",
]


@pytest.mark.parametrize("code", DOWNSTREAM_CODES)
def test_it_keeps_every_code_downstream_code_uses(code):
    assert code in CODES


def test_it_lists_matches_highest_tier_first_once_per_code():
    result = screen_text("fever, fever, chills and a stiff neck and my back hurts")
    tiers = [RANK[m.tier] for m in result.matches]
    assert tiers == sorted(tiers, reverse=True)
    codes = [m.code for m in result.matches]
    assert len(codes) == len(set(codes))
    assert result.tier == result.matches[0].tier == EMERGENCY


def test_it_returns_frozen_results():
    result = screen_text("fever")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.tier = None  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.matches[0].tier = ROUTINE  # type: ignore[misc]
    assert isinstance(result.matches[0], SymptomMatch)


# ---------------------------------------------------------------------------------------------
# The report.


def test_it_reports_safety_sensitivity_as_at_or_above_the_label():
    rows = [
        {"text": "a", "expected_tier": "EMERGENCY", "predicted_tier": "EMERGENCY"},
        {"text": "b", "expected_tier": "EMERGENCY", "predicted_tier": "URGENT"},
        {"text": "c", "expected_tier": "URGENT", "predicted_tier": "EMERGENCY"},
        {"text": "d", "expected_tier": "ROUTINE", "predicted_tier": None},
        {"text": "e", "expected_tier": "NONE", "predicted_tier": "ROUTINE"},
        {"text": "f", "expected_tier": "NONE", "predicted_tier": None},
    ]
    report = confusion_report(rows)
    assert report["n"] == 6
    assert report["matrix"]["EMERGENCY"]["URGENT"] == 1
    assert report["matrix"]["NONE"]["NONE"] == 1
    emergency = report["per_tier"]["EMERGENCY"]
    assert emergency["sensitivity"] == 0.5 and emergency["exact"] == 0.5
    assert emergency["specificity"] == 3 / 4  # "c" was wrongly raised to EMERGENCY
    urgent = report["per_tier"]["URGENT"]
    assert urgent["sensitivity"] == 1.0 and urgent["exact"] == 0.0  # over-triage still caught
    assert report["per_tier"]["ROUTINE"]["sensitivity"] == 0.0
    assert report["per_tier"]["NONE"]["exact"] == 0.5
    assert [r["text"] for r in report["under_triaged"]] == ["b", "d"]
    assert [r["text"] for r in report["over_triaged"]] == ["c", "e"]
    text = format_report(report)
    assert (
        "expected \\ predicted" in text and "Under-triaged (predicted below the label): 2" in text
    )


def test_it_reports_no_rate_for_a_tier_without_rows():
    report = confusion_report([{"text": "x", "expected_tier": "NONE", "predicted_tier": None}])
    assert report["per_tier"]["EMERGENCY"]["sensitivity"] is None
    assert "-" in format_report(report)


def test_it_rejects_a_row_without_a_valid_label():
    with pytest.raises(ValueError, match="not a tier"):
        confusion_report([{"text": "x", "expected_tier": "SEVERE"}])


def test_it_loads_rows_and_explains_bad_files(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(
        'text,language,procedure,expected_tier,note\n"no, I can\'t breathe",en,,emergency,x\n',
        encoding="utf-8",
    )
    assert load_rows(good) == [
        {
            "text": "no, I can't breathe",
            "language": "en",
            "procedure": None,
            "expected_tier": "EMERGENCY",
            "note": "x",
            "line": 2,
        }
    ]
    missing = tmp_path / "missing.csv"
    missing.write_text("text,expected_tier\nhi,NONE\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing column"):
        load_rows(missing)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "text,language,procedure,expected_tier,note\nhi,en,,SEVERE,x\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match=r"bad.csv:2"):
        load_rows(bad)


def test_it_prints_the_table_from_the_command_line(capsys):
    assert DEFAULT_CSV == CSV
    assert main([str(CSV)]) == 0
    out = capsys.readouterr().out
    assert "expected \\ predicted" in out and "sens(>=)" in out
    print(out)
