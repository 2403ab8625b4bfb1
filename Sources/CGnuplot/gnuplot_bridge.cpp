// The C++ side of the gnuplot bridge: gnuplot-iostream does the stream to gnuplot and
// the binary record encoding; this file adds process control (spawn without a shell,
// stderr to a file, SIGPIPE kept away from the caller) behind a plain C API.
#include "cgnuplot.h"

#include <gnuplot-iostream.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace {

void set_error(char *err, size_t err_len, const std::string &message) {
    if (err == nullptr || err_len == 0) return;
    std::snprintf(err, err_len, "%s", message.c_str());
}

bool is_executable_file(const std::string &path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// Blocks SIGPIPE on this thread for its lifetime; on exit, swallows a SIGPIPE our own
// writes raised so it is not delivered once the mask is restored. A write to a dead
// gnuplot then fails with EPIPE instead of killing the process, and the rest of the
// program keeps its own SIGPIPE disposition.
class SigpipeGuard {
public:
    SigpipeGuard() {
        sigemptyset(&pipe_set_);
        sigaddset(&pipe_set_, SIGPIPE);
        sigset_t pending;
        sigemptyset(&pending);
        sigpending(&pending);
        was_pending_ = sigismember(&pending, SIGPIPE) == 1;
        blocked_ = pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_) == 0;
    }
    ~SigpipeGuard() {
        if (!blocked_) return;
        if (!was_pending_) {
            struct timespec zero = {0, 0};
            while (sigtimedwait(&pipe_set_, nullptr, &zero) == SIGPIPE) {}
        }
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }
    SigpipeGuard(const SigpipeGuard &) = delete;
    SigpipeGuard &operator=(const SigpipeGuard &) = delete;

private:
    sigset_t pipe_set_;
    sigset_t old_;
    bool was_pending_ = false;
    bool blocked_ = false;
};

}  // namespace

extern "C" int sn_gnuplot_resolve(const char *binary, char *resolved, size_t resolved_len) {
    if (binary == nullptr || binary[0] == '\0') return 0;
    std::string name(binary);
    std::string found;
    if (name.find('/') != std::string::npos) {
        if (is_executable_file(name)) found = name;
    } else {
        const char *path_env = std::getenv("PATH");
        std::string path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
        size_t start = 0;
        while (start <= path.size()) {
            size_t end = path.find(':', start);
            if (end == std::string::npos) end = path.size();
            std::string dir = path.substr(start, end - start);
            if (dir.empty()) dir = ".";
            std::string candidate = dir + "/" + name;
            if (is_executable_file(candidate)) {
                found = candidate;
                break;
            }
            start = end + 1;
        }
    }
    if (found.empty()) return 0;
    if (resolved != nullptr && resolved_len > 0) std::snprintf(resolved, resolved_len, "%s", found.c_str());
    return 1;
}

extern "C" int sn_gnuplot_write_columns(const char *path, const double *const *columns, size_t ncols,
                                        size_t nrows, char *err, size_t err_len) {
    try {
        // Column-major input: gnuplot-iostream interleaves the columns into records.
        std::vector<std::vector<double>> table(ncols);
        for (size_t c = 0; c < ncols; c++) table[c].assign(columns[c], columns[c] + nrows);
        // The filename is our own temporary path; the returned datafile spec is not
        // used, the caller quotes the path itself.
        Gnuplot writer(">/dev/null");
        (void)writer.binFile1d_colmajor(table, "record", path);
        FILE *check = std::fopen(path, "rb");
        if (check == nullptr) {
            set_error(err, err_len, std::string("cannot write data file ") + path + ": " + std::strerror(errno));
            return -1;
        }
        std::fseek(check, 0, SEEK_END);
        long size = std::ftell(check);
        std::fclose(check);
        if (size < 0 || static_cast<size_t>(size) != ncols * nrows * sizeof(double)) {
            set_error(err, err_len, std::string("short write to data file ") + path);
            return -1;
        }
        return 0;
    } catch (const std::exception &e) {
        set_error(err, err_len, std::string("cannot write data file ") + path + ": " + e.what());
        return -1;
    }
}

extern "C" int sn_gnuplot_run(const char *binary, const char *commands, const char *stderr_path,
                              int *exit_status, char *err, size_t err_len) {
    if (!is_executable_file(binary)) {
        set_error(err, err_len, std::string("gnuplot not found at ") + binary);
        return -1;
    }
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        set_error(err, err_len, std::string("cannot create a pipe: ") + std::strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    // gnuplot itself gets default signal handling and an empty mask, whatever ours are.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults, empty;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigemptyset(&empty);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &empty);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    char *argv[] = {const_cast<char *>(binary), nullptr};
    pid_t pid = 0;
    int spawn_rc = posix_spawn(&pid, binary, &actions, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(fds[0]);
    if (spawn_rc != 0) {
        ::close(fds[1]);
        set_error(err, err_len, std::string("cannot start ") + binary + ": " + std::strerror(spawn_rc));
        return -1;
    }

    bool sent = false;
    {
        SigpipeGuard guard;
        FILE *fh = ::fdopen(fds[1], "w");
        if (fh == nullptr) {
            ::close(fds[1]);
        } else {
            try {
                Gnuplot gp(fh);  // closes fh (fclose) when it goes out of scope
                gp << commands;
                if (commands[0] != '\0' && commands[std::strlen(commands) - 1] != '\n') gp << '\n';
                gp << "exit\n";
                gp.flush();
                sent = !gp.fail();
            } catch (const std::exception &) {
                sent = false;
            }
        }
    }

    int status = 0;
    pid_t waited;
    do {
        waited = ::waitpid(pid, &status, 0);
    } while (waited < 0 && errno == EINTR);
    if (waited < 0) {
        set_error(err, err_len, std::string("lost track of gnuplot: ") + std::strerror(errno));
        return -1;
    }
    if (WIFSIGNALED(status)) {
        set_error(err, err_len, std::string("gnuplot was killed by signal ") + std::to_string(WTERMSIG(status)));
        return -1;
    }
    if (exit_status != nullptr) *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (!sent) {
        set_error(err, err_len, std::string("gnuplot exited before reading its commands (exit status ") +
                                    std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
        return -1;
    }
    return 0;
}
