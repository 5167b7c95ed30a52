"""``python -m vidcolor`` (also what ``torchrun -m vidcolor train …`` runs)."""

from vidcolor.cli import main

if __name__ == "__main__":
    main()
