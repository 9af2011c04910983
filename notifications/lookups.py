"""``status__same=value``: equality that PostgreSQL does not answer from a partial index.

The outbox and the inbound log have partial indexes on their status (the pending rows, the
unprocessed texts), there for the sweeps that want every such row. A query that wants a few rows
found some other way (by id, by check, by patient) and also says ``status = 'pending'`` lets the
planner read the partial index instead, and it does when its statistics predate a burst and call
that index nearly empty: it then filters every waiting row to find its few (1 ms a query with
10,000 pending, more as the burst grows). ``IS NOT DISTINCT FROM`` means the same for a NOT NULL
column and implies no index condition, so the rows are found the way the rest of the query says.
"""

from __future__ import annotations

from django.db.models import Lookup


class Same(Lookup):
    lookup_name = "same"

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        # PostgreSQL, and SQLite from 3.39 (the demo's), both know the operator.
        return f"{lhs} IS NOT DISTINCT FROM {rhs}", [*lhs_params, *rhs_params]
