"""Tiers, the policy file, approvals and spend limits."""
