"""One-statement writes for the message tables' hot paths (PostgreSQL and SQLite both run them).

``get_or_create`` costs four statements when the row is new (SELECT, SAVEPOINT, INSERT, RELEASE),
and every webhook text and outbound message is new: ``insert_once`` is one
``INSERT … ON CONFLICT (…) DO NOTHING RETURNING *``.
"""

from __future__ import annotations

import functools

from django.db import connection
from django.db.models import Model
from django.utils import timezone


def insert_once(model: type[Model], *, conflict: str, values: dict) -> Model | None:
    """Insert a ``model`` row built from ``values`` (field defaults and ``auto_now`` applied as
    ``save()`` would) unless a row with the same ``conflict`` field exists. Returns the new row,
    or None when it existed (the caller fetches it if it needs it)."""
    sql, params = _insert_once_sql(model, conflict, values, returning="*")
    rows = list(model.objects.raw(sql, params))
    return rows[0] if rows else None


def insert_once_pk(model: type[Model], *, conflict: str, values: dict) -> int | None:
    """``insert_once`` for a caller that needs only the new row's id (None when it existed).

    The webhook's path, so it builds no model instance, either way: ``values`` are keyed by
    column attribute (``patient_id``, not ``patient``), fields left out get their default
    (``auto_now``/``auto_now_add`` the current time), and on PostgreSQL the values travel
    bound by the server instead of being quoted into the statement by the client."""
    fields, sql, attnames = _insert_once_statement(model, conflict, "pk", connection.vendor)
    unknown = values.keys() - attnames
    if unknown:
        raise TypeError(f"{model.__name__} has no column attribute {sorted(unknown)!r}")
    now = None
    params = []
    for field in fields:
        if field.attname in values:
            value = values[field.attname]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now = now or timezone.now()
        else:
            value = field.get_default()
        params.append(field.get_db_prep_save(value, connection=connection))
    with _server_binding_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def _server_binding_cursor():
    """A cursor whose parameters PostgreSQL binds (Django's own cursors quote them into the
    statement on the client, a third of a small insert's CPU). Unnamed statements only: safe
    behind a transaction-pooling PgBouncer. Other databases get the usual cursor."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    with connection.wrap_database_errors:
        # _prepare_cursor wraps it the way connection.cursor() does (query logging, execute
        # wrappers, Django's exception classes).
        return connection._prepare_cursor(ServerBindingCursor(connection.connection))


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _insert_once_sql(
    model: type[Model], conflict: str, values: dict, *, returning: str
) -> tuple[str, list]:
    instance = model(**values)
    fields, sql, _ = _insert_once_statement(model, conflict, returning, connection.vendor)
    params = [
        field.get_db_prep_save(field.pre_save(instance, add=True), connection=connection)
        for field in fields
    ]
    return sql, params


@functools.lru_cache(maxsize=32)
def _insert_once_statement(
    model: type[Model], conflict: str, returning: str, vendor: str
) -> tuple[list, str, frozenset]:
    """The statement for a model is the same every time: built once per process (a fifth of
    the webhook's own time went to quoting names)."""
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    if returning == "pk":
        returning = quote(meta.pk.column)
    # Names come from the model's meta; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT ({quote(meta.get_field(conflict).column)}) DO NOTHING RETURNING {returning}"
    )
    return fields, sql, frozenset(field.attname for field in fields)


def claim(
    model: type[Model],
    *,
    pk: int,
    status: tuple[str, str],
    values: dict | None = None,
    due_field: str = "",
    due_by=None,
) -> Model | None:
    """Move row ``pk`` from ``status[0]`` to ``status[1]`` (setting ``values`` and adding one to
    ``attempts``), only if it is in ``status[0]`` (and ``due_field`` <= ``due_by``, if given);
    return the claimed row, or None if another caller has it. One ``UPDATE … RETURNING *``: the
    claim and the read of the row in a single round trip."""
    rows = claim_many(
        model, pks=[pk], status=status, values=values, due_field=due_field, due_by=due_by
    )
    return rows[0] if rows else None


def claim_many(
    model: type[Model],
    *,
    pks: list[int],
    status: tuple[str, str],
    values: dict | None = None,
    due_field: str = "",
    due_by=None,
) -> list[Model]:
    """``claim`` for several rows in one statement: the ones this caller got, in no set order."""
    if not pks:
        return []
    sql, params = claim_sql(
        model, pks=pks, status=status, values=values, due_field=due_field, due_by=due_by
    )
    return list(model.objects.raw(sql, params))


def claim_sql(
    model: type[Model],
    *,
    pks: list[int],
    status: tuple[str, str],
    values: dict | None = None,
    due_field: str = "",
    due_by=None,
) -> tuple[str, list]:
    """The statement ``claim_many`` runs (separate so a test can look at its plan)."""
    meta = model._meta
    quote = connection.ops.quote_name
    column = {field.name: quote(field.column) for field in meta.concrete_fields}
    sets = [(column["status"], status[1])] + [
        (column[name], meta.get_field(name).get_db_prep_save(value, connection=connection))
        for name, value in (values or {}).items()
    ]
    due = ""
    if due_field:
        due = f" AND {column[due_field]} <= %s"
    # The rows are found by primary key, always: "status = 'pending'" let PostgreSQL read the
    # pending rows' partial index instead, with statistics older than a burst (0.6 ms a claim
    # with 9,000 waiting, against 0.06). IS NOT DISTINCT FROM, as notifications/lookups.py says.
    # Names come from the model's meta; every value is a parameter.
    sql = (
        f"UPDATE {quote(meta.db_table)} SET "  # noqa: S608
        + ", ".join(f"{name} = %s" for name, _ in sets)
        + f", {column['attempts']} = {column['attempts']} + 1"
        + f" WHERE {quote(meta.pk.column)} IN ({', '.join(['%s'] * len(pks))})"
        + f" AND {column['status']} IS NOT DISTINCT FROM %s"
        + due
        + " RETURNING *"
    )
    params = [value for _, value in sets] + [int(pk) for pk in pks] + [status[0]]
    if due_field:
        params.append(meta.get_field(due_field).get_db_prep_save(due_by, connection=connection))
    return sql, params
