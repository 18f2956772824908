"""Every write of this app (see DESIGN §2: keyword-only, typed, in a transaction)."""
