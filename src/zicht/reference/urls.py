from django.urls import path

from zicht.reference import views

app_name = "reference"

urlpatterns = [
    path("", views.region_list, name="region-list"),
    path("<slug:code>/", views.region_detail, name="region-detail"),
]
