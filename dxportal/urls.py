from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView

from indicators import workspace

from .health import healthz


@extend_schema(exclude=True)
class ApiNotFound(APIView):
    """Answer any path under /api/ that no route matches with the one JSON error shape, whatever the method."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = []

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound()

    options = http_method_not_allowed


api_v1 = [
    path("", include("departments.api.urls")),
    path("", include("regimes.api.urls")),
    path("", include("indicators.api.urls")),
    path("", include("procedures.api.urls")),
    path("", include("reports.api.urls")),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("workspace/", workspace.entry, name="workspace-entry"),
    path("workspace/review/", workspace.review, name="workspace-review"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's init script as a file, so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Last of the /api/ routes: an unknown path there is a JSON 404, never Django's HTML page. Only paths
    # ending in a slash, so that APPEND_SLASH still redirects /api/v1/units to /api/v1/units/.
    re_path(r"^api/(?:.*/)?$", ApiNotFound.as_view(), name="api-not-found"),
    path("", include("reports.urls")),
]
