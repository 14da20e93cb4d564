"""Hard-negative benchmark: templated daily reports and follow-ups that are different stories."""
