"""SCons tool `rump`: the rump kernel steps of rules written by `rumpbuild rules NAME --format scons`.

    env.Tool("rump", toolpath=[...])

adds to the environment:

  env.RumpRename(objects)
      after each object is compiled, rename its global symbols into the rump
      kernel namespace in place (Makefile.rump's rule), by running
      `python -m rumpbuild.steps rename --arch $RUMP_ARCH [--norename $RUMP_NORENAME] OBJ`
  env.RumpIncludeLinks(folder, {name: dest})
      the include links bsd.klinks.mk makes in an object folder (machine ->
      $NETBSDSRC/sys/arch/<machine>/include), made when the SConscript is read
  env.RumpIoconf(targets, ioconf_file)
      ioconf.c, ioconf.h and locators.h from an .ioconf file
      (`python -m rumpbuild.steps ioconf $NETBSDSRC/sys IOCONF FOLDER`)

Construction variables: RUMP_ARCH (MACHINE/MACHINE_ARCH), RUMP_NORENAME
(RUMP_SYM_NORENAME, a regex; empty: none), RUMP_PYTHON (a Python that can
import rumpbuild; default: the one running SCons).
"""

import os
import subprocess
import sys


def _steps(env, *args):
    """Run `python -m rumpbuild.steps ARGS…`; its status (SCons reports a failure)."""
    argv = [env.subst("$RUMP_PYTHON"), "-m", "rumpbuild.steps", *args]
    return subprocess.call(argv)


def _rename_action(target, source, env):
    norename = env.subst("$RUMP_NORENAME")
    return _steps(env, "rename", "--arch", env.subst("$RUMP_ARCH"), *(["--norename", norename] if norename else []),
                  *[t.abspath for t in target])


def _rename_string(target, source, env):
    return "rename " + " ".join(str(t) for t in target)


def _ioconf_action(target, source, env):
    return _steps(env, "ioconf", env.subst("$NETBSDSRC/sys"), source[0].abspath, target[0].dir.abspath)


def rump_rename(env, objects):
    """RumpRename: rename each object's symbols right after it is compiled."""
    from SCons.Action import Action

    for node in env.Flatten(objects):
        env.AddPostAction(node, Action(_rename_action, _rename_string))
    return objects


def rump_include_links(env, folder, links):
    """RumpIncludeLinks: make (or correct) the symbolic links *links* ({name: dest}) in *folder*."""
    folder = env.Dir(folder).abspath
    os.makedirs(folder, exist_ok=True)
    for name, dest in sorted(links.items()):
        dest, link = env.subst(dest), os.path.join(folder, name)
        if os.path.islink(link):
            if os.readlink(link) == dest:
                continue
            os.remove(link)
        elif os.path.exists(link):
            raise SystemExit(f"rump tool: {link} exists and is not a symbolic link; remove it")
        os.symlink(dest, link)
    return folder


def generate(env):
    from SCons.Builder import Builder

    env.SetDefault(RUMP_PYTHON=sys.executable, RUMP_NORENAME="")
    env.AddMethod(rump_rename, "RumpRename")
    env.AddMethod(rump_include_links, "RumpIncludeLinks")
    env["BUILDERS"]["RumpIoconf"] = Builder(action=env.Action(_ioconf_action, "ioconf $TARGETS"))


def exists(env):
    return True
