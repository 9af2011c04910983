"""One error shape for the API: DRF's, with Django validation errors mapped to 400."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, RecursionError):
        # Thousands of nested brackets exhaust the JSON parser's stack: malformed input, not a crash.
        exc = exceptions.ParseError("JSON parse error - nested too deeply")
    return drf_exception_handler(exc, context)
