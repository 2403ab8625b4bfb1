/* oneDNN 2.6 (Debian 12's libdnnl-dev): convolution and matmul primitives, fp32 and bf16. */
#include <oneapi/dnnl/dnnl.h>

/* The OpenMP runtime oneDNN runs on (libgomp). Its thread count is a per-thread setting:
   Tensors sets it on each thread before it creates or runs a primitive, so that oneDNN's
   threads and Tensors' own never oversubscribe the cores. Declared here rather than through
   <omp.h>, which belongs to GCC's private include directory. */
extern void omp_set_num_threads(int);
extern int omp_get_max_threads(void);
