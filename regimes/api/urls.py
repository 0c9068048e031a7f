from rest_framework.routers import DefaultRouter

from .views import RegimeViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("regimes", RegimeViewSet, basename="regime")

urlpatterns = router.urls
