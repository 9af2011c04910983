"""The report of ``make bench`` (bench/run.py): one row per figure with its baseline, ratio and
target (results["summary"] in bench/results/latest.json), and the table printed at the end."""

from __future__ import annotations


def summary(results: dict) -> list[dict]:
    """One row per figure: value, baseline of the same run, ratio, target, pass."""
    rows = []

    def add(name, value, unit, baseline, baseline_label, target, ok, ratio=None):
        if ratio is None and value is not None and baseline:
            ratio = round(value / baseline, 2)
        rows.append(
            {
                "figure": name,
                "value": value,
                "unit": unit,
                "baseline": baseline,
                "baseline_is": baseline_label,
                "ratio": ratio,
                "target": target,
                "pass": ok,
            }
        )

    sweep = results.get("sweep")
    if sweep:
        burst, idle = sweep["burst"], sweep["idle"]
        add(
            f"sweep: open {burst['opened']:,} due checks + outbox rows (median of 3)",
            burst["seconds"],
            "s",
            sweep["floor_s"],
            "the same writes as 2 plain SQL statements",
            "<= 2 s",
            burst["seconds"] <= 2.0,
        )
        add(
            "sweep: one-by-one path it replaced (per 1,000 checks)",
            sweep["one_by_one_s_per_1000"],
            "s",
            None,
            "",
            "(before)",
            None,
        )
        add(
            "sweep: nothing due (p50 of 20)",
            idle["p50_ms"],
            "ms",
            idle["bare_selects_p50_ms"],
            "its SELECTs run bare",
            "<= 50 ms, index scans",
            idle["p50_ms"] <= 50 and not idle["seq_scans_on_queue_tables"],
        )
    send = results.get("send")
    if send:
        add(
            "send: SMS to fake Twilio, 4 worker processes",
            send["send"]["per_second"],
            "msg/s",
            send["noop"]["per_second"],
            "no-op task, same workers",
            "ratio >= 0.5",
            send["send"]["per_second"] / send["noop"]["per_second"] >= 0.5,
        )
        add(
            "send: check openings in chunks on the bulk queue",
            send["bulk"]["per_second"],
            "msg/s",
            send["noop"]["per_second"],
            "no-op task, same workers",
            "ratio >= 0.5",
            send["bulk"]["per_second"] / send["noop"]["per_second"] >= 0.5,
        )
        paced = send["rate_limited"]
        add(
            "send: paced at 20/s (burst 2), most in any 5 s",
            paced["max_in_any_5_seconds"],
            "msg",
            5 * paced["limit_per_second"],
            "5 s at the limit",
            "<= 5 x limit + burst",
            paced["max_in_any_5_seconds"] <= 5 * paced["limit_per_second"] + paced["burst"],
        )
        add(
            "send: paced at 20/s, most in any 1 s (arrival jitter)",
            paced["max_in_any_second"],
            "msg",
            paced["limit_per_second"],
            "the limit",
            "",
            None,
        )
        add(
            "send: paced at 20/s, achieved over the run",
            paced["achieved_per_second"],
            "msg/s",
            paced["limit_per_second"],
            "the limit",
            "<= limit",
            paced["achieved_per_second"] <= paced["limit_per_second"] * 1.02,
        )
    hook = results.get("webhook")
    if hook:
        best = {}
        for target, steps in hook["steps"].items():
            held = [
                s
                for s in steps
                if s["p99_us"] < 100_000 and not s["status_errors"] and not s.get("repeated_texts")
            ]
            best[target] = max(held, key=lambda s: s["per_second"]) if held else None
        w, n = best["webhook"], best["noop"]
        add(
            "webhook: highest rate with p99 < 100 ms",
            w and w["per_second"],
            "req/s",
            n and n["per_second"],
            "trivial view, same server",
            "ratio >= 0.5",
            bool(w and n and w["per_second"] / n["per_second"] >= 0.5),
        )
        lean = best.get("noop_webhook_stack")
        if lean:
            # The webhook skips the staff middleware (config/handlers.py); the same trivial
            # view under the webhooks' stack shows what that alone is worth.
            add(
                "webhook against a trivial view under the webhooks' middleware",
                w and w["per_second"],
                "req/s",
                lean["per_second"],
                "trivial view, webhooks' middleware",
                "",
                None,
            )
        floor = best.get("durable")
        if floor:
            # What any view that stores the text before answering costs on this machine: the
            # webhook's target measured against the work no design of it can leave out.
            add(
                "webhook floor: a view that only commits the body (one INSERT, webhooks' "
                "middleware), highest rate",
                floor["per_second"],
                "req/s",
                n and n["per_second"],
                "trivial view, same server",
                "",
                None,
            )
            add(
                "webhook against that floor",
                w and w["per_second"],
                "req/s",
                floor["per_second"],
                "view that only commits the body",
                "",
                None,
            )
        if w:
            add(
                f"webhook: p50 / p99 at that rate (c={w['connections']})",
                w["p50_us"] / 1000,
                "ms",
                n and n["p50_us"] / 1000,
                "trivial view p50",
                f"p99 {w['p99_us'] / 1000:.0f} ms",
                None,
            )
        processing = hook.get("processing")
        if processing:
            noop = (results.get("send") or {}).get("noop")
            add(
                f"webhook: stored texts processed by 4 workers ({processing['posted_with_200']:,}"
                f" posted, {processing['stored']:,} distinct stored)",
                processing["per_second"],
                "texts/s",
                noop and noop["per_second"],
                "no-op task, same workers",
                "",
                None,
            )
    burst = results.get("redflag_burst")
    if burst and burst["flags"]:
        add(
            f"red flag to page during the burst p99 ({burst['paged']}/{burst['flags']} paged, "
            f"{burst['backlog_min']:,}-{burst['backlog_max']:,} texts waiting)",
            burst["p99_s"],
            "s",
            (results.get("redflag") or {}).get("p99_s"),
            "the same on a settled system",
            "< 5 s",
            burst["p99_s"] is not None and burst["p99_s"] < 5 and burst["paged"] == burst["flags"],
        )
    flag = results.get("redflag")
    if flag:
        add(
            f"red flag to page p99 ({flag['paged']}/{flag['flags']} paged, beat "
            f"{flag['beat_interval_s']}s)",
            flag["p99_s"],
            "s",
            flag["baseline_p99_s"],
            "view queuing 1 text, p99",
            "< 5 s",
            flag["p99_s"] is not None and flag["p99_s"] < 5 and flag["paged"] == flag["flags"],
        )
        add(
            "red flag to page p50",
            flag["p50_s"],
            "s",
            flag["baseline_p50_s"],
            "view queuing 1 text, p50",
            "",
            None,
        )
        if flag.get("safety_p99_s") is not None:
            add(
                f"red flag: patient's safety text p99 ({flag['safety_texts']}/{flag['flags']})",
                flag["safety_p99_s"],
                "s",
                flag["baseline_p99_s"],
                "view queuing 1 text, p99",
                "",
                None,
            )
    pages = results.get("pages")
    if pages:
        for name in ("triage_queue", "patient_timeline", "cohort_dashboard"):
            page = pages[name]
            constant = page["queries"] == page["queries_smaller_input"]
            add(
                f"page: {name.replace('_', ' ')} p95 ({page['queries']} queries"
                f"{', constant' if constant else ', NOT constant'})",
                page["p95_ms"],
                "ms",
                pages["noop"]["p95_ms"],
                "trivial view p95",
                "< 300 ms",
                page["p95_ms"] < 300 and constant,
            )
    memory = results.get("memory")
    if memory:
        add(
            "memory: web (gunicorn, 2 workers) under load",
            memory["web_load_mb"],
            "MiB",
            memory["web_rest_mb"],
            "at rest",
            "",
            None,
        )
        add(
            "memory: Celery (4 processes) under load",
            memory["worker_load_mb"],
            "MiB",
            memory["worker_rest_mb"],
            "at rest",
            "",
            None,
        )
    return rows


def print_table(rows: list[dict]) -> None:
    print(f"{'figure':<62} {'value':>10} {'baseline':>10} {'ratio':>7}  target / ok")
    for row in rows:
        value = "-" if row["value"] is None else f"{row['value']:g}"
        base = "-" if row["baseline"] is None else f"{row['baseline']:g}"
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:g}"
        ok = {True: "ok", False: "MISSED", None: ""}[row["pass"]]
        print(
            f"{row['figure'][:62]:<62} {value:>7} {row['unit']:<3}{base:>9} {ratio:>7}  "
            f"{row['target']} {ok}"
        )
        if row["baseline_is"]:
            print(f"{'':<62} {'':>10} ({row['baseline_is']})")
