"""Cluster mode: the node table and nodes.conf (state.py), the bus wire format (messages.py), the links and the cron (bus.py)."""
