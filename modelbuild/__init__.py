"""Build-time code: model export, calibration. Never part of the Lambda runtime image."""
