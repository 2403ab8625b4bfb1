#pragma once
// C API over gnuplot-iostream; filled in by the Plotting work.
#ifdef __cplusplus
extern "C" {
#endif
int sn_gnuplot_available(void);
#ifdef __cplusplus
}
#endif
