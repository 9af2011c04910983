"""Writing rows with PostgreSQL ``COPY`` in chunks, ids assigned here; progress on stderr."""

from __future__ import annotations

import json
import sys
import time

from django.db import connection, models

from .spec import BenchDataError


class Progress:
    """A one-line progress bar on stderr (stdout stays for the JSON summary)."""

    def __init__(self, total: int, label: str, stream=None) -> None:
        self.total = max(total, 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.done = 0

    def advance(self, count: int) -> None:
        self.done += count
        share = min(self.done / self.total, 1.0)
        bar = "#" * int(share * 30)
        elapsed = time.monotonic() - self.started
        self.stream.write(
            f"\r{self.label} [{bar:<30}] {share:6.1%} {self.done:,}/{self.total:,} {elapsed:5.0f}s"
        )
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


class Copier:
    """Rows of one model, written with COPY. Values by field name; defaults filled in."""

    def __init__(self, model: type[models.Model], start_id: int) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        self.names = [f.attname for f in self.fields]
        self.json = {f.attname for f in self.fields if isinstance(f, models.JSONField)}
        self.defaults = {}
        for field in self.fields:
            if field.has_default() and not callable(field.default):
                self.defaults[field.attname] = field.get_default()
            elif field.has_default() and field.default in (list, dict):
                self.defaults[field.attname] = field.default()
            elif field.null:
                self.defaults[field.attname] = None
            elif isinstance(field, (models.CharField, models.TextField)) and field.blank:
                self.defaults[field.attname] = ""
        self.rows: list[tuple] = []
        self.next_id = start_id
        self.written = 0

    def new_id(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value

    def add(self, **values) -> int:
        if "id" not in values:
            values["id"] = self.new_id()
        row = []
        for name in self.names:
            if name in values:
                value = values[name]
            elif name in self.defaults:
                value = self.defaults[name]
            else:
                raise BenchDataError(f"{self.model.__name__}.{name} needs a value")
            if name in self.json and value is not None:
                value = json.dumps(value)
            row.append(value)
        self.rows.append(tuple(row))
        return values["id"]

    def flush(self, cursor) -> None:
        if not self.rows:
            return
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        table = connection.ops.quote_name(self.model._meta.db_table)
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in self.rows:
                copy.write_row(row)
        self.written += len(self.rows)
        self.rows = []

    def fix_sequence(self, cursor) -> None:
        table = self.model._meta.db_table
        quoted = connection.ops.quote_name(table)  # the model's own table name
        sql = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST((SELECT max(id) FROM {quoted}), 1))"  # noqa: S608, E501
        cursor.execute(sql, [table])


def max_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1
