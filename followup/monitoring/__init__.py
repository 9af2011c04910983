"""Knowing when the safety net is down (issue 22): the sweep's heartbeat, health and readiness
endpoints, Prometheus metrics, staff banners and admin emails for a late sweep or sends that cannot
go out, the on-call coverage check and test pages.

A Django app of its own (label ``monitoring``) inside ``followup``: it reads the state of
``followup`` and ``notifications`` and may import both; neither imports it. Its facts are computed
from rows (heartbeat, outbox, inbound log, pages, rosters), not from hooks in the code paths.
"""
