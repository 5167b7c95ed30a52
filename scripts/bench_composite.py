#!/usr/bin/env python3
"""Time of the reference composite (vidcolor.control.fullres.composite) on one 640×480 frame with one
reference, deciding at the working size (256×192) vs at full size: ``python scripts/bench_composite.py``."""
import time, numpy as np
from vidcolor.control import fullres
class Plan:
    span=200
    def __init__(s, ref): s.ref=ref
    def reference(s,k,keep=1): return s.ref
rng=np.random.default_rng(0)
H,W,h,w=480,640,192,256
ref=rng.random((H,W,4),dtype=np.float32)
plan=Plan(ref)
disp=(rng.random((h,w,2),dtype=np.float32)-0.5)*2
conf=np.ones((h,w),np.float32)
lum=rng.random((H,W),dtype=np.float32); ab=rng.random((H,W,2),dtype=np.float32)
dense=[(0,5,disp.astype(np.float16),conf)]
for mode in [False,True,False,True]:
    fullres.ERROR_AT_WORK_SIZE=mode
    for _ in range(5): fullres.composite(ab,plan,dense,lum)
    t=time.perf_counter()
    for _ in range(50): fullres.composite(ab,plan,dense,lum)
    print("work" if mode else "full", (time.perf_counter()-t)/50*1000, "ms")
