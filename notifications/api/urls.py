from rest_framework.routers import SimpleRouter

from .webhook_endpoints import WebhookEndpointViewSet

router = SimpleRouter()
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")

urlpatterns = router.urls
