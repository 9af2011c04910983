"""``manage.py screening_report``: the confusion table from a labelled CSV, and bad input."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

HEADER = "text,language,procedure,expected_tier,note\n"


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("screening_report", *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_table_for_the_shipped_labels():
    output = run()
    assert "expected \\ predicted" in output
    for tier in ("EMERGENCY", "URGENT", "ROUTINE", "NONE"):
        assert tier in output
    assert "sens(>=)" in output and "spec" in output


def test_it_reads_a_given_csv_and_reports_figures_as_json(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(
        HEADER
        + "cant breath,en,VA,EMERGENCY,x\n"
        + "thanks!,en,,NONE,x\n"
        + "my legs are weak,en,ESI,EMERGENCY,x\n",
        encoding="utf-8",
    )
    figures = json.loads(run("--csv", str(path), "--json"))
    assert figures["n"] == 3
    assert (
        figures["matrix"]["EMERGENCY"]["EMERGENCY"] == 2 and figures["matrix"]["NONE"]["NONE"] == 1
    )
    assert figures["per_tier"]["EMERGENCY"]["sensitivity"] == 1.0
    assert figures["under_triaged"] == 0


def test_it_can_fail_when_a_text_is_under_triaged(tmp_path):
    path = tmp_path / "miss.csv"
    path.write_text(HEADER + "thanks!,en,,EMERGENCY,deliberately wrong label\n", encoding="utf-8")
    with pytest.raises(CommandError, match="under-triaged"):
        run("--csv", str(path), "--fail-on-under-triage")
    assert "Under-triaged (predicted below the label): 1" in run("--csv", str(path))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("text,expected_tier\nhi,NONE\n", "missing column"),
        (HEADER + "hi,en,,SEVERE,x\n", "is not one of"),
        (HEADER, "no labelled rows"),
    ],
)
def test_it_explains_a_bad_csv(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run("--csv", str(path))


def test_it_explains_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such CSV file"):
        run("--csv", str(tmp_path / "nope.csv"))


def test_it_reports_the_target_rates_per_batch_with_the_locked_batch_apart():
    output = run("--batches")
    tuned, locked = output.split("LOCKED batch(es), never tuned against:")
    assert "screening_texts.csv" in tuned and "screening_batch1.csv" in tuned
    assert "screening_batch3_locked.csv" in locked and "locked" not in tuned.replace("LOCKED", "")
    assert "EMERGENCY -> EMERGENCY" in locked and "benign sent safety screen" in locked
    figures = json.loads(run("--batches", "--json"))
    locked_figures = figures["screening_batch3_locked.csv"]
    assert locked_figures["emergency"] >= 30 and locked_figures["benign"] >= 20
    assert locked_figures["emergency_hit"] <= locked_figures["emergency"]
