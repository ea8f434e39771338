from django.urls import include, path

from yiwang.backoffice.views import home, materials, queue, task

app_name = "backoffice"
urlpatterns = [
    path("", home.home, name="home"),
    path("queue/", queue.queue, name="queue"),
    path("tasks/<int:pk>/", task.task_detail, name="task"),
    path("tasks/<int:pk>/claim/", queue.claim, name="claim"),
    path("tasks/<int:pk>/assign/", task.assign, name="assign"),
    path("materials/<int:pk>/", materials.material, name="material"),
    # Log-in and log-out (backoffice:login, backoffice:logout) come from the identity app.
    path("", include("yiwang.identity.urls_backoffice")),
]
