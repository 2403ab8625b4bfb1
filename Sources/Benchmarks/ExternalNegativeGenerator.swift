import Foundation
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a shell command (e.g. a local LLM wrapper) as a negative generator: the caption goes to
/// its stdin, candidates come back one per line on stdout. The command runs in its own process
/// group so a timeout kills everything it started, not just the shell.
public struct ExternalNegativeGenerator: Sendable {
    public var command: String
    public var timeout: Double

    public init(command: String, timeout: Double = 30) {
        self.command = command
        self.timeout = timeout
    }

    public func candidates(for caption: String) throws -> [String] {
        let result = try run(input: caption + "\n")
        if result.timedOut {
            throw BenchmarkError.generatorFailed(command: command, message: "timed out after \(timeout) s (killed)")
        }
        guard result.status == 0 else {
            let err = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            throw BenchmarkError.generatorFailed(
                command: command, message: "exited with status \(result.status)" + (err.isEmpty ? "" : ": \(err)"))
        }
        let lines = result.stdout.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !lines.isEmpty else {
            throw BenchmarkError.generatorFailed(command: command, message: "printed no candidates (expected one per line on stdout)")
        }
        return lines
    }

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
    }

    func run(input: String) throws -> Outcome {
        guard timeout > 0 else {
            throw BenchmarkError.generatorFailed(command: command, message: "timeout must be positive, got \(timeout)")
        }
        var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&inPipe) == 0, pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
            throw BenchmarkError.generatorFailed(command: command, message: "cannot create pipes: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in inPipe + outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
        close(inPipe[0])
        close(outPipe[1])
        close(errPipe[1])
        guard spawned == 0 else {
            close(inPipe[1])
            close(outPipe[0])
            close(errPipe[0])
            throw BenchmarkError.generatorFailed(command: command, message: "cannot start /bin/sh: \(String(cString: strerror(spawned)))")
        }

        // One loop writes stdin, drains stdout and stderr and watches the clock, so neither a
        // full pipe nor a silent child can block us past the deadline.
        var toWrite = Array(input.utf8)
        var written = 0
        var writeFD: Int32 = inPipe[1]
        _ = fcntl(writeFD, F_SETFL, fcntl(writeFD, F_GETFL) | O_NONBLOCK)
        var out: [UInt8] = [], err: [UInt8] = []
        var outOpen = true, errOpen = true
        var status: Int32 = 0
        var exited = false
        var timedOut = false
        let deadline = Date().addingTimeInterval(timeout)
        // SIGPIPE from a child that closed its stdin early must not kill us.
        let oldHandler = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, oldHandler) }

        while outOpen || errOpen || !exited {
            if Date() >= deadline {
                timedOut = true
                break
            }
            if writeFD >= 0 {
                if written < toWrite.count {
                    let n = toWrite.withUnsafeBufferPointer { buf in
                        write(writeFD, buf.baseAddress.map { $0 + written }, toWrite.count - written)
                    }
                    if n > 0 { written += n } else if n < 0, errno != EAGAIN { written = toWrite.count }
                }
                if written >= toWrite.count {
                    close(writeFD)
                    writeFD = -1
                    toWrite = []
                }
            }
            var fds: [pollfd] = []
            if outOpen { fds.append(pollfd(fd: outPipe[0], events: Int16(POLLIN), revents: 0)) }
            if errOpen { fds.append(pollfd(fd: errPipe[0], events: Int16(POLLIN), revents: 0)) }
            if !fds.isEmpty {
                _ = poll(&fds, nfds_t(fds.count), 10)
                for f in fds where f.revents != 0 {
                    var buffer = [UInt8](repeating: 0, count: 65536)
                    let n = read(f.fd, &buffer, buffer.count)
                    if n > 0 {
                        if f.fd == outPipe[0] { out.append(contentsOf: buffer[0..<n]) } else { err.append(contentsOf: buffer[0..<n]) }
                    } else if n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN) {
                        if f.fd == outPipe[0] { outOpen = false } else { errOpen = false }
                    }
                }
            } else {
                usleep(10_000)
            }
            if !exited {
                var s: Int32 = 0
                if waitpid(pid, &s, WNOHANG) == pid {
                    exited = true
                    status = s
                }
            }
        }
        if timedOut {
            kill(-pid, SIGKILL)
            if !exited {
                var s: Int32 = 0
                _ = waitpid(pid, &s, 0)
            }
        }
        if writeFD >= 0 { close(writeFD) }
        close(outPipe[0])
        close(errPipe[0])
        // Decode the wait status: normal exit code, or 128 + signal as shells report it.
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(status: code, stdout: String(decoding: out, as: UTF8.self),
                       stderr: String(decoding: err, as: UTF8.self), timedOut: timedOut)
    }
}
