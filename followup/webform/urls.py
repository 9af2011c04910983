from django.urls import path

from . import views

app_name = "webform"

urlpatterns = [
    path("<str:token>/", views.survey_form, name="form"),
]
