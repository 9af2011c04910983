"""The site's URLs plus an admin site whose PHI admins carry AuditedAdminMixin, as the coordinator
will wire them into the real admin (tests/patients/test_admin_audit.py)."""

from django.contrib import admin
from django.urls import include, path

from followup.admin import AnswerAdmin, EnrollmentAdmin
from followup.models import Answer, Enrollment
from patients.admin import PatientAdmin
from patients.admin_audit import AuditedAdminMixin
from patients.models import Patient

audited_site = admin.AdminSite(name="audited")


class AuditedPatientAdmin(AuditedAdminMixin, PatientAdmin):
    pass


class AuditedEnrollmentAdmin(AuditedAdminMixin, EnrollmentAdmin):
    pass


class AuditedAnswerAdmin(AuditedAdminMixin, AnswerAdmin):
    audit_patient_lookup = "checkpoint__enrollment__patient_id"


audited_site.register(Patient, AuditedPatientAdmin)
audited_site.register(Enrollment, AuditedEnrollmentAdmin)
audited_site.register(Answer, AuditedAnswerAdmin)

urlpatterns = [
    path("audited-admin/", audited_site.urls),
    path("", include("config.urls")),
]
