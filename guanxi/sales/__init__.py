"""Sales (销售管理, SPEC §4): the inner apps of leads, opportunities, quotes, contracts,
orders and receivables, and what their documents share (lines and totals)."""
