"""The accounts app's REST API: organizations, departments and the token endpoint (kaigong/api_urls.py)."""
