#!/usr/bin/env python3
"""The runtime stage of a Dockerfile installs exactly the libraries its binary loads.

Usage: check_image_libraries.py BINARY DOCKERFILE

Where no container engine is available this stands in for building the image:
  1. the build stage is Debian bookworm and installs the project's packages with
     scripts/install-deps.sh; the runtime stage is bookworm-slim, runs as a numeric
     non-root USER and its ENTRYPOINT is the binary;
  2. every shared library `ldd BINARY` resolves is mapped to its Debian package
     (dpkg -S); the packages of the runtime stage's `apt-get install` must be exactly
     that set (none missing, none the binary does not load);
  3. a root filesystem made only of the files of those packages and the binary is
     built, and the binary is run in it with chroot (as root, or in a user namespace
     with `unshare -r`): `BINARY --help` must start, i.e. the dynamic loader finds
     every library. Skipped with a note where neither chroot nor unshare works.
Exits 0 when all hold, 1 when one fails, 77 (ctest SKIP) on a host that is not Debian
bookworm (package names differ) or without ldd/dpkg.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


def fail(message):
    print("FAIL: " + message)
    return 1


def read_stages(dockerfile):
    """[(from_line, alias, [instructions])] with continuation lines joined."""
    with open(dockerfile) as f:
        text = f.read()
    text = re.sub(r"\\\n", " ", text)
    stages = []
    args = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "ARG" and not stages:
            name, _, value = rest.partition("=")
            args[name.strip()] = value.strip().strip('"')
            continue
        if word == "FROM":
            m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?", rest.strip(), re.IGNORECASE)
            image = re.sub(r"\$\{(\w+)\}", lambda g: args.get(g.group(1), ""), m.group(1))
            stages.append((image, (m.group(2) or "").lower(), []))
            continue
        if stages:
            stages[-1][2].append((word, rest.strip()))
    return stages


def apt_packages(instructions):
    """Package names of the `apt-get install` commands in RUN instructions."""
    packages = []
    for word, rest in instructions:
        if word != "RUN":
            continue
        for command in re.split(r"&&|;|\|\|", rest):
            tokens = command.split()
            if "apt-get" in tokens and "install" in tokens:
                after = tokens[tokens.index("install") + 1:]
                packages += [t for t in after if not t.startswith("-")]
    return packages


def ldd_libraries(binary):
    """Absolute paths of the libraries the loader resolves for binary (incl. the loader)."""
    proc = subprocess.run(["ldd", binary], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("ldd %s: %s" % (binary, proc.stderr.strip()))
    libs, missing = [], []
    for line in proc.stdout.splitlines():
        line = line.strip()
        m = re.match(r"(\S+) => (\S+) \(0x", line)
        if m:
            libs.append(m.group(2))
            continue
        m = re.match(r"(\S+) => not found", line)
        if m:
            missing.append(m.group(1))
            continue
        m = re.match(r"(/\S+) \(0x", line)  # the interpreter
        if m:
            libs.append(m.group(1))
    return libs, missing


def path_variants(path):
    """The names dpkg may know a file by on a merged-/usr system."""
    out = []
    for p in (path, os.path.realpath(path)):
        for q in (p, re.sub(r"^/usr/", "/", p) if p.startswith("/usr/") else "/usr" + p):
            if q not in out:
                out.append(q)
    return out


def owning_packages(paths):
    """{path: Debian package} for the paths dpkg knows under some variant of their name.

    One dpkg -S call for all of them (each call reads the whole package database)."""
    variants = {p: path_variants(p) for p in paths}
    every = sorted({v for vs in variants.values() for v in vs})
    proc = subprocess.run(["dpkg", "-S"] + every, capture_output=True, text=True)
    owner = {}
    for line in proc.stdout.splitlines():
        names, sep, path = line.partition(": ")
        if not sep or path in owner:
            continue
        # "pkg:arch" (or "a, b" when diverted); the first owner is the package.
        owner[path] = names.split(",")[0].strip().split(":")[0]
    out = {}
    for p, vs in variants.items():
        for v in vs:
            if v in owner:
                out[p] = owner[v]
                break
    return out


def build_rootfs(root, packages, binary):
    lib_prefixes = ("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/etc/ld.so")
    for pkg in packages:
        proc = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True)
        if proc.returncode != 0:
            print("NOTE: %s is not installed here; its files are not in the root filesystem" %
                  pkg)
            continue
        for path in proc.stdout.splitlines():
            if not path.startswith(lib_prefixes) or not os.path.lexists(path):
                continue
            if os.path.isdir(path):  # incl. merged-/usr links such as /lib64 -> usr/lib64
                continue
            dest = os.path.join(root, path.lstrip("/"))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            if not os.path.lexists(dest):
                shutil.copy2(path, dest, follow_symlinks=False)
    os.makedirs(os.path.join(root, "bin"), exist_ok=True)
    shutil.copy2(binary, os.path.join(root, "bin", "app"))
    os.makedirs(os.path.join(root, "tmp"), exist_ok=True)


def run_in_rootfs(root):
    """(ran, returncode, output): ran is False where no chroot is possible."""
    attempts = []
    chroot = shutil.which("chroot") or shutil.which("chroot", path="/usr/sbin:/sbin")
    unshare = shutil.which("unshare")
    if os.geteuid() == 0 and chroot:
        attempts.append([chroot, root, "/bin/app", "--help"])
    if unshare and chroot:
        attempts.append([unshare, "-r", chroot, root, "/bin/app", "--help"])
    for cmd in attempts:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                              env={"PATH": "/bin", "HOME": "/tmp", "TMPDIR": "/tmp"})
        out = proc.stdout + proc.stderr
        if "chroot: cannot change root" in out or "unshare: " in out:
            continue
        return True, proc.returncode, out
    return False, None, ""


def main(argv):
    if len(argv) != 3:
        print(__doc__)
        return 2
    binary, dockerfile = argv[1], argv[2]
    if not shutil.which("ldd") or not shutil.which("dpkg"):
        print("SKIP: needs ldd and dpkg")
        return SKIP
    codename = ""
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("VERSION_CODENAME="):
                    codename = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    if codename != "bookworm":
        print("SKIP: host is %r, not Debian bookworm: its package names are not the image's" %
              codename)
        return SKIP

    failures = 0
    stages = read_stages(dockerfile)
    if len(stages) < 2:
        return fail("%s: want a multi-stage build, found %d stage(s)" % (dockerfile, len(stages)))
    build_image, _, build_steps = stages[0]
    runtime_image, runtime_alias, runtime_steps = stages[-1]
    if build_image != "debian:bookworm":
        failures += fail("build stage image %r, want debian:bookworm" % build_image)
    if not any(w == "RUN" and "scripts/install-deps.sh" in r for w, r in build_steps):
        failures += fail("the build stage does not install the project's packages with "
                         "scripts/install-deps.sh")
    if runtime_image != "debian:bookworm-slim":
        failures += fail("runtime stage image %r, want debian:bookworm-slim" % runtime_image)
    users = [r for w, r in runtime_steps if w == "USER"]
    if not users or not re.match(r"^[1-9][0-9]*(:[0-9]+)?$", users[-1]):
        failures += fail("the runtime stage's USER is %r, want a numeric non-root UID "
                         "(Kubernetes' runAsNonRoot can only verify numbers)" %
                         (users[-1] if users else None))
    name = os.path.basename(binary)
    entry = [r for w, r in runtime_steps if w == "ENTRYPOINT"]
    if not entry or ("/" + name + '"') not in entry[-1]:
        failures += fail("the runtime stage's ENTRYPOINT %r does not run %s" % (entry, name))

    listed = apt_packages(runtime_steps)
    if len(set(listed)) != len(listed):
        failures += fail("packages listed twice: %s" % sorted(
            p for p in set(listed) if listed.count(p) > 1))
    libs, missing = ldd_libraries(binary)
    if missing:
        failures += fail("ldd cannot resolve %s on this host" % missing)
    needed = {}
    owners = owning_packages(libs)
    for lib in libs:
        pkg = owners.get(lib)
        if pkg is None:
            failures += fail("%s belongs to no Debian package (built by hand? the image "
                             "cannot install it)" % lib)
            continue
        needed.setdefault(pkg, []).append(os.path.basename(lib))
    for pkg in sorted(needed):
        print("  %-18s %s" % (pkg, " ".join(sorted(needed[pkg]))))
    absent = sorted(set(needed) - set(listed))
    extra = sorted(set(listed) - set(needed))
    if absent:
        failures += fail("the runtime stage does not install %s (needed for %s)" % (
            " ".join(absent), ", ".join(l for p in absent for l in needed[p])))
    if extra:
        failures += fail("the runtime stage installs %s, which %s does not load" % (
            " ".join(extra), name))
    print("%d libraries from %d packages; runtime stage lists %d packages" % (
        len(libs), len(needed), len(listed)))

    root = tempfile.mkdtemp(prefix="kubecpp-rootfs-")
    try:
        build_rootfs(root, sorted(set(listed)), binary)
        ran, code, out = run_in_rootfs(root)
        if not ran:
            print("NOTE: no chroot possible here (not root, no user namespaces); "
                  "the package comparison above stands alone")
        elif "error while loading shared libraries" in out or code == 127:
            failures += fail("%s does not start in a root filesystem of only the listed "
                             "packages: %s" % (name, out.strip()[:500]))
        elif code != 0:
            failures += fail("%s --help exited %d in the minimal root filesystem: %s" % (
                name, code, out.strip()[:500]))
        else:
            print("%s --help runs in a root filesystem of only the listed packages" % name)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    if failures:
        print("%d check(s) failed" % failures)
        return 1
    print("runtime libraries of %s: complete and minimal" % name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
