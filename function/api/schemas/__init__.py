"""The API's request and response models and the hand-written parts of its OpenAPI schema."""
