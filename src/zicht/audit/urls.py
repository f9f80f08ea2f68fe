from django.urls import path

from zicht.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.entry_list, name="entry-list"),
    path("export.csv", views.entry_export, name="entry-export"),
]
