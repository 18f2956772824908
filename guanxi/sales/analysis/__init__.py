"""销售分析 (SPEC §4): funnel and stage conversion, win rate, cycle, deal size, top customers."""
