import Foundation

/// A process's resident set size, from `/proc/<pid>/status` (`VmRSS`).
enum ResidentMemory {
    /// MB (10^6 bytes), or nil when the process is gone or the file unreadable.
    static func megabytes(of pid: Int32) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return parse(status: status)
    }

    /// The `VmRSS:   12345 kB` line of a status file, in MB.
    static func parse(status: String) -> Double? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 3, fields[2] == "kB", let kilobytes = Double(fields[1]) else { return nil }
        return kilobytes * 1024 / 1e6
    }
}
