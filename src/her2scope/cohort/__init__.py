"""Cohort questions, one package each: ``compute`` · ``result`` · ``views`` · ``run``."""
