"""Outgoing webhooks: signed, retried and logged deliveries of Salon events to a store's systems."""
