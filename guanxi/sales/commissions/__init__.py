"""佣金 (SPEC §4): rules, statements per employee per period, approval and lock."""
