from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import Decision766View, DossierViewSet, Official766ImportView, ProcedureStatsView, ProcedureViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("procedures", ProcedureViewSet, basename="procedure")
router.register("dossiers", DossierViewSet, basename="dossier")

urlpatterns = [
    path("procedure-stats/", ProcedureStatsView.as_view(), name="procedure-stats"),
    path("procedure-stats/decision-766/", Decision766View.as_view(), name="procedure-stats-decision-766"),
    path("procedure-stats/decision-766/official/import/", Official766ImportView.as_view(),
         name="procedure-stats-decision-766-official-import"),
    *router.urls,
]
