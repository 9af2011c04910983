"""Protocols are shared by every clinic: a new version must not quietly weaken a red flag.

Two reviewable rules, applied by ``followup.protocols.protocol_publish``:

- every EMERGENCY or URGENT rule that ships with the code (``protocol_data.PROTOCOLS``) must stay,
  at its tier or higher, unless the publisher gives a reason (kept in the version's change note
  and in the audit log);
- every publish is audited with a diff of what changed (rule codes and tiers, checkpoint keys,
  other top-level fields): codes only, never patient data.
"""

from __future__ import annotations

from .protocol_data import PROTOCOLS, TIER_ORDER

GUARDED_TIERS = ("EMERGENCY", "URGENT")


class ProtocolWeakened(ValueError):
    """A publish would lower or drop a shipped EMERGENCY/URGENT rule without a recorded reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def _rules(definition: dict | None) -> dict[str, str]:
    if not definition:
        return {}
    return {
        str(rule.get("code")): str(rule.get("tier"))
        for rule in definition.get("red_flag_rules", [])
        if isinstance(rule, dict)
    }


def _rank(tier: str) -> int:
    return TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER)


def protocol_weakenings(*, code: str, definition: dict) -> list[str]:
    """How ``definition`` lowers or removes the shipped EMERGENCY/URGENT rules of ``code``."""
    shipped = _rules(PROTOCOLS.get(code))
    proposed = _rules(definition)
    problems = []
    for rule_code, tier in sorted(shipped.items()):
        if tier not in GUARDED_TIERS:
            continue
        if rule_code not in proposed:
            problems.append(f"{rule_code} ({tier}) is removed")
        elif _rank(proposed[rule_code]) > _rank(tier):
            problems.append(f"{rule_code} is lowered from {tier} to {proposed[rule_code]}")
    return problems


def protocol_diff(*, old: dict | None, new: dict) -> dict:
    """What changed between two versions, in codes: small enough for an audit row."""
    old = old or {}
    old_rules, new_rules = _rules(old), _rules(new)
    old_checks = [c.get("key") for c in old.get("checkpoints", []) if isinstance(c, dict)]
    new_checks = [c.get("key") for c in new.get("checkpoints", []) if isinstance(c, dict)]
    changed_checks = sorted(
        c.get("key")
        for c in new.get("checkpoints", [])
        if isinstance(c, dict)
        and c.get("key") in old_checks
        and c != next(o for o in old.get("checkpoints", []) if o.get("key") == c.get("key"))
    )
    return {
        "rules_added": sorted(set(new_rules) - set(old_rules)),
        "rules_removed": sorted(set(old_rules) - set(new_rules)),
        "rules_retiered": {
            code: [old_rules[code], tier]
            for code, tier in sorted(new_rules.items())
            if code in old_rules and old_rules[code] != tier
        },
        "rules_changed": sorted(
            str(rule.get("code"))
            for rule in new.get("red_flag_rules", [])
            if isinstance(rule, dict)
            and rule.get("code") in old_rules
            and rule
            != next(
                (o for o in old.get("red_flag_rules", []) if o.get("code") == rule.get("code")),
                None,
            )
        ),
        "checkpoints_added": sorted(set(new_checks) - set(old_checks), key=str),
        "checkpoints_removed": sorted(set(old_checks) - set(new_checks), key=str),
        "checkpoints_changed": changed_checks,
        "fields_changed": sorted(
            key
            for key in set(old) | set(new)
            if key not in ("red_flag_rules", "checkpoints") and old.get(key) != new.get(key)
        ),
    }
