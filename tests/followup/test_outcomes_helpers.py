"""Pure outcome helpers: MCID rules, t quantiles and intervals, literature verdicts, SVG, format.

No database and no Django settings are needed by the code under test.
"""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from followup.outcomes import svg
from followup.outcomes.format import duration, number, percent, signed
from followup.outcomes.literature import LITERATURE, LiteratureRange, compare_with_range
from followup.outcomes.mcid import MCID, change_from_baseline
from followup.outcomes.stats import (
    mean_ci,
    normal_quantile,
    round_half_up,
    share,
    t_central_probability,
    t_critical,
    wilson_interval,
)
from followup.outcomes.timeline import checkpoint_days, checkpoint_label, checkpoint_sort_key
from followup.protocol_data import PROTOCOLS

SVG_NS = "{http://www.w3.org/2000/svg}"


# --- MCID -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "measure,baseline,value,points,pct,mcid,responder,worse",
    [
        ("NRS", 8, 4, "-4", "-50.0", True, True, False),  # exactly 50 %: a responder
        ("NRS", 8, 6, "-2", "-25.0", True, False, False),  # exactly 2 points
        ("NRS", 6, 5, "-1", "-16.7", False, False, False),
        ("NRS", 3, 2, "-1", "-33.3", True, False, False),  # 1 point but >= 30 %
        ("NRS", 10, 7, "-3", "-30.0", True, False, False),  # exactly 30 %
        ("NRS", 7, 5.5, "-1.5", "-21.4", False, False, False),
        ("NRS", 5, 6, "1", "20.0", False, False, True),
        ("NRS", 0, 0, "0", None, False, False, False),  # baseline 0: no percent
        ("NRS", 0, 2, "2", None, False, False, True),
        ("ODI", 36, 26, "-10", "-27.8", True, False, False),  # exactly 10 points
        ("ODI", 20, 14, "-6", "-30.0", True, False, False),  # 6 points but 30 %
        ("ODI", 50, 44, "-6", "-12.0", False, False, False),
        ("ODI", 40, 42, "2", "5.0", False, False, True),
        ("VAS", 60, 45, "-15", "-25.0", True, False, False),
        ("VAS", 60, 46, "-14", "-23.3", False, False, False),
    ],
)
def test_it_applies_the_mcid_rules(measure, baseline, value, points, pct, mcid, responder, worse):
    change = change_from_baseline(measure=measure, baseline=baseline, value=value)
    assert change.points == Decimal(points)
    assert change.percent == (None if pct is None else Decimal(pct))
    assert (change.mcid, change.responder, change.worse) == (mcid, responder, worse)
    assert change.improvement == -Decimal(points)


def test_a_missing_baseline_or_score_gives_no_change():
    assert change_from_baseline(measure="NRS", baseline=None, value=4) is None
    assert change_from_baseline(measure="ODI", baseline=40, value=None) is None


@pytest.mark.parametrize(
    "measure,baseline,value",
    [
        ("NRS", 11, 4),
        ("NRS", 5, -1),
        ("ODI", 40, 101),
        ("VAS", 50, "x"),
        ("NRS", True, 3),
        ("NRS", float("nan"), 3),
        ("NRS", [5], 3),
    ],
)
def test_it_rejects_scores_outside_the_instrument(measure, baseline, value):
    with pytest.raises(ValueError):
        change_from_baseline(measure=measure, baseline=baseline, value=value)


def test_it_rejects_an_unknown_measure():
    with pytest.raises(ValueError, match="unknown measure"):
        change_from_baseline(measure="PAIN", baseline=5, value=3)


def test_the_mcid_bar_is_the_easier_of_points_and_percent():
    assert MCID["NRS"].threshold_value(Decimal(8)) == Decimal(6)  # 8-2 beats 8*0.7=5.6
    assert MCID["NRS"].threshold_value(Decimal(3)) == Decimal("2.1")  # 3*0.7 beats 3-2=1
    assert MCID["ODI"].threshold_value(Decimal(50)) == Decimal(40)
    assert MCID["NRS"].threshold_value(Decimal(0)) == Decimal(-2)


# --- statistics ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "df,expected",
    [
        (1, 12.706204736),
        (2, 4.302652730),
        (3, 3.182446305),
        (4, 2.776445105),
        (5, 2.570581836),
        (9, 2.262157163),
        (10, 2.228138852),
        (29, 2.045229642),
        (30, 2.042272456),
        (60, 2.000297822),
        (100, 1.983971519),
        (400, 1.965912343),
        (401, 1.965897364),
        (1000, 1.962339081),
        (100000, 1.959988),
    ],
)
def test_t_critical_matches_published_tables(df, expected):
    assert t_critical(df=df) == pytest.approx(expected, abs=2e-6)


