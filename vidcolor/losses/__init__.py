"""Training losses, one module each; the weighted total lives in :mod:`vidcolor.losses.total`."""

from vidcolor.losses.adversarial import AdversarialLoss
from vidcolor.losses.perceptual import GramStyleLoss, PerceptualLoss, VGGFeatures, find_vgg_weights
from vidcolor.losses.reconstruction import LabL1Loss
from vidcolor.losses.temporal import TemporalLoss
from vidcolor.losses.total import LossWeights, total_loss

__all__ = ["AdversarialLoss", "GramStyleLoss", "PerceptualLoss", "VGGFeatures", "find_vgg_weights", "LabL1Loss", "TemporalLoss", "LossWeights", "total_loss"]
