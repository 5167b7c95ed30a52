"""Networks: the attention U-Net generator and the discriminators (pure ``nn.Module``s)."""

from vidcolor.models.attention import CBAM, ChannelAttention, SpatialAttention
from vidcolor.models.config import DEFAULT, TINY, GeneratorConfig, preset
from vidcolor.models.discriminator import MultiScaleDiscriminator, PatchDiscriminator, TemporalDiscriminator
from vidcolor.models.generator import Generator, count_parameters
from vidcolor.models.serialization import load_generator, read_metadata, save_generator, weights_info

__all__ = [
    "CBAM", "ChannelAttention", "SpatialAttention", "GeneratorConfig", "DEFAULT", "TINY", "preset",
    "MultiScaleDiscriminator", "PatchDiscriminator", "TemporalDiscriminator", "Generator",
    "count_parameters", "load_generator", "read_metadata", "save_generator", "weights_info",
]
