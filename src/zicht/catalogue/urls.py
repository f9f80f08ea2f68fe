from django.urls import path

from zicht.catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.index, name="index"),
    path("vormen/", views.form_list, name="forms"),
    path("indicatoren/", views.indicator_list, name="indicators"),
    path("sectoren/", views.sector_list, name="sectors"),
    path("routestappen/", views.route_step_list, name="route-steps"),
]
