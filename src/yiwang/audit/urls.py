from django.urls import path

from yiwang.audit import views

app_name = "audit"
urlpatterns = [
    path(".well-known/yiwang/audit-key", views.audit_key, name="key"),
]
