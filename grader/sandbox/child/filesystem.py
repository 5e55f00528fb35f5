"""What a worker's filesystem looks like: a private root, or the fallback view (child program)."""

from __future__ import annotations

import os
import stat
import sys

from .libc import LIBC, c_call, mount


def _readable_by_others(path: str) -> bool:
    """Tell whether an unprivileged user can list ``path`` (every ancestor searchable)."""
    try:
        st = os.stat(path)
        if not stat.S_ISDIR(st.st_mode) or (st.st_mode & 0o005) != 0o005:
            return False
        parent = os.path.dirname(path)
        while True:
            if not os.stat(parent).st_mode & 0o001:
                return False
            if parent == os.path.dirname(parent):
                return True
            parent = os.path.dirname(parent)
    except OSError:
        return False


MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2
CLONE_NEWNS = 0x00020000
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/libx32")
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
ROOT_MOUNT_POINTS = ("/tmp", "/mnt", "/var/tmp")


class Layout:
    """Decide once, in the zygote, what a worker's filesystem looks like.

    Preferred: a private mount namespace whose root holds only the system libraries, the
    interpreter's own directories, /proc, a few devices and the submission's copy (nothing of
    the grader, its tests, solutions or other students).  Fallback when that is impossible:
    the normal filesystem, with the interpreter's directories reached through inherited dir
    fds when ``nobody`` could not otherwise read them (e.g. under /root/.pyenv).
    """

    def __init__(self, drop: list[str], hide: list[str], private: bool = True) -> None:
        self.private = private
        dropped = {os.path.realpath(p) for p in drop}
        sys.path[:] = [p for p in sys.path if p and os.path.realpath(p) not in dropped]
        self.fds: dict[str, int] = {}  # unreadable dir -> fd (fallback only)
        if os.geteuid() == 0:
            for entry in sys.path:
                real = os.path.realpath(entry)
                if real in self.fds or not os.path.isdir(real) or _readable_by_others(real):
                    continue
                try:
                    self.fds[real] = os.open(real, os.O_RDONLY | os.O_DIRECTORY)
                except OSError:
                    pass
        candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
        binds: set[str] = set()
        self.links: dict[str, str] = {}
        for path in SYSTEM_DIRS:
            if os.path.islink(path):
                self.links[path] = os.readlink(path)
            elif os.path.isdir(path):
                binds.add(path)
        for entry in [*candidates, *sys.path]:
            if entry and os.path.isabs(entry) and os.path.isdir(entry):
                binds.add(os.path.realpath(entry))
                binds.add(os.path.normpath(entry))
        self.binds = sorted(
            b for b in binds if not any(b != o and b.startswith(o + "/") for o in binds)
        )
        hidden = {os.path.realpath(h) for h in hide}
        self.hide = sorted(
            h for h in hidden if any(h.startswith(b + "/") for b in self.binds) and os.path.isdir(h)
        )
        # The private root's skeleton, planned here once: what each worker binds (the
        # submission's copy aside), and the mount points it creates for that.
        self.sources = [*self.binds, "/proc", *(d for d in DEVICES if os.path.exists(d))]
        self.files = [d for d in self.sources if d in DEVICES]
        self.dirs: list[str] = []
        for path in self.sources:
            parts = path.split("/")[1 : -1 if path in self.files else None]
            for depth in range(1, len(parts) + 1):
                folder = "/" + "/".join(parts[:depth])
                if folder not in self.dirs:
                    self.dirs.append(folder)

    def keep_fds(self) -> set[int]:
        """Return the fds a worker inherits."""
        return set(self.fds.values())

    def use_fds(self) -> None:
        """Fallback: reach unreadable interpreter directories as /proc/self/fd/N."""
        mapping = {src: f"/proc/self/fd/{fd}" for src, fd in self.fds.items()}
        if not mapping:
            return

        def moved(path: object) -> object:
            real = os.path.realpath(path) if type(path) is str else ""
            for src, dst in mapping.items():
                if real == src or real.startswith(src + "/"):
                    return dst + real[len(src) :]
            return path

        sys.path[:] = [moved(p) for p in sys.path]
        for module in list(sys.modules.values()):
            paths = getattr(module, "__path__", None)
            if type(paths) is list:
                paths[:] = [moved(p) for p in paths]
        sys.path_importer_cache.clear()

    def close_fds(self) -> None:
        """Close the fallback fds (they would lead out of a private root)."""
        for fd in self.fds.values():
            try:
                os.close(fd)
            except OSError:
                pass

    def private_root(self, directory: str | None) -> bool:
        """Move this (root, freshly forked) process into its own minimal filesystem."""
        nr = PIVOT_ROOT.get(os.uname().machine)
        if not self.private or LIBC is None or nr is None or os.geteuid() != 0:
            return False
        root = next((p for p in ROOT_MOUNT_POINTS if os.path.isdir(p)), None)
        if root is None:
            return False
        fds: dict[str, int] = {}
        mounted = False
        try:
            c_call(LIBC.unshare(CLONE_NEWNS), "unshare")
            mount(None, "/", None, MS_REC | MS_PRIVATE)
            sources = [*self.sources, *([directory] if directory else [])]
            for path in sources:  # opened in the new namespace, before anything is covered
                fds[path] = os.open(path, os.O_PATH | os.O_CLOEXEC)
            mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=1m")
            mounted = True
            os.umask(0o022)
            for path in self.dirs:
                os.mkdir(root + path, 0o755)
            for path in self.files:
                os.close(os.open(root + path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            if directory:
                os.makedirs(root + directory, 0o755, exist_ok=True)
            for path, fd in fds.items():  # a source that changed type fails to mount: no root
                mount(f"/proc/self/fd/{fd}", root + path, None, MS_BIND | MS_REC)
            for path, dest in self.links.items():
                if not os.path.lexists(root + path):
                    os.symlink(dest, root + path)
            for path in self.hide:
                flags = MS_RDONLY | MS_NOSUID | MS_NODEV
                mount("tmpfs", root + path, "tmpfs", flags, "mode=755,size=4k")
            os.mkdir(root + "/.old", 0o700)
            c_call(LIBC.syscall(nr, root.encode(), (root + "/.old").encode()), "pivot_root")
        except OSError:
            if mounted:
                LIBC.umount2(root.encode(), MNT_DETACH)
            return False
        finally:
            for fd in fds.values():
                os.close(fd)
        # Past pivot_root the old tree must go, or the worker must not run at all.
        os.chdir("/")
        c_call(LIBC.umount2(b"/.old", MNT_DETACH), "umount2")
        os.rmdir("/.old")
        try:
            mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        except OSError:
            pass
        return True
