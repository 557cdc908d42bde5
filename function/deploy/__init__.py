"""Deployment checks: the pre-traffic hook (function/pretraffic.py) and what it reads.

A small client of the API function: stdlib and boto3 only, never torch or the web framework.
"""
