"""Notifications (提醒/通知): one service that every app calls to tell employees something."""
