"""AdminService and effective quotas: what an admin may change, and on whom."""

from __future__ import annotations

import pytest

from imageapi import domain
from imageapi.config import QuotaConfig
from imageapi.errors import InvalidInput
from imageapi.errors import NotFound
from imageapi.services.admin import AdminService
from imageapi.services.quotas import Quotas
from imageapi.services.quotas import QuotaService
from tests.rows import add_user


@pytest.fixture
def admin(db) -> AdminService:
    return AdminService(db)


def test_changes_apply_and_come_back_as_a_domain_user(db, admin):
    root, user = add_user(db), add_user(db)
    changed = admin.update_user(
        root.id, user.id, {"role": "admin", "max_images": 5, "disabled": True}
    )
    assert type(changed) is domain.User
    assert (changed.role, changed.max_images, changed.disabled) == ("admin", 5, True)
    listed = sorted(admin.list_users(10, 0), key=lambda listed: listed.id)
    assert listed == sorted([root.to_domain(), changed], key=lambda one: one.id)


def test_admins_cannot_disable_or_demote_themselves(db, admin):
    root = add_user(db, role="admin")
    for change in ({"disabled": True}, {"role": "user"}):
        with pytest.raises(InvalidInput, match="your own account"):
            admin.update_user(root.id, root.id, change)
    admin.update_user(root.id, root.id, {"max_images": 3})


def test_only_editable_fields_of_existing_users(db, admin):
    root, user = add_user(db), add_user(db)
    with pytest.raises(InvalidInput, match="Cannot change email"):
        admin.update_user(root.id, user.id, {"email": "x@example.com"})
    with pytest.raises(NotFound):
        admin.update_user(root.id, "nobody", {"max_images": 1})


def test_effective_quotas_take_the_users_own_value_over_the_default(db):
    quotas = QuotaService(db, QuotaConfig(max_images=10, max_storage_bytes=100), None)
    user = add_user(db, max_images=0).to_domain()
    assert quotas.quotas_for(user) == Quotas(
        max_storage_bytes=100, max_images=0, max_uploads_per_day=0
    )
