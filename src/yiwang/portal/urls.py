from django.urls import include, path

from yiwang.portal import apply_views, catalogue_views, my_views, prefill_views, views, views_data

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("favicon.ico", views.favicon, name="favicon"),
    # Log-in and log-out (portal:login, portal:logout) come from the identity app.
    path("", include("yiwang.identity.urls_portal")),
    # The catalogue: open to everyone.
    path("catalogue/", catalogue_views.catalogue_index, name="catalogue"),
    path("catalogue/search/", catalogue_views.catalogue_search, name="catalogue_search"),
    path("services/<slug:code>/", catalogue_views.service_detail, name="service_detail"),
    path(
        "services/<slug:code>/start/",
        catalogue_views.start,
        {"kind": "service"},
        name="service_start",
    ),
    path("bundles/<slug:code>/", catalogue_views.bundle_detail, name="bundle_detail"),
    path(
        "bundles/<slug:code>/start/", catalogue_views.start, {"kind": "bundle"}, name="bundle_start"
    ),
    # Applying, and the person's own applications and messages.
    path("my/applications/", my_views.my_applications, name="my_applications"),
    path("my/applications/<int:pk>/", my_views.application_detail, name="application_detail"),
    path("my/applications/<int:pk>/continue/", apply_views.apply_continue, name="apply_continue"),
    path("my/applications/<int:pk>/prefill/", prefill_views.apply_prefill, name="apply_prefill"),
    path(
        "my/applications/<int:pk>/prefill/<str:field>/wrong/",
        prefill_views.apply_prefill_report,
        name="apply_prefill_report",
    ),
    path(
        "my/applications/<int:pk>/pages/<str:page_id>/",
        apply_views.apply_page,
        name="apply_page",
    ),
    path(
        "my/applications/<int:pk>/materials/", apply_views.apply_materials, name="apply_materials"
    ),
    path("my/applications/<int:pk>/check/", apply_views.apply_check, name="apply_check"),
    path("my/applications/<int:pk>/receipt/", apply_views.apply_receipt, name="apply_receipt"),
    path("my/applications/<int:pk>/withdraw/", my_views.withdraw, name="withdraw"),
    path(
        "my/applications/<int:pk>/corrections/<int:correction_pk>/",
        my_views.correction,
        name="correction",
    ),
    path("my/applications/<int:pk>/files/<int:upload_pk>/", my_views.download, name="download"),
    path("my/inbox/", my_views.inbox, name="inbox"),
    path("my/inbox/<int:pk>/", my_views.inbox_message, name="inbox_message"),
    path("my/data/", views_data.access_log, name="data_access_log"),
    path("my/data/<int:pk>/flag/", views_data.flag_entry, name="data_flag"),
    path("my/data/<int:pk>/flagged/", views_data.flagged, name="data_flagged"),
    path("my/data/corrections/", views_data.registry_corrections, name="data_registry_corrections"),
    path("my/consents/", views_data.consents, name="data_consents"),
    path("my/consents/new/", views_data.consent_grant, name="data_consent_grant"),
    path("my/consents/<int:pk>/revoke/", views_data.consent_revoke, name="data_consent_revoke"),
]
