"""Service project screens (项目服务)."""
