from django.urls import path

from kaigong.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("lockouts/", views.lockout_list, name="lockout-list"),
    path("lockouts/unlock/", views.lockout_unlock, name="lockout-unlock"),
    path("organizations/", views.organization_list, name="organization-list"),
    path("organizations/<int:pk>/edit/", views.organization_edit, name="organization-edit"),
]
