"""What commissions plug into, registered from ``CommissionsConfig.ready()``: the approvals
document type ``commission_statement`` and the background job that generates a period's
statements."""


def register():
    from guanxi.sales.commissions import jobs, services

    assert jobs.GENERATE_KIND  # importing the module registers the job kind
    services.register_document()
