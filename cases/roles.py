"""What each role may do at all: one Django group per role, holding model-level permissions.

Which *case* a user may see is never decided here; that is per object (guardian grants made by
the services) and read through `cases.permissions`. So no role below holds `view_case` or
`change_case` globally: such a global grant would leak every case to the role.
"""

from django.contrib.auth.models import Group, Permission

from cases.choices import Role

ROLE_PERMISSIONS = {
    Role.CASEWORKER: ["cases.add_case", "cases.share_case", "cases.export_cases"],
    Role.SUPERVISOR: [
        "cases.add_case", "cases.assign_case", "cases.share_case", "cases.export_cases", "cases.manage_retention",
        "cases.review_duplicates",
    ],
    Role.UNHCR_LIAISON: ["cases.work_alert"],
    Role.LAWYER: [],
    Role.SERVICE_PROVIDER: [],
    Role.ORG_ADMIN: ["cases.view_user", "cases.change_user", "cases.add_user", "cases.view_organisation"],
    Role.AUDITOR: ["auditlog.view_logentry", "cases.view_erasurerecord"],
}

# Roles whose members see every case their organisation owns (through its owners group).
ROLES_SEEING_OWN_ORGANISATION_CASES = {Role.SUPERVISOR}
# Roles whose members see the cases other organisations share with theirs.
ROLES_RECEIVING_SHARED_CASES = {Role.SUPERVISOR, Role.UNHCR_LIAISON, Role.LAWYER}
# Roles that may be assigned to a case as its caseworker.
ASSIGNABLE_ROLES = {Role.CASEWORKER, Role.SUPERVISOR}
# Roles allowed into the Django admin (scoped to their organisation there).
STAFF_ROLES = {Role.ORG_ADMIN}


def grant_to_roles(role_permissions: dict) -> None:
    """Let another app give the roles its own permissions (called from its AppConfig.ready).

    `cases` does not know the apps built on it; they add to the table here, and the groups
    are synced from the whole table after every migrate.
    """
    for role, perm_names in role_permissions.items():
        for name in perm_names:
            if name not in ROLE_PERMISSIONS[role]:
                ROLE_PERMISSIONS[role].append(name)


def role_group_name(role):
    return f"role:{role}"


def sync_role_groups():
    """Create the role groups and set exactly the permissions listed above (idempotent)."""
    for role, perm_names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role_group_name(role))
        permissions = []
        for name in perm_names:
            app_label, codename = name.split(".")
            permissions.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(permissions)


def sync_role_groups_after_migrate(**kwargs):
    # auditlog's permissions are created by its own post_migrate; make sure they exist first.
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=kwargs.get("using", "default"))
    sync_role_groups()
