from django.urls import path

from . import simulator

app_name = "simulator"

urlpatterns = [
    path("phone/", simulator.phones, name="phones"),
    path("phone/<str:phone>/", simulator.thread, name="thread"),
    path("phone/<str:phone>/reply/", simulator.reply, name="reply"),
    path("clock/", simulator.advance_clock, name="clock"),
]
