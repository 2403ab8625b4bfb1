#include "cgnuplot.h"
#include <cstdlib>
extern "C" int sn_gnuplot_available(void) { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }
