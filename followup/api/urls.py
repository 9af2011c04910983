from rest_framework.routers import DefaultRouter

from .escalations import EscalationViewSet
from .views import EnrollmentViewSet

router = DefaultRouter()
router.register("enrollments", EnrollmentViewSet, basename="enrollment")
router.register("escalations", EscalationViewSet, basename="escalation")

urlpatterns = router.urls
