from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import FrameworkViewSet, IndicatorValueViewSet, IndicatorViewSet, ProgressView, TargetViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("frameworks", FrameworkViewSet, basename="framework")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("targets", TargetViewSet, basename="target")
router.register("indicator-values", IndicatorValueViewSet, basename="indicator-value")

urlpatterns = [path("progress/", ProgressView.as_view(), name="progress"), *router.urls]
