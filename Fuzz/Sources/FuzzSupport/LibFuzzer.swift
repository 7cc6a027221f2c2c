internal import CLibFuzzer
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hands the process to libFuzzer with `target` as the function under test and exits with its
/// status. `target` gets each input and returns 0 (libFuzzer's convention); it traps (through
/// `fuzzFailure` or a Swift runtime check) when something is wrong.
///
/// `detectingLeaks: false` is for targets that run async code (`blocking`): a task's memory is
/// freed on the pool's thread after the target has its result, so nearly every input ends with
/// more allocations than frees, which makes libFuzzer run a full leak check after it — thirty
/// times the cost of the input itself — and the leaks it looks for cannot happen in Swift's
/// reference-counted code anyway.
public func runLibFuzzer(detectingLeaks: Bool = true, _ target: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    let arguments = CommandLine.arguments + (detectingLeaks ? [] : ["-detect_leaks=0"])
    // Kept for the life of the process, as libFuzzer expects of argv.
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    var argc = CInt(arguments.count)
    let status = argv.withUnsafeMutableBufferPointer { buffer in
        var pointer = buffer.baseAddress
        return LLVMFuzzerRunDriver(&argc, &pointer, target)
    }
    exit(status)
}
