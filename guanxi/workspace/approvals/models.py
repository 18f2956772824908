"""Approvals (审批流): flows per document type, requests and their steps."""