def test_t_critical_at_other_levels():
    assert t_critical(df=10, confidence=0.99) == pytest.approx(3.169272673, abs=1e-8)
    assert t_critical(df=20, confidence=0.90) == pytest.approx(1.724718243, abs=1e-8)
    # the exact and the asymptotic branch meet without a visible step
    assert abs(t_critical(df=400) - t_critical(df=401)) < 2e-5


@pytest.mark.parametrize("df", [0, -1, 2.5, True, "3"])
def test_t_critical_rejects_bad_degrees_of_freedom(df):
    with pytest.raises(ValueError):
        t_critical(df=df)


@pytest.mark.parametrize("confidence", [0, 1, 1.5, -0.2])
def test_t_critical_rejects_bad_confidence(confidence):
    with pytest.raises(ValueError):
        t_critical(df=5, confidence=confidence)


def test_the_t_distribution_probability_is_symmetric_and_bounded():
    assert t_central_probability(0, 5) == 0.0
    assert t_central_probability(-1, 5) == 0.0
    assert t_central_probability(1e9, 7) == pytest.approx(1.0)
    assert t_central_probability(1.0, 1) == pytest.approx(0.5)  # Cauchy: P(|T|<=1) = 1/2
    with pytest.raises(ValueError):
        t_central_probability(1.0, 0)


def test_normal_quantile():
    assert normal_quantile(0.975) == pytest.approx(1.959963984540054, abs=1e-12)
    assert normal_quantile(0.5) == 0.0
    assert normal_quantile(0.025) == pytest.approx(-1.959963984540054, abs=1e-12)
    assert normal_quantile(0.999) == pytest.approx(3.090232306167814, abs=1e-10)
    for bad in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError):
            normal_quantile(bad)


def test_mean_ci_from_summary_figures():
    low, high = mean_ci(n=6, mean=Decimal("-1.833333333"), sd=Decimal("2.316606714"))
    assert float(low) == pytest.approx(-4.264463, abs=1e-5)
    assert float(high) == pytest.approx(0.597796, abs=1e-5)
    assert mean_ci(n=1, mean=3, sd=None) is None
    assert mean_ci(n=0, mean=None, sd=None) is None
    assert mean_ci(n=3, mean=2, sd=0) == (Decimal(2), Decimal(2))
    with pytest.raises(ValueError):
        mean_ci(n=3, mean=2, sd=-1)


def test_wilson_interval():
    low, high = wilson_interval(successes=1, n=3)
    assert (low, high) == (pytest.approx(0.061490, abs=1e-5), pytest.approx(0.792340, abs=1e-5))
    assert wilson_interval(successes=0, n=10) == (0.0, pytest.approx(0.277533, abs=1e-5))
    assert wilson_interval(successes=10, n=10)[1] == pytest.approx(1.0)
    assert wilson_interval(successes=0, n=0) is None
    for s, n in ((4, 3), (-1, 3), (0, -1)):
        with pytest.raises(ValueError):
            wilson_interval(successes=s, n=n)


@pytest.mark.parametrize(
    "value,places,expected",
    [
        (Decimal("2.25"), 1, "2.3"),
        (Decimal("-2.25"), 1, "-2.3"),
        (2.675, 2, "2.68"),
        (Decimal("-1.8333"), 1, "-1.8"),
        (7, 1, "7.0"),
        (Decimal("0.05"), 1, "0.1"),
    ],
)
def test_round_half_up(value, places, expected):
    assert round_half_up(value, places) == Decimal(expected)


def test_round_half_up_rejects_infinity():
    with pytest.raises(ValueError):
        round_half_up(float("inf"))


def test_share():
    assert share(1, 3) == Decimal("33.3")
    assert share(2, 3) == Decimal("66.7")
    assert share(0, 0) is None


# --- literature ------------------------------------------------------------------------------------
def _ref(low, high) -> LiteratureRange:
    return LiteratureRange(
        "k", "SCS", "x", None if low is None else Decimal(low), Decimal(high), "t", "s"
    )


@pytest.mark.parametrize(
    "ci,low,high,verdict",
    [
        ((0.30, 0.60), "13.2", "22.6", "above"),
        ((0.01, 0.10), "13.2", "22.6", "below"),
        ((0.05, 0.15), "13.2", "22.6", "consistent"),
        ((0.0, 0.5), None, "1", "consistent"),  # upper-bound-only rows are never "below"
        ((0.02, 0.5), None, "1", "above"),
        ((None, None), "1", "2", "unknown"),
    ],
)
def test_the_literature_verdict_uses_the_whole_interval(ci, low, high, verdict):
    assert compare_with_range(ci_low=ci[0], ci_high=ci[1], ref=_ref(low, high)) == verdict


