import CBLAS

/// How the process's allocator treats freed tensor storage.
public enum Allocator {
    /// glibc hands blocks above its mmap threshold back to the kernel when freed, and trims the
    /// heap top above its trim threshold; the next tensor of that size then faults in fresh
    /// pages the kernel must zero (5% of a training step of the small UNet config went to
    /// clear_page). Serving blocks up to 32 MB from the heap and keeping up to 1 GB of freed
    /// heap lets them be reused: the peak stays the same, the page faults go away.
    ///
    /// Both settings govern only the main arena. Every other thread (the interpreter runs on its
    /// own large-stack thread) gets an arena of 64 MB heaps, which glibc unmaps as soon as one
    /// empties, so the same tensors came back as fresh pages anyway: 32k page faults per training
    /// step of the default model, a fifth of its time in the kernel. One arena for all threads
    /// keeps them in the one heap; tensors are few and large, so the shared lock costs nothing.
    public static func keepFreedMemory() {
        #if os(Linux)
        _ = mallopt(M_ARENA_MAX, 1)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
        #endif
    }
}
