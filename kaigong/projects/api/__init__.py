"""The projects app's REST API: serializers and viewsets, registered in kaigong/api_urls.py."""
