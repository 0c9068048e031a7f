from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import MeView, UnitViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("units", UnitViewSet, basename="unit")

urlpatterns = [path("me/", MeView.as_view(), name="me"), *router.urls]
