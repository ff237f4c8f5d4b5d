"""Ports: the interfaces core code is written against (clock, stores, gateways); adapters implement them."""
