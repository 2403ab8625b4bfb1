import CBLAS

/// How the process's allocator treats freed tensor storage.
public enum Allocator {
    /// glibc hands blocks above its mmap threshold back to the kernel when freed, and trims the
    /// heap top above its trim threshold; the next tensor of that size then faults in fresh
    /// pages the kernel must zero (5% of a training step of the small UNet config went to
    /// clear_page). Serving blocks up to 32 MB from the heap and keeping up to 1 GB of freed
    /// heap lets them be reused: the peak stays the same, the page faults go away.
    public static func keepFreedMemory() {
        #if os(Linux)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
        #endif
    }
}
