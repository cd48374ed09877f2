"""Privacy: GDPR export and erasure, retention, and the audit log of admin actions."""
