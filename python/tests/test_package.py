"""The package around the environment: gymnasium, stubs, documentation."""

import ast
import os
import pathlib
import pydoc
import subprocess
import sys

import passgym
from passgym import _passgym

HERE = pathlib.Path(__file__).resolve().parent


def test_with_gymnasium_the_env_and_spaces_are_gymnasiums_and_registered():
    script = (
        "import gymnasium, passgym\n"
        "assert issubclass(passgym.Env, gymnasium.Env)\n"
        "assert isinstance(passgym.Discrete(3), gymnasium.spaces.Space)\n"
        "assert gymnasium.registry == {'passgym/llvm-v0': 'passgym.env:Env'}\n"
        "env = passgym.make('llvm-v0', benchmark='benchmark://builtin-v0/crc32')\n"
        "a = env.reset(seed=1)[0]; b = env.reset(seed=1)[0]\n"
        "assert (a == b).all() and env.np_random is not None\n"
        "env.action_space.seed(2); x = env.action_space.sample()\n"
        "env.action_space.seed(2); assert x == env.action_space.sample()\n"
    )
    path = os.pathsep.join([str(HERE / "fake_gymnasium"), os.environ["PYTHONPATH"]])
    subprocess.run([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": path}, check=True)


def test_without_gymnasium_the_env_is_not_a_gymnasium_env():
    assert "gymnasium" not in sys.modules
    assert [base.__module__ for base in passgym.Env.__mro__][1] == "passgym.env"


def declared(body) -> set:
    names = set()
    for node in body:
        if isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names - {"__init__", "__len__"}


def public(obj) -> set:
    return {name for name in dir(obj) if not name.startswith("_")}


def test_the_stub_declares_exactly_the_extensions_public_names():
    stub = ast.parse((pathlib.Path(passgym.__file__).parent / "_passgym.pyi").read_text())
    assert declared(stub.body) == public(_passgym)
    classes = [node for node in stub.body if isinstance(node, ast.ClassDef) and node.name != "Error"]
    assert classes
    for node in classes:
        assert declared(node.body) == public(getattr(_passgym, node.name)), node.name


def test_help_shows_the_api():
    text = pydoc.render_doc(passgym.Env, renderer=pydoc.plaintext)
    for expected in ["terminated", "truncated", "max_episode_steps", "fork", "commandline", "validate"]:
        assert expected in text
    assert "Autophase" in pydoc.render_doc(passgym.make, renderer=pydoc.plaintext)
    assert all(getattr(passgym, name).__doc__ for name in passgym.__all__ if name != "Error")
