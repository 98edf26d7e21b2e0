"""Packaging details pyproject.toml cannot say (everything else is there).

* the package list: every folder under rumpbuild/ (data folders such as
  exampletree/ too: setuptools warns about, and will drop, data in folders it
  could import but was not told about), plus rumpbuild.template_files, which
  pyproject.toml maps to the top-level templates/ folder
  (rumpbuild/templates.py finds it in a checkout and in a wheel);
* setuptools compiles into a temporary folder, so `pip wheel .` and
  `pip install .` leave no build/ folder in the checkout.
"""

import atexit
import shutil
import tempfile

from setuptools import find_namespace_packages, setup
from setuptools.command.build import build


class BuildOutsideCheckout(build):
    def initialize_options(self):
        super().initialize_options()
        self.build_base = tempfile.mkdtemp(prefix="rumpbuild-setuptools-")
        atexit.register(shutil.rmtree, self.build_base, ignore_errors=True)


setup(
    packages=find_namespace_packages(include=["rumpbuild", "rumpbuild.*"], exclude=["*.__pycache__"])
    + ["rumpbuild.template_files"],
    cmdclass={"build": BuildOutsideCheckout},
)
