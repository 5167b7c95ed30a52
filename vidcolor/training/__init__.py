"""Training: data pipelines, the staged GAN trainer, checkpoints and DDP.

Import :func:`vidcolor.training.loop.train` (re-exported as ``vidcolor.train``) to train from Python.
"""
