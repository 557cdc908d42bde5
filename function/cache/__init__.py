"""The content cache: results keyed by image bytes and model version, in memory and DynamoDB."""
