"""The REST API under /api/: one router for every app's viewsets."""

urlpatterns: list = []
