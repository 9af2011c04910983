"""Health, readiness, metrics and the test-page pages."""

from __future__ import annotations

import hmac
import ipaddress
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from patients.audit import client_ip
from patients.models import Clinic

from .alerts import alerts_notice
from .health import readiness
from .metrics import metrics_text
from .models import TestPage
from .roster import oncall_gaps
from .testpage import may_send_test_page, testpage_acknowledge, testpage_report, testpage_send

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def health_live(request: HttpRequest) -> JsonResponse:
    """The process answers: nothing else is touched (a load balancer's liveness probe)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def health_ready(request: HttpRequest) -> JsonResponse:
    ready, report = readiness()
    if report["checks"]["database"]["ok"]:
        try:
            alerts_notice()  # this probe polls every few seconds: it notices a late sweep first
        except Exception:  # noqa: BLE001 - the probe must answer whatever happens
            logger.exception("readiness: alert check failed")
    return JsonResponse(report, status=200 if ready else 503)


def _metrics_allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:], token):
        return True
    networks = settings.METRICS_ALLOWED_NETWORKS
    if networks:
        try:
            address = ipaddress.ip_address(client_ip(request))
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(net, strict=False) for net in networks)
    return False


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _metrics_allowed(request):
        # 404, not 401: the endpoint is not advertised to whoever finds the host.
        raise Http404
    return HttpResponse(metrics_text(), content_type="text/plain; version=0.0.4; charset=utf-8")


def _admin_clinic(request: HttpRequest, slug: str) -> Clinic:
    clinic = get_object_or_404(Clinic, slug=slug)
    if not may_send_test_page(user=request.user, clinic=clinic):
        raise PermissionDenied("Only the clinic's admins may send test pages.")
    return clinic


@login_required
@require_http_methods(["GET", "POST"])
def test_page_start(request: HttpRequest, slug: str) -> HttpResponse:
    clinic = _admin_clinic(request, slug)
    if request.method == "POST":
        test_page = testpage_send(clinic=clinic, user=request.user)
        return redirect("monitoring-test-page", slug=clinic.slug, pk=test_page.pk)
    from django.utils import timezone

    gaps = oncall_gaps(clinic=clinic, now=timezone.now())
    recent = TestPage.objects.filter(clinic=clinic).order_by("-created_at")[:10]
    return render(
        request,
        "monitoring/test_page_start.html",
        {"clinic": clinic, "gaps": gaps, "recent": recent},
    )


@login_required
@require_GET
def test_page_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    clinic = _admin_clinic(request, slug)
    test_page = get_object_or_404(TestPage, pk=pk, clinic=clinic)
    return render(
        request,
        "monitoring/test_page_report.html",
        {"clinic": clinic, "test_page": test_page, "report": testpage_report(test_page=test_page)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def test_page_ack(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (a link preview must not acknowledge); POST records it."""
    from .models import TestPageDelivery

    delivery = (
        TestPageDelivery.objects.filter(token=token).select_related("test_page__clinic").first()
    )
    if delivery is None:
        raise Http404
    if delivery.recipient_id != request.user.pk:
        raise PermissionDenied("This test page was sent to someone else.")
    if request.method == "POST":
        delivery = testpage_acknowledge(token=token, user=request.user)
    return render(request, "monitoring/test_page_ack.html", {"delivery": delivery})