def test_every_literature_row_is_sourced_and_maps_to_real_rules():
    rule_codes = {r["code"] for p in PROTOCOLS.values() for r in p["red_flag_rules"]}
    assert len({r.key for r in LITERATURE}) == len(LITERATURE)
    for ref in LITERATURE:
        assert ref.procedure in PROTOCOLS, ref.key
        assert ref.source[:3] in ("000", "002", "004"), ref.key
        assert ref.rule_codes or ref.tiers, ref.key
        assert set(ref.rule_codes) <= rule_codes, ref.key
        assert ref.low is None or ref.low <= ref.high


# --- timeline ----------------------------------------------------------------------------------------
def test_a_checkpoint_key_means_the_same_day_in_every_protocol():
    for protocol in PROTOCOLS.values():
        for check in protocol["checkpoints"]:
            assert checkpoint_days()[check["key"]] == check["target_day"], check["key"]
    keys = sorted(checkpoint_days(), key=checkpoint_sort_key)
    assert keys == ["h48", "d14", "w6", "m3", "m6", "m12"]
    assert checkpoint_sort_key("custom") > checkpoint_sort_key("m12")
    assert checkpoint_label("d14") == "2-week check"
    assert checkpoint_label("custom") == "custom"


# --- format ------------------------------------------------------------------------------------------
def test_formatting():
    assert signed(Decimal("-4")) == "-4.0"
    assert signed(Decimal("1.25")) == "+1.3"
    assert signed(Decimal("-0.04")) == "0.0"
    assert signed(None) == "\u2014"
    assert number(Decimal("3.14159"), 2) == "3.14"
    assert percent(Decimal("33.33")) == "33.3 %"
    assert percent(None) == "\u2014"
    assert duration(dt.timedelta(seconds=45)) == "45 s"
    assert duration(dt.timedelta(minutes=12, seconds=20)) == "12 min"
    assert duration(dt.timedelta(hours=3, minutes=5)) == "3 h 05 min"
    assert duration(dt.timedelta(days=2, hours=4)) == "2 d 4 h"
    assert duration(dt.timedelta(minutes=-5)) == "-5 min"
    assert duration(None) == "\u2014"


# --- SVG ----------------------------------------------------------------------------------------------
def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # also proves the markup is well-formed XML


def test_trend_chart_is_accessible_well_formed_and_escapes_text():
    markup = svg.trend_chart(
        chart_id="c1",
        title="Pain <script>",
        description='Baseline "8" & more',
        y_label="Pain",
        y_max=10,
        y_ticks=[0, 5, 10],
        x_max=100,
        series=[
            svg.Series(
                "NRS",
                [
                    svg.Point(0, 8, "base <8>"),
                    svg.Point(14, 4, "d14"),
                    svg.Point(91, 12, "clipped"),
                ],
                svg.BLUE,
            )
        ],
        events=[
            svg.Event(14, "checks", "d14 completed", svg.GREEN, label="d14"),
            svg.Event(15, "flags", "URGENT <b>", svg.ORANGE, shape="diamond"),
            svg.Event(20, "nowhere", "dropped", svg.GREY),
        ],
        lanes=[("checks", "Checks"), ("flags", "Flags")],
        ref_lines=[svg.RefLine(6, "MCID")],
        bands=[svg.Band(0, 20, "minimal", "#eee")],
    )
    root = _parse(markup)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG_NS}title").text == "Pain <script>"
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert root.find(f"{SVG_NS}desc").text == 'Baseline "8" & more'
    titles = [t.text for t in root.iter(f"{SVG_NS}title")]
    assert "base <8>" in titles and "URGENT <b>" in titles and "dropped" not in titles
    assert len(root.findall(f".//{SVG_NS}polyline")) == 1
    # a value above the axis is drawn at the top edge, not outside the plot
    assert all(float(c.get("cy")) >= 0 for c in root.iter(f"{SVG_NS}circle"))
    assert "http" not in markup.replace("http://www.w3.org/2000/svg", "")


def test_trend_chart_rejects_an_empty_axis():
    with pytest.raises(ValueError):
        svg.trend_chart(
            chart_id="x",
            title="t",
            description="d",
            y_label="y",
            y_max=10,
            y_ticks=[],
            x_max=0,
            series=[],
        )
    with pytest.raises(ValueError):
        svg.trend_chart(
            chart_id="x",
            title="t",
            description="d",
            y_label="y",
            y_max=0,
            y_ticks=[],
            x_max=10,
            series=[],
        )


