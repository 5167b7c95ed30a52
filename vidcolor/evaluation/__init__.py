"""Evaluation: metrics (:mod:`.metrics`, :mod:`.warping`), evaluation runs (:mod:`.evaluate`) and
reports (:mod:`.report`). See ``docs/metrics.md`` for the definitions and sources."""

from vidcolor.evaluation.evaluate import EvalResults, evaluate_images, evaluate_video, find_result
from vidcolor.evaluation.metrics import cdc, colorfulness, gray_baseline, psnr, ssim, video_warping_error
from vidcolor.evaluation.report import SheetRow, format_summary, make_sheet, to_json, write_report

__all__ = [
    "EvalResults", "evaluate_images", "evaluate_video", "find_result",
    "cdc", "colorfulness", "gray_baseline", "psnr", "ssim", "video_warping_error",
    "SheetRow", "format_summary", "make_sheet", "to_json", "write_report",
]
