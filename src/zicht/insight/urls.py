from django.urls import path

from zicht.insight import views

app_name = "insight"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tabellen/<slug:table>.csv", views.table_csv, name="table-csv"),
    path("grafieken/<slug:chart>.svg", views.chart_svg, name="chart-svg"),
    path("rapporten/", views.report_list, name="report-list"),
    path("rapporten/nieuw/", views.report_create, name="report-create"),
    path("rapporten/<int:report_id>/", views.report_detail, name="report-detail"),
    path("rapporten/<int:report_id>/bewerken/", views.report_edit, name="report-edit"),
    path(
        "rapporten/<int:report_id>/versies/<int:number>/",
        views.report_version,
        name="report-version",
    ),
    path("rapporten/<int:report_id>/status/", views.report_transition, name="report-transition"),
    path("rapporten/<int:report_id>/fenomeenbeeld.pdf", views.report_pdf, name="report-pdf"),
    path("rapporten/<int:report_id>/fenomeenbeeld.html", views.report_html, name="report-html"),
]
