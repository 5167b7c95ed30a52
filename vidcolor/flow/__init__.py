"""Optical flow (OpenCV DIS), backward warping and occlusion masks."""

from vidcolor.flow.dis import batch_flow, compute_flow, flow_pair, flow_to_tensor
from vidcolor.flow.warp import backward_warp, fb_consistency_mask, inside_mask, photometric_mask, visibility_mask

__all__ = ["batch_flow", "compute_flow", "flow_pair", "flow_to_tensor", "backward_warp", "fb_consistency_mask", "inside_mask", "photometric_mask", "visibility_mask"]
