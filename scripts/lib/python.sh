# The Python that runs the PyTorch side of the benchmarks and the fixture scripts: $SOFTNEG_PYTHON
# when set, else the repository's own ./venv (scripts/venv makes it; git ignores it).
# `softneg_python torch diffusers` prints the first of them that imports those modules, or fails.
softneg_python() {
    local modules
    modules="$(IFS=,; echo "$*")"
    local candidate
    for candidate in "${SOFTNEG_PYTHON:-}" ./venv/bin/python; do
        if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c "import ${modules}" 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}
