# Sourced by gannet's scripts before a build: the CPU backend is compiled by make with gcc, so a
# missing one is said in one sentence here instead of deep inside Maven's output. g++ builds the
# SIMT emulator (without it the build goes on without the emulator, and says so); nvcc is optional
# (the Makefile says once when the CUDA kernels are skipped).
# bash's command -v also returns a file that is not executable when nothing better is on PATH.
gannet_have() {
    local p
    p=$(command -v "$1" 2>/dev/null) && [[ -f $p && -x $p ]]
}

gannet_check_build_tools() {
    local cc=${CC:-gcc} no_cc="" no_make=""
    gannet_have "$cc" || no_cc=1
    gannet_have make || no_make=1
    if [[ -n $no_cc && -n ${CC:-} ]]; then
        echo "gannet cannot build its native CPU backend: the C compiler '$CC' named by \$CC was not found; install it, or unset CC to use gcc." >&2
        exit 1
    elif [[ -n $no_cc && -n $no_make ]]; then
        echo "gannet needs gcc and make to build its native CPU backend: install them (for example: apt-get install gcc make)." >&2
        exit 1
    elif [[ -n $no_cc ]]; then
        echo "gannet needs gcc to build its native CPU backend: install it (for example: apt-get install gcc)." >&2
        exit 1
    elif [[ -n $no_make ]]; then
        echo "gannet needs make to build its native CPU backend: install it (for example: apt-get install make)." >&2
        exit 1
    fi
    local cxx=${CXX:-g++}
    if ! gannet_have "$cxx"; then
        echo "gannet: the C++ compiler '$cxx' was not found, so the SIMT emulator (libgannet_simt.so) will not be built; install g++ to build it." >&2
    fi
}

gannet_check_build_tools
