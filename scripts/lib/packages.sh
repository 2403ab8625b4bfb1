# Sourced by scripts/setup and scripts/test: installs the Debian packages SoftNeg
# builds against, only those missing, with one `apt-get update` at most.
# Works as root with no stdin (CI) and through sudo for a normal user.

SOFTNEG_PACKAGES=(
    libopenblas-dev          # cblas.h + the DYNAMIC_ARCH OpenBLAS (matmul, conv)
    libdnnl-dev              # oneDNN 2.6: direct convolution kernels, bf16 matmul and convolution
    libpng-dev               # PNG read/write (simplified API)
    libjpeg-dev              # JPEG read (libjpeg-turbo)
    libedit-dev              # REPL line editing
    gnuplot-nox              # plots
    libgnuplot-iostream-dev  # gnuplot bridge (pulls the Boost headers it needs)
    pkg-config               # SwiftPM resolves libpng/libedit through it
    tmux                     # the REPL tests drive sn through a pseudo-terminal
)

# Only for the Slurm tests and scripts/slurm/local-cluster (scripts/setup does not need them).
SOFTNEG_CLUSTER_PACKAGES=(
    munge                    # authentication between the Slurm daemons and clients
    slurmctld                # the controller
    slurmd                   # the node daemon that runs the jobs
    slurm-client             # sbatch, squeue, scontrol, sinfo, scancel
    iproute2                 # ss: local-cluster picks ports nothing listens on (absent from slim images)
)

# The packages of the named list (default SOFTNEG_PACKAGES) that are not installed.
softneg_missing_packages() {
    local -n list="${1:-SOFTNEG_PACKAGES}"
    local p
    for p in "${list[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            echo "$p"
        fi
    done
}

# Installs the missing packages of the named list (default SOFTNEG_PACKAGES).
softneg_install_packages() {
    local missing
    missing=$(softneg_missing_packages "${1:-SOFTNEG_PACKAGES}")
    if [ -z "$missing" ]; then
        echo "packages: all present"
        return 0
    fi
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo="sudo"
        else
            echo "packages: missing $(echo $missing) and not root (no sudo); install them and rerun" >&2
            return 1
        fi
    fi
    echo "packages: installing $(echo $missing)"
    export DEBIAN_FRONTEND=noninteractive
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
    # shellcheck disable=SC2086
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing </dev/null
}

# The Slurm daemons and clients for the local test cluster.
softneg_install_cluster_packages() {
    softneg_install_packages SOFTNEG_CLUSTER_PACKAGES
}
