import Foundation
import Script
import XCTest

/// env() reads the process environment at call time; clock() is CLOCK_MONOTONIC in seconds.
final class EnvironmentBuiltinsTests: XCTestCase {
    func testEnvReadsTheVariableOrTheDefault() throws {
        let name = "SN_ENV_TEST_\(getpid())"
        unsetenv(name)
        XCTAssertEqual(try show(#"env("\#(name)")"#), "none")
        XCTAssertEqual(try show(#"env("\#(name)", default: "4")"#), "\"4\"")
        XCTAssertEqual(try show(#"env("\#(name)", default: 4) + 1"#), "5")
        setenv(name, "a b=c", 1)
        defer { unsetenv(name) }
        XCTAssertEqual(try show(#"env("\#(name)", default: "4")"#), "\"a b=c\"")
        setenv(name, "", 1)
        XCTAssertEqual(try show(#"env("\#(name)", default: "4")"#), "\"\"", "set but empty is not unset")
        setenv(name, "12", 1)
        XCTAssertEqual(try show(#"num(env("\#(name)")) * 2"#), "24")
    }

    func testEnvRefusesWhatCannotBeAName() throws {
        XCTAssertEqual(scriptError(#"env("")"#)?.message, "env: \"\" is not a variable name (it must be non-empty and hold no '=')")
        XCTAssertEqual(scriptError(#"env("A=B")"#)?.message, "env: \"A=B\" is not a variable name (it must be non-empty and hold no '=')")
        XCTAssertNotNil(scriptError(#"env(3)"#))
    }

    func testClockIsTheMonotonicClockInSeconds() throws {
        func monotonic() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_MONOTONIC, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
        }
        let run = Run()
        let before = monotonic()
        try run("t0 = clock()")
        let after = monotonic()
        guard case .number(let t0)? = run.interpreter.variable("t0") else { return XCTFail("clock() is not a number") }
        XCTAssertLessThanOrEqual(before, t0)
        XCTAssertLessThanOrEqual(t0, after)
        usleep(20_000)
        guard case .number(let elapsed)? = try run("clock() - t0") else { return XCTFail("not a number") }
        XCTAssertGreaterThanOrEqual(elapsed, 0.02, "20 ms slept between the two readings")
        XCTAssertEqual(try show("type(clock())"), "\"number\"")
    }
}
