"""Who may do what in the heritage app: the one place that turns a user's role into heritage abilities.

Views, the API, services and selectors ask these functions; templates get their answers from the view.
"""

from kaigong.accounts.choices import Role

CONSENT_MATTER_CODE = "heritage-consent"  # the checklist matter whose department records the routing


def can_manage_heritage(user) -> bool:
    """Administrators import sites and configure the approval chain; everyone signed in reads them."""
    return user is not None and user.is_authenticated and user.is_kaigong_admin


def heritage_department_id() -> int | None:
    """The department the approval catalogue names for the heritage consent (the city heritage office): its
    officers record the routing's forwards and replies. None when the matter has no department."""
    from kaigong.approvals.models import ApprovalMatter

    return ApprovalMatter.objects.filter(code=CONSENT_MATTER_CODE).values_list("department_id", flat=True).first()


def is_heritage_officer(user) -> bool:
    """A department officer of the heritage department (see heritage_department_id)."""
    return (
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.role == Role.DEPARTMENT
        and bool(user.department_id)
        and user.department_id == heritage_department_id()
    )


def can_record_routing(user) -> bool:
    """Who records forwards and replies: administrators and the project office (they act for the heritage offices
    in this deployment), and officers of the department the approval catalogue names for the heritage consent.
    Leaders and enterprises read only."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.can_edit_all_projects or is_heritage_officer(user)
