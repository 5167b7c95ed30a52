"""User control: color hints (points, scribbles) and reference keyframes carried through each shot."""

from vidcolor.control.hints_io import Annotation, read_hints_csv, read_hints_image
from vidcolor.control.propagate import HintPlan, plan_hints
from vidcolor.control.reference import load_references, parse_reference_specs

__all__ = ["Annotation", "read_hints_csv", "read_hints_image", "HintPlan", "plan_hints", "load_references", "parse_reference_specs"]
