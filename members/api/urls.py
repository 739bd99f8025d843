from rest_framework.routers import SimpleRouter

from .agreements import AgreementViewSet
from .organizations import OrganizationViewSet

router = SimpleRouter()
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("agreements", AgreementViewSet, basename="agreement")

urlpatterns = router.urls
