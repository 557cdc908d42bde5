"""Reading request bodies within their limits: an image (raw or multipart), a small JSON
model, a batch's parts or keys."""
