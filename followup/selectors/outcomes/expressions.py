"""SQL building blocks: a portable median and the per-check outcome annotations.

The MCID and responder conditions are built from ``followup.outcomes.mcid`` constants, and
compare without dividing (``improvement * 100 >= 30 * baseline``) exactly like the Python rule,
so the database and ``change_from_baseline`` agree to the last decimal (tested).
"""

from __future__ import annotations

import statistics

from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    Func,
    OuterRef,
    Q,
    QuerySet,
    StdDev,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual

from followup.outcomes.mcid import MCID, RESPONDER_PERCENT

from ...models import Answer, AnswerStatus, Checkpoint, CheckpointStatus, Score

# Checks that were sent, or should have been: open now, answered, or closed unanswered. Scheduled
# checks are not due yet; cancelled (withdrawal) and skipped (enrolled after the window) never
# reached the patient, so they count neither as due nor as unanswered.
DUE_STATUSES = (CheckpointStatus.OPEN, CheckpointStatus.COMPLETED, CheckpointStatus.MISSED)

SCORE = DecimalField(max_digits=7, decimal_places=1)
WIDE = DecimalField(max_digits=20, decimal_places=10)


class _Collect:
    """Base of the SQLite aggregates written in Python: keeps a group's non-NULL values."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value) -> None:
        if value is not None:
            self.values.append(value)


class SqliteMedian(_Collect):
    def finalize(self):
        return statistics.median(self.values) if self.values else None


class SqliteStdDevSamp(_Collect):
    # Django's own SQLite STDDEV_SAMP raises on a group of one (PostgreSQL gives NULL), which
    # breaks any checkpoint answered by a single patient.
    def finalize(self):
        return statistics.stdev(self.values) if len(self.values) > 1 else None


class _OnSqliteInPython:
    """On SQLite, run the aggregate as a Python function registered on the connection.

    The filter becomes CASE WHEN instead of FILTER: Python's sqlite3 reports an error when a
    FILTER leaves a group without a single row to step over.
    """

    sqlite_function = ""
    sqlite_class: type = _Collect

    def as_sqlite(self, compiler, connection, **extra_context):
        connection.ensure_connection()
        connection.connection.create_aggregate(self.sqlite_function, 1, self.sqlite_class)
        clone = self.copy()
        clone.function = self.sqlite_function
        # Set on the copy, not passed as an argument: Aggregate.as_sql passes its own template.
        clone.template = "%(function)s(%(distinct)s%(expressions)s)"
        if clone.filter is not None:
            source, *rest = super(Aggregate, clone).get_source_expressions()
            clone.set_source_expressions([Case(When(clone.filter, then=source)), *rest, None])
        return super(_OnSqliteInPython, clone).as_sql(compiler, connection, **extra_context)


class Median(_OnSqliteInPython, Aggregate):
    """50th percentile, interpolated (the mean of the two middle values for an even n).

    PostgreSQL: ``percentile_cont(0.5) WITHIN GROUP (ORDER BY x)``, which also takes intervals.
    SQLite (demo only) has no median: Python's ``statistics.median`` runs there instead.
    """

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    window_compatible = False
    sqlite_function = "FOLLOWUP_MEDIAN"
    sqlite_class = SqliteMedian


class SampleStdDev(_OnSqliteInPython, StdDev):
    """Sample standard deviation; NULL for fewer than two values on every database."""

    sqlite_function = "FOLLOWUP_STDDEV_SAMP"
    sqlite_class = SqliteStdDevSamp

    def __init__(self, expression, **extra) -> None:
        super().__init__(expression, sample=True, **extra)


def _score(kind: str) -> FilteredRelation:
    return FilteredRelation("scores", condition=Q(scores__kind=kind))


def _answer(code: str) -> FilteredRelation:
    return FilteredRelation(
        "answers", condition=Q(answers__question_code=code, answers__status=AnswerStatus.ANSWERED)
    )


class _Real(Func):
    """The expression unchanged, except on SQLite: a NUMERIC column holding a whole number
    (a baseline of 7, a change of -3) is stored as an integer there, and ``/`` between
    integers truncates, so -2/7 of 100 read -28.0 % instead of -28.6 % on the demo's
    database. ``* 1.0`` makes the division real; PostgreSQL's numeric is exact already."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s * 1.0)", **extra_context
        )


