"""Staff triage workspace URLs (queue, patient timeline, worklists, enrollment form, audit)."""

from django.urls import path

from . import triage, triage_account, triage_audit, triage_enroll, triage_labels, triage_worklists

urlpatterns = [
    path("", triage.home, name="triage-home"),
    path("queue/", triage.queue, name="triage-queue"),
    path("queue/rows/", triage.queue_rows, name="triage-queue-rows"),
    # The link in a clinician page (followup.services.escalations.escalation_link): keep it short.
    path("t/e/<int:pk>/", triage.escalation_detail, name="triage-escalation"),
    path(
        "escalations/<int:pk>/acknowledge/",
        triage.escalation_acknowledge_view,
        name="triage-acknowledge",
    ),
    path("escalations/<int:pk>/assign/", triage.escalation_assign_view, name="triage-assign"),
    path("escalations/<int:pk>/note/", triage.escalation_note_view, name="triage-note"),
    path("escalations/<int:pk>/resolve/", triage.escalation_resolve_view, name="triage-resolve"),
    path("patients/", triage.patient_search, name="triage-patient-search"),
    path("patients/<int:pk>/", triage.patient_detail, name="triage-patient"),
    path(
        "patients/<int:pk>/texts/<int:inbound_id>/label/",
        triage_labels.text_label_view,
        name="triage-text-label",
    ),
    path("worklists/", triage_worklists.worklists_home, name="triage-worklists"),
    path("worklists/<slug:worklist>/", triage_worklists.worklist, name="triage-worklist"),
    path(
        "worklists/<slug:worklist>/call/",
        triage_worklists.worklist_call,
        name="triage-worklist-call",
    ),
    path(
        "worklists/<slug:worklist>/export.csv",
        triage_worklists.worklist_export,
        name="triage-worklist-export",
    ),
    path("enroll/", triage_enroll.enroll, name="triage-enroll"),
    path("enroll/preview/", triage_enroll.enroll_preview, name="triage-enroll-preview"),
    path("audit/", triage_audit.audit_log, name="triage-audit"),
    path("audit/export.csv", triage_audit.audit_export, name="triage-audit-export"),
    path("accounts/two-factor/", triage_account.two_factor_setup, name="triage-two-factor"),
    path(
        "accounts/two-factor/verify/",
        triage_account.two_factor_verify,
        name="triage-two-factor-verify",
    ),
]
