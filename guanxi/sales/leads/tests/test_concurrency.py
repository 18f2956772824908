"""Round robin under concurrency: leads created at the same time each get the next
turn (the rule row is locked), so the team still shares them evenly."""

import threading

import pytest
from django.db import connection

from guanxi.core.tenancy import org_scope
from guanxi.sales.leads import services
from guanxi.sales.leads.models import AssignmentRule, Lead
from guanxi.sales.leads.tests.helpers import east_team


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_share_the_turns_evenly(world):
    if (
        connection.vendor == "sqlite" and connection.settings_dict["NAME"] in ("", ":memory:")
    ) or "mode=memory" in str(connection.settings_dict.get("NAME")):
        pytest.skip("in-memory SQLite is one connection; run on a file or PostgreSQL")
    team = east_team(world, extra=2)
    with org_scope(world.org):
        services.assignment_rule_create(
            actor=world.admin, name="华东轮流", method="round_robin", department=world.east
        )
    errors = []

    def worker(n):
        try:
            for i in range(4):
                with org_scope(world.org):
                    services.lead_create(
                        actor=world.admin, contact_name=f"客户{n}-{i}", mobile=f"1390000{n}{i:03d}"
                    )
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with org_scope(world.org):
        owners = list(Lead.objects.values_list("owner_id", flat=True))
        assert len(owners) == 12
        assert sorted(owners.count(person.pk) for person in team) == [4, 4, 4]
        assert AssignmentRule.objects.get().assigned_count == 12
