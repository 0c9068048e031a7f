from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from indicators import workspace

from .health import healthz

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
    path("", include("reports.urls")),
]
