"""Thin adapters to AWS services, called by intent. boto3 is imported only on first use."""
