from django.urls import path

from zicht.register import import_views, views

app_name = "register"

urlpatterns = [
    path("signalen/", views.signal_list, name="signal-list"),
    path("signalen/nieuw/", views.signal_create, name="signal-create"),
    path("signalen/dubbelen/", views.duplicate_suggestions, name="duplicate-suggestions"),
    path("signalen/<int:signal_id>/", views.signal_detail, name="signal-detail"),
    path("signalen/<int:signal_id>/status/", views.signal_transition, name="signal-transition"),
    path("signalen/<int:signal_id>/blokkade/", views.signal_legal_hold, name="signal-legal-hold"),
    path("signalen/<int:signal_id>/bijlagen/", views.attachment_add, name="attachment-add"),
    path(
        "signalen/<int:signal_id>/bijlagen/<int:attachment_id>/",
        views.attachment_download,
        name="attachment-download",
    ),
    path("signalen/<int:signal_id>/koppelen/", views.signal_link_entity, name="signal-link-entity"),
    path("betrokkenen/", views.entity_list, name="entity-list"),
    path("betrokkenen/<int:entity_id>/", views.entity_detail, name="entity-detail"),
    path("betrokkenen/<int:entity_id>/relatie/", views.entity_relate, name="entity-relate"),
    path("betrokkenen/<int:entity_id>/samenvoegen/", views.entity_merge, name="entity-merge"),
    path("samenvoegingen/<int:merge_id>/ongedaan/", views.entity_unmerge, name="entity-unmerge"),
]

# Importing signal files.
urlpatterns += [
    path("signalen/importeren/", import_views.import_upload, name="import"),
    path("signalen/importeren/<int:job_id>/", import_views.import_detail, name="import-detail"),
    path(
        "signalen/importeren/<int:job_id>/voortgang/",
        import_views.import_progress,
        name="import-progress",
    ),
]
