"""Makes the repository's python/ folder importable, so the analysis scripts run from the source
tree (with /usr/bin/python3) without installing cartsim_io; an installed cartsim_io is used when
there is no source tree beside the script."""
import os
import sys

SOURCE_PACKAGE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python")

if os.path.isdir(os.path.join(SOURCE_PACKAGE_DIR, "cartsim_io")):
    sys.path.insert(0, os.path.normpath(SOURCE_PACKAGE_DIR))
