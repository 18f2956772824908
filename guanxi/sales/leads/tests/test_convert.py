"""Converting a lead: new customer + contact + opportunity in one transaction, the
duplicate check and picking an existing customer instead, rollback when a part fails,
and the lock afterwards."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.customers.models import Contact, Customer
from guanxi.sales.leads import services
from guanxi.sales.leads.models import Lead
from guanxi.sales.leads.tests.helpers import make_lead
from guanxi.sales.opportunities.models import Opportunity

pytestmark = pytest.mark.django_db


def test_convert_into_new_customer_contact_and_opportunity(world):
    lead = make_lead(
        world.rep_a, owner=world.rep_a, title="采购经理", email="zhou@yunfan.cn",
        region="浙江省 杭州市", industry="it", source="referral",
    )  # fmt: skip
    with org_scope(world.org):
        lead = services.lead_convert(
            actor=world.rep_a,
            lead=lead,
            version=lead.version,
            opportunity={
                "name": "云帆 CRM 项目",
                "amount": Decimal("120000.00"),
                "expected_close_date": datetime.date(2027, 3, 31),
            },
        )
        customer = lead.converted_customer
        assert customer.name == "杭州云帆科技有限公司"
        assert customer.industry == "it" and customer.source == "referral"
        assert customer.owner == world.rep_a
        contact = lead.converted_contact
        assert contact.customer == customer and contact.name == "周明"
        assert contact.title == "采购经理" and contact.mobile == "13800001111"
        opportunity = lead.converted_opportunity
        assert opportunity.customer == customer and opportunity.contact == contact
        assert opportunity.amount == Decimal("120000.00")
        assert opportunity.name == "云帆 CRM 项目"
        assert lead.status == Lead.Status.CONVERTED and lead.converted_by == world.rep_a
        customer.refresh_from_db()
        assert customer.lifecycle_stage == Customer.Lifecycle.OPPORTUNITY


def test_converted_lead_is_locked(world):
    lead = make_lead(world.rep_a, owner=world.rep_a)
    with org_scope(world.org):
        lead = services.lead_convert(actor=world.rep_a, lead=lead)
        with pytest.raises(BusinessRuleError) as caught:
            services.lead_update(actor=world.rep_a, lead=lead, title="总监")
        assert caught.value.code == "lead_converted"
        with pytest.raises(BusinessRuleError):
            services.lead_convert(actor=world.rep_a, lead=lead)
        with pytest.raises(BusinessRuleError):
            services.lead_delete(actor=world.manager, lead=lead)
        with pytest.raises(BusinessRuleError):
            services.leads_transfer(actor=world.manager, lead_ids=[lead.pk], owner=world.rep_b)
        assert Customer.objects.count() == 1


def test_possible_duplicate_is_refused_then_existing_customer_picked(world):
    with org_scope(world.org):
        existing = customer_services.customer_create(
            actor=world.rep_a, name="杭州云帆科技有限公司", phone="0571-88886666"
        )
    lead = make_lead(world.rep_a, owner=world.rep_a)
    with org_scope(world.org):
        with pytest.raises(services.PossibleDuplicates) as caught:
            services.lead_convert(actor=world.rep_a, lead=lead)
        assert [c.pk for c in caught.value.matches] == [existing.pk]
        assert caught.value.code == "possible_duplicate"
        lead.refresh_from_db()
        assert lead.status == Lead.Status.NEW and Customer.objects.count() == 1
        assert not Contact.objects.exists()

        lead = services.lead_convert(actor=world.rep_a, lead=lead, customer=existing.pk)
        assert lead.converted_customer == existing
        assert Customer.objects.count() == 1
        assert Contact.objects.get().customer == existing


def test_allow_duplicate_makes_a_new_customer_anyway(world):
    with org_scope(world.org):
        customer_services.customer_create(actor=world.rep_a, name="杭州云帆科技有限公司")
    lead = make_lead(world.rep_a, owner=world.rep_a)
    with org_scope(world.org):
        lead = services.lead_convert(actor=world.rep_a, lead=lead, allow_duplicate=True)
        assert Customer.objects.count() == 2
        assert lead.converted_customer.name == "杭州云帆科技有限公司"


def test_a_failing_part_rolls_everything_back(world):
    lead = make_lead(world.rep_a, owner=world.rep_a)
    with org_scope(world.org):
        with (
            mock.patch(
                "guanxi.sales.opportunities.services.opportunity_create",
                side_effect=BusinessRuleError("流程未配置", code="no_pipeline"),
            ),
            pytest.raises(BusinessRuleError),
        ):
            services.lead_convert(actor=world.rep_a, lead=lead, opportunity={"name": "项目"})
        lead.refresh_from_db()
        assert lead.status == Lead.Status.NEW and lead.converted_customer is None
        assert not Customer.objects.exists() and not Contact.objects.exists()
        assert not Opportunity.objects.exists()
        # a bad contact: field errors under "contact.", nothing written
        with pytest.raises(ValidationError) as caught:
            services.lead_convert(actor=world.rep_a, lead=lead, contact={"mobile": "abc"})
        assert "contact.mobile" in caught.value.message_dict
        assert not Customer.objects.exists()


def test_existing_customer_out_of_scope_is_refused(world):
    with org_scope(world.org):
        theirs = customer_services.customer_create(actor=world.rep_b, name="北京华北贸易有限公司")
    lead = make_lead(world.rep_a, owner=world.rep_a)
    with org_scope(world.org):
        with pytest.raises(ValidationError) as caught:
            services.lead_convert(actor=world.rep_a, lead=lead, customer=theirs.pk)
        assert "customer" in caught.value.message_dict
        lead.refresh_from_db()
        assert lead.status == Lead.Status.NEW


def test_disqualified_lead_cannot_be_converted(world):
    lead = make_lead(world.rep_a, owner=world.rep_a)
    with org_scope(world.org):
        lead = services.lead_update(
            actor=world.rep_a, lead=lead, status="disqualified", disqualified_reason="空号"
        )
        with pytest.raises(BusinessRuleError) as caught:
            services.lead_convert(actor=world.rep_a, lead=lead)
        assert caught.value.code == "lead_disqualified"


def test_merging_the_customer_keeps_the_lead_pointing_at_the_survivor(world):
    lead = make_lead(world.rep_a, owner=world.rep_a)
    with org_scope(world.org):
        lead = services.lead_convert(actor=world.rep_a, lead=lead)
        survivor = customer_services.customer_create(actor=world.rep_a, name="云帆科技集团")
        customer_services.customers_merge(
            actor=world.admin, survivor_id=survivor.pk, merged_ids=[lead.converted_customer_id]
        )
        lead.refresh_from_db()
        assert lead.converted_customer_id == survivor.pk
