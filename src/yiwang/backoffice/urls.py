from django.urls import include, path

from yiwang.backoffice.views import (
    audit,
    corrections,
    exchange,
    home,
    materials,
    messages,
    queue,
    task,
)

app_name = "backoffice"
urlpatterns = [
    path("", home.home, name="home"),
    path("queue/", queue.queue, name="queue"),
    path("tasks/<int:pk>/", task.task_detail, name="task"),
    path("tasks/<int:pk>/claim/", queue.claim, name="claim"),
    path("tasks/<int:pk>/assign/", task.assign, name="assign"),
    path("materials/<int:pk>/", materials.material, name="material"),
    path("messages/", messages.messages, name="messages"),
    path("messages/<int:pk>/", messages.message, name="message"),
    path("audit/", audit.audit_log, name="audit"),
    path("audit/events/<int:pk>/", audit.audit_event, name="audit_event"),
    path("audit/verify/", audit.audit_verify, name="audit_verify"),
    path("exchange/agreements/", exchange.agreements, name="exchange_agreements"),
    path(
        "exchange/agreements/new/",
        exchange.agreement_request,
        name="exchange_agreement_request",
    ),
    path(
        "exchange/agreements/<slug:code>/",
        exchange.agreement_detail,
        name="exchange_agreement",
    ),
    path(
        "exchange/agreements/<slug:code>/<slug:action>/",
        exchange.agreement_action,
        name="exchange_agreement_action",
    ),
    path("exchange/flags/", exchange.flags, name="exchange_flags"),
    path("exchange/flags/<int:pk>/close/", exchange.flag_close, name="exchange_flag_close"),
    path("exchange/corrections/", corrections.corrections, name="exchange_corrections"),
    path(
        "exchange/corrections/<int:pk>/",
        corrections.correction_detail,
        name="exchange_correction",
    ),
    path(
        "exchange/corrections/<int:pk>/<slug:decision>/",
        corrections.correction_decide,
        name="exchange_correction_decide",
    ),
    path("exchange/systems/", exchange.systems, name="exchange_systems"),
    path("exchange/systems/<int:pk>/issue/", exchange.system_issue, name="exchange_system_issue"),
    path(
        "exchange/systems/<int:pk>/rotate/",
        exchange.system_rotate,
        name="exchange_system_rotate",
    ),
    path(
        "exchange/systems/<int:pk>/revoke/",
        exchange.system_revoke,
        name="exchange_system_revoke",
    ),
    # Log-in and log-out (backoffice:login, backoffice:logout) come from the identity app.
    path("", include("yiwang.identity.urls_backoffice")),
]
