from rest_framework.routers import SimpleRouter

from .sources import TaxiiSourceViewSet

router = SimpleRouter()
router.register("taxii-sources", TaxiiSourceViewSet, basename="taxii-source")

urlpatterns = router.urls
