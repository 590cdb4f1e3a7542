"""Cohort questions: each a package of compute, result, views and run."""
