"""Stable ids for one export: UUIDs derived from the installation's base URL, so the same row
exports under the same id every time (a receiving server can update instead of duplicating)."""

from __future__ import annotations

import uuid


class FhirIds:
    def __init__(self, base: str) -> None:
        self.base = base
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, base)

    def uuid(self, kind: str, key: object) -> str:
        return str(uuid.uuid5(self.namespace, f"{kind}/{key}"))

    def ref(self, kind: str, key: object) -> dict:
        return {"reference": f"urn:uuid:{self.uuid(kind, key)}"}

    def system(self, name: str) -> str:
        return f"{self.base}/fhir/{name}"


__all__ = ["FhirIds"]
