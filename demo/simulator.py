"""Demo only: a patient's phone in the browser, and the demo clock.

Replies typed here are signed with the Twilio auth token and handed to the real inbound webhook view,
so they take exactly the path a Twilio webhook takes (signature check included). Every view answers
404 unless ``DEMO_MODE`` is on; production settings switch it off.
"""

from __future__ import annotations

import datetime as dt
import uuid
from itertools import chain
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.test.client import RequestFactory
from django.urls import reverse
from django.views.decorators.http import require_POST

from followup import clock
from followup.dispatch import dispatch_due
from notifications.inbound import inbound_process_in_order
from notifications.models import InboundMessage, OutboundMessage
from notifications.twilio_signature import twilio_signature
from notifications.webhook_guard import FORM
from notifications.webhooks import twilio_sms
from patients.models import ClinicMembership, Patient

from .access import demo_next_url, demo_staff_required
from .clock_walk import clock_walk

ADVANCES = {"1d": dt.timedelta(days=1), "2w": dt.timedelta(weeks=2), "3m": dt.timedelta(days=91)}


def _demo_only() -> None:
    if not getattr(settings, "DEMO_MODE", False):
        raise Http404("The simulator exists only in the demo")


@demo_staff_required
def phones(request: HttpRequest) -> HttpResponse:
    _demo_only()
    patients = (
        Patient.objects.exclude(phone="")
        .select_related("clinic")
        .order_by("last_name", "first_name")[:200]
    )
    clinicians = ClinicMembership.objects.exclude(page_phone="").select_related("user", "clinic")
    return render(
        request,
        "notifications/simulator/phones.html",
        {"patients": patients, "clinicians": clinicians, "now": clock.now(), "advances": ADVANCES},
    )


@demo_staff_required
def thread(request: HttpRequest, phone: str) -> HttpResponse:
    _demo_only()
    outbound = OutboundMessage.objects.filter(channel="sms", to=phone).exclude(status="cancelled")
    inbound = InboundMessage.objects.filter(from_number=phone)
    messages = sorted(
        chain(
            (
                {"at": m.created_at, "mine": False, "body": m.body, "status": m.status}
                for m in outbound
            ),
            ({"at": m.received_at, "mine": True, "body": m.body, "status": ""} for m in inbound),
        ),
        key=lambda m: m["at"],
    )
    who = (
        Patient.objects.filter(phone=phone).first()
        or ClinicMembership.objects.filter(page_phone=phone).first()
    )
    return render(
        request,
        "notifications/simulator/thread.html",
        {"phone": phone, "thread": messages, "who": who, "now": clock.now()},
    )


@demo_staff_required
@require_POST
def reply(request: HttpRequest, phone: str) -> HttpResponse:
    _demo_only()
    body = request.POST.get("body", "")[:1600]
    sid = f"SMsim{uuid.uuid4().hex}"
    response = webhook_simulate_inbound(from_number=phone, body=body, sid=sid)
    if response.status_code != 200:
        # Say so rather than drop the reply: usually TWILIO_AUTH_TOKEN is not set.
        return HttpResponse(
            f"The webhook refused the simulated text ({response.status_code}). "
            "Is TWILIO_AUTH_TOKEN set for the demo?",
            status=502,
            content_type="text/plain",
        )
    # The worker would process the text a moment later; doing it here shows the answer on the
    # page this redirect opens. The worker's task then finds it processed.
    stored = InboundMessage.objects.filter(message_sid=sid).values_list("pk", flat=True).first()
    if stored is not None:
        inbound_process_in_order(inbound_id=stored)
    return redirect(reverse("simulator:thread", args=[phone]) + "#end")


def webhook_simulate_inbound(*, from_number: str, body: str, sid: str = "") -> HttpResponse:
    """Sign a Twilio-shaped inbound request and hand it to the real webhook view."""
    path = reverse("webhooks:twilio-sms")
    params = {
        "MessageSid": sid or f"SMsim{uuid.uuid4().hex}",
        "AccountSid": settings.TWILIO_ACCOUNT_SID or "ACdemo",
        "From": from_number,
        "To": settings.TWILIO_FROM_NUMBER or "+15005550006",
        "Body": body,
        "NumMedia": "0",
    }
    signature = twilio_signature(f"{settings.PUBLIC_BASE_URL}{path}", params)
    request = RequestFactory().post(
        path, urlencode(params), content_type=FORM, HTTP_X_TWILIO_SIGNATURE=signature
    )
    return twilio_sms(request)


@demo_staff_required
@require_POST
def advance_clock(request: HttpRequest) -> HttpResponse:
    _demo_only()
    step = ADVANCES.get(request.POST.get("by", ""))
    if step is not None:
        # Day by day (in sweep-sized steps): the checks on the way are sent, not skipped.
        clock_walk(step)
    else:
        dispatch_due(now=clock.now())
    return redirect(demo_next_url(request, reverse("simulator:phones")))
