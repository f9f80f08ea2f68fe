from django.urls import path

from zicht.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("nieuw/", views.case_create, name="case-create"),
    path("toegangsverzoeken/", views.access_request_list, name="access-request-list"),
    path(
        "toegangsverzoeken/<int:request_id>/besluit/",
        views.access_request_decide,
        name="access-request-decide",
    ),
    path("notificaties/", views.notification_list, name="notification-list"),
    path("notificaties/gelezen/", views.notification_read_all, name="notification-read-all"),
    path(
        "notificaties/instellingen/",
        views.notification_preferences,
        name="notification-preferences",
    ),
    path(
        "notificaties/<int:notification_id>/openen/",
        views.notification_open,
        name="notification-open",
    ),
    path("<int:case_id>/", views.case_detail, name="case-detail"),
    path("<int:case_id>/wijzigen/", views.case_edit, name="case-edit"),
    path("<int:case_id>/fase/", views.case_transition, name="case-transition"),
    path("<int:case_id>/heropenen/", views.case_reopen, name="case-reopen"),
    path("<int:case_id>/partners/", views.participant_add, name="participant-add"),
    path(
        "<int:case_id>/partners/<int:participant_id>/beeindigen/",
        views.participant_end,
        name="participant-end",
    ),
    path("<int:case_id>/betrokkenen/", views.subject_add, name="subject-add"),
    path("<int:case_id>/signalen/", views.signal_link, name="signal-link"),
    path("<int:case_id>/interventies/nieuw/", views.intervention_add, name="intervention-add"),
    path(
        "<int:case_id>/interventies/<int:intervention_id>/",
        views.intervention_edit,
        name="intervention-edit",
    ),
    path("<int:case_id>/taken/", views.task_add, name="task-add"),
    path("<int:case_id>/taken/<int:task_id>/status/", views.task_status, name="task-status"),
    path("<int:case_id>/overleggen/nieuw/", views.meeting_add, name="meeting-add"),
    path("<int:case_id>/documenten/", views.document_add, name="document-add"),
    path(
        "<int:case_id>/documenten/<int:document_id>/",
        views.document_download,
        name="document-download",
    ),
    path(
        "<int:case_id>/documenten/<int:document_id>/delen/",
        views.document_share,
        name="document-share",
    ),
    path("<int:case_id>/dossier.pdf", views.export_pdf, name="export-pdf"),
    path("<int:case_id>/zgw.json", views.export_json, name="export-json"),
    path("<int:case_id>/toegang/", views.access_request, name="access-request"),
]
