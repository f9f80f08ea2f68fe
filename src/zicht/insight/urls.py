from django.urls import path

from zicht.insight import views

app_name = "insight"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tabellen/<slug:table>.csv", views.table_csv, name="table-csv"),
    path("grafieken/<slug:chart>.svg", views.chart_svg, name="chart-svg"),
]
