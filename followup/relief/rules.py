"""Documented-relief rules as reviewable data: what a repeat or next procedure is judged on.

Each rule names the threshold (percent relief of the index pain against the pre-procedure score),
how long the relief must last, how many blocks, and its source. The sources were checked against
the CMS Medicare Coverage Database summaries of the LCDs named (2026-12); MACs revise LCDs, so a
clinic confirms the one that applies to it (its MAC's LCD number) and edits this table, which is
the only place the numbers live.

``duration`` is either ``"anaesthetic"`` (as long as the local anaesthetic used is expected to
last: followup/diaries/anaesthetics.py) or a number of days.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ReliefRule:
    code: str
    title: str
    procedures: tuple[str, ...]
    min_relief_percent: Decimal
    duration: str | int  # "anaesthetic" or days
    blocks: int  # diagnostic blocks each meeting the threshold (1 for therapeutic rules)
    function_required: bool
    source: str
    note: str = ""

    @property
    def summary(self) -> str:
        lasting = (
            "for the expected duration of the local anaesthetic"
            if self.duration == "anaesthetic"
            else f"sustained for at least {self.duration} days"
        )
        blocks = f" from each of {self.blocks} blocks" if self.blocks > 1 else ""
        function = " with functional improvement" if self.function_required else ""
        return f">= {self.min_relief_percent} % relief{blocks} {lasting}{function}"


RELIEF_RULES: dict[str, ReliefRule] = {
    r.code: r
    for r in (
        ReliefRule(
            code="MBB_MEDICARE",
            title="Diagnostic medial branch blocks before facet radiofrequency ablation (Medicare)",
            procedures=("FACET_SI",),
            min_relief_percent=Decimal("80"),
            duration="anaesthetic",
            blocks=2,
            function_required=False,
            source="CMS LCD L38765 Facet Joint Interventions for Pain Management and its "
            "companion LCDs from the other MACs (e.g. L34892, L38841): two medial branch blocks, "
            "each with at least 80 % relief of the index pain for the duration of the anaesthetic",
        ),
        ReliefRule(
            code="MBB_ASRA",
            title="Prognostic medial branch block before facet radiofrequency ablation "
            "(multisociety guideline)",
            procedures=("FACET_SI",),
            min_relief_percent=Decimal("50"),
            duration="anaesthetic",
            blocks=1,
            function_required=False,
            source="Cohen SP et al., Consensus practice guidelines on interventions for lumbar "
            "facet joint pain from a multispecialty, international working group, Reg Anesth "
            "Pain Med 2020;45:424-467 (ASRA-led): >= 50 % relief after a single block",
        ),
        ReliefRule(
            code="RFA_REPEAT",
            title="Repeat facet radiofrequency ablation",
            procedures=("FACET_SI",),
            min_relief_percent=Decimal("50"),
            duration=182,
            blocks=1,
            function_required=False,
            source="CMS LCD L38765 and companions: repeat ablation at the same level only after "
            "at least 50 % relief (or improvement in function) sustained for at least six months",
            note="Applies when the enrolled facet procedure was an ablation.",
        ),
        ReliefRule(
            code="ESI_REPEAT",
            title="Repeat epidural steroid injection",
            procedures=("ESI",),
            min_relief_percent=Decimal("50"),
            duration=90,
            blocks=1,
            function_required=False,
            source="CMS LCD L39240 Epidural Steroid Injections for Pain Management and its "
            "companion LCDs (e.g. L38994, L36920): a repeat ESI needs at least 50 % relief or "
            "50 % functional improvement lasting about three months",
        ),
        ReliefRule(
            code="SCS_TRIAL",
            title="Spinal cord stimulator trial before permanent implant",
            procedures=("SCS",),
            min_relief_percent=Decimal("50"),
            duration=3,
            blocks=1,
            function_required=True,
            source="Usual implant criterion (DOMAIN.md 'Documented relief'): >= 50 % pain relief "
            "with functional improvement over a 3-10 day trial; Deer TR et al., Neuromodulation "
            "2014;17:515-550 (NACC); payer SCS LCDs",
        ),
    )
}

# A follow-up check answered this many days before the duration counts toward it: the 3- and
# 6-month checks have +/- 14 day windows (followup/protocol_data.py), project rule.
DURATION_TOLERANCE_DAYS = 14


def repeat_rules_for(procedure: str) -> list[ReliefRule]:
    """Longitudinal (days-long) rules that apply to an enrollment's procedure."""
    return [
        r
        for r in RELIEF_RULES.values()
        if procedure in r.procedures and isinstance(r.duration, int) and r.code != "SCS_TRIAL"
    ]
