"""The dashboard (people of the portal, through the admin's login) and the public open-data page."""

from django.contrib import admin
from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("dashboard/", admin.site.admin_view(views.dashboard), name="dashboard"),
    path("public/", views.public_page, name="public"),
    path("public/data.csv", views.public_csv, name="public-csv"),
    path("public/data.json", views.public_json, name="public-json"),
]
