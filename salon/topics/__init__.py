"""Recurring questions: shopper and associate questions grouped into topics as they arrive."""