def _change_annotations(measure: str, value: str, baseline: str, *, responder: bool) -> dict:
    """change, percent, mcid, responder and worse for one measure, NULL without a baseline.

    Fields are named after the measure in lower case (``odi_change``, ``back_mcid``)."""
    rule = MCID[measure]
    name = measure.lower()
    change = F(value) - F(baseline)
    improvement = F(baseline) - F(value)
    has_both = Q(**{f"{value}__isnull": False, f"{baseline}__isnull": False})
    has_positive_base = has_both & Q(**{f"{baseline}__gt": 0})
    reached = Q(GreaterThanOrEqual(improvement, Value(rule.points)))
    if rule.percent is not None:
        reached |= has_positive_base & Q(
            GreaterThanOrEqual(improvement * 100, F(baseline) * rule.percent)
        )
    out = {
        f"{name}_change": Case(When(has_both, then=change), output_field=SCORE),
        f"{name}_change_pct": Case(
            When(has_positive_base, then=_Real(change * 100, output_field=WIDE) / F(baseline)),
            output_field=WIDE,
        ),
        f"{name}_mcid": Case(
            When(has_both & reached, then=Value(True)),
            When(has_both, then=Value(False)),
            output_field=BooleanField(),
        ),
        f"{name}_worse": Case(
            When(has_both & Q(GreaterThan(F(value), F(baseline))), then=Value(True)),
            When(has_both, then=Value(False)),
            output_field=BooleanField(),
        ),
    }
    if responder:
        out[f"{name}_responder"] = Case(
            When(
                has_positive_base
                & Q(GreaterThanOrEqual(improvement * 100, F(baseline) * RESPONDER_PERCENT)),
                then=Value(True),
            ),
            When(has_both, then=Value(False)),
            output_field=BooleanField(),
        )
    return out


def with_outcomes(checkpoints: QuerySet[Checkpoint]) -> QuerySet[Checkpoint]:
    """Annotate each check with its scores, baseline and change figures.

    ``pain`` is the check's primary pain score: the 7-day average NRS when asked (every check
    from d14 on), else pain-now NRS (the 48-72 h check asks only that). The baseline question
    ("before the procedure, on a usual day") is closer to the 7-day average than to pain right
    now, which is why the average leads. VAS has no baseline in this tracker (staff enter NRS),
    so VAS is shown as measured and never turned into a change figure. The NDI (cervical
    procedures) and back and leg pain (scored apart, as spine registries do) get change figures
    against their own baselines when staff entered one (``Enrollment.baseline_ndi`` ...).
    """
    qs = checkpoints.annotate(
        _s_now=_score(Score.Kind.NRS_NOW),
        _s_avg=_score(Score.Kind.NRS_AVG),
        _s_vas=_score(Score.Kind.VAS),
        _s_odi=_score(Score.Kind.ODI),
        _s_ndi=_score(Score.Kind.NDI),
        _s_back=_score(Score.Kind.NRS_BACK),
        _s_leg=_score(Score.Kind.NRS_LEG),
    ).annotate(
        nrs_now=F("_s_now__value"),
        nrs_avg=F("_s_avg__value"),
        vas=F("_s_vas__value"),
        odi=F("_s_odi__value"),
        ndi=F("_s_ndi__value"),
        pain_back=F("_s_back__value"),
        pain_leg=F("_s_leg__value"),
        nrs_now_at=F("_s_now__computed_at"),
        nrs_avg_at=F("_s_avg__computed_at"),
        vas_at=F("_s_vas__computed_at"),
        odi_at=F("_s_odi__computed_at"),
        ndi_at=F("_s_ndi__computed_at"),
        pain_back_at=F("_s_back__computed_at"),
        pain_leg_at=F("_s_leg__computed_at"),
        pain=Coalesce(F("_s_avg__value"), F("_s_now__value"), output_field=SCORE),
        pain_at=Coalesce(F("_s_avg__computed_at"), F("_s_now__computed_at")),
        base_pain=Cast("enrollment__baseline_pain", SCORE),
        base_odi=F("enrollment__baseline_odi"),
        base_ndi=F("enrollment__baseline_ndi"),
        base_back=Cast("enrollment__baseline_back_pain", SCORE),
        base_leg=Cast("enrollment__baseline_leg_pain", SCORE),
        responded=Exists(
            Answer.objects.filter(checkpoint=OuterRef("pk"), status=AnswerStatus.ANSWERED)
        ),
    )
    return qs.annotate(
        **_change_annotations("NRS", "pain", "base_pain", responder=True),
        **_change_annotations("ODI", "odi", "base_odi", responder=False),
        **_change_annotations("NDI", "ndi", "base_ndi", responder=False),
        **_change_annotations("BACK", "pain_back", "base_back", responder=False),
        **_change_annotations("LEG", "pain_leg", "base_leg", responder=False),
    )


def with_choice_answers(checkpoints: QuerySet[Checkpoint], *, free_text: bool = False):
    """Add the MEDS and global-impression choices (and, when asked for, the free-text answer).

    ``pgic`` is the tracker's earlier 5-point scale (question PGIC), ``pgic7`` the standard 7-point
    PGIC: two fields, never merged, so an old answer is never read on the new scale.
    """
    qs = checkpoints.annotate(
        _a_meds=_answer("MEDS"), _a_pgic=_answer("PGIC"), _a_pgic7=_answer("PGIC7")
    )
    qs = qs.annotate(meds=F("_a_meds__value"), pgic=F("_a_pgic__value"), pgic7=F("_a_pgic7__value"))
    if free_text:
        qs = qs.annotate(_a_text=_answer("ANYTHING_ELSE")).annotate(
            anything_else=F("_a_text__raw_text")
        )
    return qs
