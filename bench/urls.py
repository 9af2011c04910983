"""The application's URLs plus the baselines: a trivial view (under the site's middleware, and
again under the webhooks' shorter stack, config/handlers.py), a view that only commits the posted
body (under the webhooks' stack, as the webhook runs), and a view that queues one SMS."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def noop(request: HttpRequest) -> HttpResponse:
    """The cheapest Django answer under the same server, middleware and settings."""
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
def durable(request: HttpRequest) -> HttpResponse:
    """The floor of "store, then answer": the posted body committed in one INSERT before the
    answer, and nothing else (no signature, no parsing, no queue, no model). bench/run.py
    creates the table before the server starts."""
    # As the webhook does (notifications.inbound.inbound_store): no health-check round trip.
    connection.health_check_done = True
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_durable_floor (body) VALUES (%s) RETURNING id",
            [request.body.decode("utf-8", "replace")],
        )
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
def ping_sms(request: HttpRequest) -> HttpResponse:
    """Queue one SMS to the fake Twilio straight away: the floor of "request in, text out"."""
    from .tasks import ping_sms_task

    ping_sms_task.delay(request.GET.get("to", "+15005550001"), request.GET.get("body", "ping"))
    return HttpResponse("queued", content_type="text/plain")


urlpatterns = [
    path("bench/noop/", noop),
    # Under WEBHOOK_PATH_PREFIX: served with the webhooks' middleware, like the webhook.
    path("webhooks/bench/noop/", noop),
    path("webhooks/bench/durable/", durable),
    path("bench/ping-sms/", ping_sms),
    path("", include("config.urls")),
]
