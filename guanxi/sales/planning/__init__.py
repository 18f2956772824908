"""销售计划与销售预测 (SPEC §4): targets per employee/department and period, actual vs
target, the weighted forecast."""
