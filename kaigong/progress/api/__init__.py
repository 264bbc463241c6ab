"""The progress API under /api/progress/ (kaigong/progress/api/urls.py)."""
