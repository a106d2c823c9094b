"""Trainer authoring (reserved: the trainer workspace lands here, on the question registry and the attempt
services).  May use learning, org and platform."""
