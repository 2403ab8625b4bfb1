#pragma once
// A small C API over gnuplot-iostream, so Swift never sees C++ or Boost.
//
// Data never goes through the pipe: gnuplot reads a pipe one byte at a time (1e6 points
// took 7-12 s that way, 0.27 s from a binary file), so callers write each table to a
// binary file with sn_gnuplot_write_columns and only send commands with sn_gnuplot_run.
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Whether `binary` names an executable: a path containing '/' is checked as is, a bare
/// name is searched in $PATH. On success the full path is copied to `resolved`.
/// Returns 1 when found, 0 when not.
int sn_gnuplot_resolve(const char *binary, char *resolved, size_t resolved_len);

/// Writes `nrows` records of `ncols` native doubles (column i of record r is
/// columns[i][r]) to `path`, the layout of gnuplot's `binary format='%double...'`.
/// Returns 0, or -1 with a message in `err`.
int sn_gnuplot_write_columns(const char *path, const double *const *columns, size_t ncols,
                             size_t nrows, char *err, size_t err_len);

/// Starts `binary` (a full path) with its standard input on a pipe, standard output on
/// /dev/null and standard error on the file `stderr_path`, writes `commands` to the pipe,
/// closes it and waits for gnuplot to exit. SIGPIPE is blocked for the writing thread, so
/// a gnuplot that dies early gives an error here and never kills the caller.
/// Returns 0 when gnuplot ran and exited (its exit status in *exit_status; gnuplot's
/// own errors are in the stderr file, since it exits 0 after many of them), or -1 with
/// a message in `err` when it could not be started or the commands could not be sent.
int sn_gnuplot_run(const char *binary, const char *commands, const char *stderr_path,
                   int *exit_status, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif
