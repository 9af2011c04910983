"""Pure helpers behind the physician outcome pages: no database, no Django settings.

- ``mcid``       change from baseline, MCID and responder rules (DOMAIN.md thresholds)
- ``stats``      Student t and normal quantiles, confidence intervals, half-up rounding
- ``literature`` published complication ranges per procedure, with their sources
- ``svg``        server-side SVG charts (offline, no JavaScript)
- ``timeline``   checkpoint ordering and labels taken from the shipped protocols

The database queries live in ``followup.selectors.outcomes``; they build their SQL conditions from
the same threshold constants so the dashboard, the patient page and the exports agree.
"""
