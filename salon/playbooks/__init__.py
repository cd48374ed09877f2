"""Engagement playbooks: triggers over live signals, actions, coupons, hold-outs and lift."""
