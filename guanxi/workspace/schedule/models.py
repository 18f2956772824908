"""Tasks and calendar events (日程)."""
