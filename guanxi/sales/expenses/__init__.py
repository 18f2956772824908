"""费用 (SPEC §4): expenses linked to customers and opportunities, with approval."""
