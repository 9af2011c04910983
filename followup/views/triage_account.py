"""Optional TOTP two-factor sign-in for staff (django-otp): set up, verify, turn off.

A user with a confirmed device is held at the verify step after their password by
:class:`patients.permissions.StaffSessionMiddleware`; with ``STAFF_REQUIRE_2FA`` a user without
one is sent to set it up.
"""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.audit import audit_record
from patients.models import AuditAction

DEVICE_NAME = "Authenticator app"


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/queue/"


def _token(request: HttpRequest) -> str:
    return "".join(ch for ch in request.POST.get("token", "") if ch.isdigit())


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


@require_http_methods(["GET", "POST"])
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    enabled = user_has_device(user)
    if enabled and not user.is_verified():
        return redirect(f"/accounts/two-factor/verify/?next={request.path}")
    error = ""
    if request.method == "POST" and request.POST.get("action") == "disable" and enabled:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None and device.verify_token(_token(request)):
            TOTPDevice.objects.filter(user=user).delete()
            audit_record(action=AuditAction.TWO_FACTOR, request=request, detail={"enabled": False})
            messages.success(request, "Two-factor sign-in is off.")
            return redirect("triage-two-factor")
        error = "That code is not valid. Enter the current 6-digit code from your app."
    pending = None
    if not enabled:
        pending, _ = TOTPDevice.objects.get_or_create(
            user=user, confirmed=False, defaults={"name": DEVICE_NAME}
        )
        if request.method == "POST" and request.POST.get("action") == "enable":
            if pending.verify_token(_token(request)):
                pending.confirmed = True
                pending.save(update_fields=["confirmed"])
                otp_login(request, pending)
                audit_record(
                    action=AuditAction.TWO_FACTOR, request=request, detail={"enabled": True}
                )
                messages.success(
                    request,
                    "Two-factor sign-in is on: you will be asked for a code after your password.",
                )
                return redirect(_next(request))
            error = "That code is not valid. Check the phone's clock and enter the current code."
    context = {
        "enabled": enabled,
        "error": error,
        "next": _next(request),
        "qr_svg": _qr_svg(pending.config_url) if pending else "",
        "secret": _base32(pending) if pending else "",
    }
    return render(
        request, "followup/triage/two_factor_setup.html", context, status=400 if error else 200
    )


def _base32(device: TOTPDevice) -> str:
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@require_http_methods(["GET", "POST"])
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_verified() or not user_has_device(user):
        return redirect(_next(request))
    error = ""
    if request.method == "POST":
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None and device.verify_token(_token(request)):
            otp_login(request, device)
            return redirect(_next(request))
        audit_record(
            action=AuditAction.LOGIN_FAILED, request=request, detail={"step": "two_factor"}
        )
        error = (
            "That code is not valid. Enter the current 6-digit code from your authenticator app."
        )
    return render(
        request,
        "followup/triage/two_factor_verify.html",
        {"error": error, "next": _next(request)},
        status=400 if error else 200,
    )
