"""Signed Twilio webhook requests for the load and red-flag benchmarks (items 3 and 4).

``python -m bench.replies prepare OUT.lua OUT.json`` reads the checks the burst sweep opened and
writes, for wrk, every remaining answer of those conversations as a signed POST (interleaved, so a
patient's next answer is thousands of requests after the previous one), and, for the red-flag
benchmark, a "yes" to an EMERGENCY question from 200 other patients. ``python -m bench.replies
codes PHONE...`` prints each phone's escalation code.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys

import django

django.setup()

from django.conf import settings  # noqa: E402

from followup.models import Checkpoint, Escalation  # noqa: E402
from followup.questions import QUESTIONS  # noqa: E402
from notifications.twilio_signature import twilio_signature  # noqa: E402

WEBHOOK = "/webhooks/twilio/sms/"
# 200 for item 4 (a settled system) and 20 posted while the burst's backlog waits (item 3).
REDFLAGS = int(os.environ.get("BENCH_REDFLAGS", "220"))
# Enough for every step of the webhook ladder to post texts never seen before: a repeated
# MessageSid is answered without an insert or a publish, and would flatter the figure.
MAX_REQUESTS = int(os.environ.get("BENCH_MAX_REQUESTS", "240000"))


def _answer(code: str, rng: random.Random) -> str:
    kind = QUESTIONS[code]["type"]
    if kind == "nrs":
        return str(rng.randint(0, 10))
    if kind == "choice":
        return rng.choice(QUESTIONS[code]["options"])["value"].replace("_", " ")
    return "no"  # yes/no red flags, and "nothing to add"


def _emergency_codes(protocol) -> set[str]:
    """Questions whose YES alone raises an EMERGENCY under this protocol."""
    codes = set()
    for rule in protocol.red_flag_rules:
        when = rule["when"]
        if rule["tier"] != "EMERGENCY":
            continue
        if when.get("all") and len(when["all"]) == 1 and not when.get("any"):
            codes.add(when["all"][0])
        elif when.get("any") and not when.get("all"):
            codes.update(when["any"])
    return codes


def _signed(sid: str, phone: str, body: str) -> dict:
    params = {
        "MessageSid": sid,
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "From": phone,
        "To": settings.TWILIO_FROM_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }
    signature = twilio_signature(settings.PUBLIC_BASE_URL + WEBHOOK, params)
    return {"params": params, "signature": signature, "phone": phone}


def prepare(lua_path: str, json_path: str) -> None:
    from urllib.parse import urlencode

    as_of = dt.datetime.fromisoformat(os.environ["BENCH_AS_OF"])
    rng = random.Random(7)
    rows = (
        Checkpoint.objects.filter(status="open", channel="sms", opened_at=as_of)
        .select_related("enrollment__patient", "enrollment__protocol")
        .order_by("pk")
    )
    redflags, conversations = [], []
    emergency: dict[int, set[str]] = {}
    # A "yes" from a patient whose escalation of that kind is already open joins it (the chain
    # is already paging): no new page to time. Those patients only answer the load test.
    busy = set(Escalation.objects.exclude(status="resolved").values_list("patient_id", flat=True))
    for row in rows:
        protocol = row.enrollment.protocol
        if protocol.pk not in emergency:
            emergency[protocol.pk] = _emergency_codes(protocol)
        phone = row.enrollment.patient.phone
        if (
            len(redflags) < REDFLAGS
            and row.current_question in emergency[protocol.pk]
            and row.enrollment.patient_id not in busy
        ):
            redflags.append(_signed(f"SMredflag{len(redflags):024d}", phone, "yes"))
            continue
        remaining = [
            c for c in row.question_codes[row.current_index :] if QUESTIONS[c]["type"] != "web_form"
        ]
        conversations.append((phone, [_answer(c, rng) for c in remaining]))
    requests = []
    rounds = max(len(answers) for _, answers in conversations)
    # The conversations' answers in order, then again (patients who text once more, each text
    # with its own MessageSid) until there are MAX_REQUESTS distinct texts.
    while len(requests) < MAX_REQUESTS:
        for number in range(rounds):
            for phone, answers in conversations:
                if number < len(answers) and len(requests) < MAX_REQUESTS:
                    sid = f"SMload{len(requests):026d}"
                    requests.append(_signed(sid, phone, answers[number]))
    with open(lua_path, "w") as out:
        out.write("bodies = {\n")
        for item in requests:
            out.write(json.dumps(urlencode(item["params"])) + ",\n")
        out.write("}\nsigs = {\n")
        for item in requests:
            out.write(json.dumps(item["signature"]) + ",\n")
        out.write("}\n")
    with open(json_path, "w") as out:
        json.dump({"redflags": redflags}, out)
    print(json.dumps({"requests": len(requests), "redflags": len(redflags)}))


def codes(since: str, phones: list[str]) -> None:
    """The code of the escalation each phone's "yes" opened (not an older one of the patient)."""
    found = dict(
        Escalation.objects.filter(
            patient__phone__in=phones, created_at__gte=dt.datetime.fromisoformat(since)
        ).values_list("patient__phone", "code")
    )
    print(json.dumps(found))


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3])
    else:
        codes(sys.argv[2], sys.argv[3:])
