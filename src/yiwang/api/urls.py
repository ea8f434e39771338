from django.urls import path

from yiwang.api.main import api

urlpatterns = [path("v1/", api.urls)]
