#include <cblas.h>
#include <stdio.h>
#include <malloc.h>  /* mallopt: Tensors' allocator policy; this is its one C shim */

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

/* CPU features that decide which OpenBLAS kernels can run, as bits: */
enum {
    CBLAS_SHIM_AVX2 = 1, CBLAS_SHIM_FMA = 2,
    CBLAS_SHIM_AVX512F = 4, CBLAS_SHIM_AVX512BW = 8, CBLAS_SHIM_AVX512VL = 16, CBLAS_SHIM_AVX512DQ = 32,
    CBLAS_SHIM_OS_AVX = 64,     /* the OS saves ymm state (XCR0 bits 1-2) */
    CBLAS_SHIM_OS_AVX512 = 128  /* the OS saves opmask/zmm state (XCR0 bits 5-7) */
};

/* cpuid + xgetbv; 0 on other architectures. Swift cannot issue these instructions. */
static inline unsigned int cblas_shim_cpu_features(void) {
#if defined(__x86_64__) || defined(__i386__)
    unsigned int eax, ebx, ecx, edx, features = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    const int has_fma = (ecx >> 12) & 1, has_osxsave = (ecx >> 27) & 1, has_avx = (ecx >> 28) & 1;
    if (has_fma) features |= CBLAS_SHIM_FMA;
    if (has_osxsave && has_avx) {
        unsigned int xcr0_lo, xcr0_hi;
        __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
        if ((xcr0_lo & 0x6) == 0x6) features |= CBLAS_SHIM_OS_AVX;
        if ((xcr0_lo & 0xE6) == 0xE6) features |= CBLAS_SHIM_OS_AVX512;
    }
    if (__get_cpuid_max(0, 0) >= 7) {
        __cpuid_count(7, 0, eax, ebx, ecx, edx);
        if ((ebx >> 5) & 1) features |= CBLAS_SHIM_AVX2;
        if ((ebx >> 16) & 1) features |= CBLAS_SHIM_AVX512F;
        if ((ebx >> 17) & 1) features |= CBLAS_SHIM_AVX512DQ;
        if ((ebx >> 30) & 1) features |= CBLAS_SHIM_AVX512BW;
        if ((ebx >> 31) & 1) features |= CBLAS_SHIM_AVX512VL;
    }
    return features;
#else
    return 0;
#endif
}

/* The CPU's vendor/family/model as "GenuineIntel family 6 model 207" (buffer of >= 64 bytes). */
static inline void cblas_shim_cpu_signature(char *out, int size) {
#if defined(__x86_64__) || defined(__i386__)
    unsigned int eax, ebx, ecx, edx;
    char vendor[13] = {0};
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) { snprintf(out, size, "unknown x86 CPU"); return; }
    __builtin_memcpy(vendor, &ebx, 4); __builtin_memcpy(vendor + 4, &edx, 4); __builtin_memcpy(vendor + 8, &ecx, 4);
    __get_cpuid(1, &eax, &ebx, &ecx, &edx);
    unsigned int family = (eax >> 8) & 0xF, model = (eax >> 4) & 0xF;
    if (family == 0xF) family += (eax >> 20) & 0xFF;
    if (family == 0x6 || family >= 0xF) model |= ((eax >> 16) & 0xF) << 4;
    snprintf(out, size, "%s family %u model %u", vendor, family, model);
#else
    snprintf(out, size, "non-x86 CPU");
#endif
}