def test_crowded_check_labels_are_not_drawn_on_top_of_each_other():
    events = [svg.Event(d, "checks", f"c{d}", svg.GREEN, label=f"c{d}") for d in (2, 3, 4, 200)]
    root = _parse(
        svg.trend_chart(
            chart_id="x",
            title="t",
            description="d",
            y_label="y",
            y_max=10,
            y_ticks=[0],
            x_max=365,
            series=[],
            events=events,
            lanes=[("checks", "Checks")],
        )
    )
    labels = [t.text for t in root.iter(f"{SVG_NS}text")]
    # the last mark of a cluster keeps its label; the others would be drawn over it
    assert "c4" in labels and "c200" in labels and "c2" not in labels and "c3" not in labels
    assert len([t for t in root.iter(f"{SVG_NS}title") if t.text.startswith("c")]) == 4


def test_interval_chart_draws_whiskers_and_skips_missing_means():
    markup = svg.interval_chart(
        chart_id="i",
        title="t",
        description="d",
        y_label="change",
        categories=["d14", "m3"],
        series=[
            svg.IntervalSeries(
                "All",
                svg.BLUE,
                [svg.Interval(-1.8, -4.3, 0.6, 6), svg.Interval(None, None, None, 0)],
            )
        ],
        ref_lines=[svg.RefLine(-2, "MCID")],
    )
    root = _parse(markup)
    tips = [t.text for t in root.iter(f"{SVG_NS}title") if t.text.startswith("All")]
    assert tips == ["All, d14: mean -1.8 (95% CI -4.3 to 0.6), n=6"]
    assert "n=0" in markup
    with pytest.raises(ValueError):
        svg.interval_chart(
            chart_id="i", title="t", description="d", y_label="y", categories=[], series=[]
        )


def test_stacked_bars_add_up_and_validate_input():
    markup = svg.stacked_bar_chart(
        chart_id="m",
        title="t",
        description="d",
        categories=["d14", "m3"],
        segments=[("less", svg.SKY), ("more", svg.VERMILLION)],
        counts=[[1, 3], [0, 0]],
    )
    root = _parse(markup)
    tips = [t.text for t in root.iter(f"{SVG_NS}title")]
    assert "d14: less 1 of 4 (25.0 %)" in tips and "d14: more 3 of 4 (75.0 %)" in tips
    assert "no answers" in markup
    for counts in ([[1, 2]], [[1], [2]], [[-1, 2], [0, 0]]):
        with pytest.raises(ValueError):
            svg.stacked_bar_chart(
                chart_id="m",
                title="t",
                description="d",
                categories=["a", "b"],
                segments=[("x", "#000"), ("y", "#111")],
                counts=counts,
            )


def test_day_ticks_stay_readable():
    assert svg.nice_day_ticks(30) == [0, 7, 14, 21, 28]
    assert len(svg.nice_day_ticks(380)) <= 9
    assert svg.nice_day_ticks(0) == [0]
    assert math.isclose(float(svg.num(1.005)), 1.0, abs_tol=0.01)


# --- the SQLite demo's aggregates ------------------------------------------------------------------
def test_the_sqlite_median_and_sd_ignore_nulls_and_survive_small_groups():
    """The demo runs on SQLite, which has neither: the Python stand-ins must give NULL, not fail,
    for a group with no value (or one value, for the SD), as PostgreSQL does."""
    import sqlite3

    from followup.selectors.outcomes.expressions import SqliteMedian, SqliteStdDevSamp

    db = sqlite3.connect(":memory:")
    db.create_aggregate("MED", 1, SqliteMedian)
    db.create_aggregate("SD", 1, SqliteStdDevSamp)
    db.execute("create table t (g text, x real)")
    db.executemany(
        "insert into t values (?, ?)",
        [("a", -4), ("a", -1), ("a", None), ("a", -2), ("a", 1), ("b", 3), ("c", None)],
    )
    rows = db.execute(
        "select g, MED(x), SD(x), MED(case when x > 100 then x end) from t group by g order by g"
    ).fetchall()
    assert rows[0][:2] == ("a", -1.5)
    assert rows[0][2] == pytest.approx(2.0816660, abs=1e-6)
    assert rows[1] == ("b", 3.0, None, None)
    assert rows[2] == ("c", None, None, None)


def test_days_after_counts_local_clock_days_from_the_start_of_the_procedure_day():
    from followup.selectors.outcomes import days_after

    performed = dt.date(2026, 3, 1)
    noon_chicago = dt.datetime(2026, 3, 15, 17, 0, tzinfo=dt.UTC)  # 12:00 CDT, after the DST change
    # noon on day 14 is 14.5 on the patient's clock, although DST made that day 23 hours long
    assert days_after(noon_chicago, performed_on=performed, tz_name="America/Chicago") == 14.5
    assert days_after(noon_chicago, performed_on=performed, tz_name="Not/AZone") == (
        pytest.approx(14 + 17 / 24)
    )
