internal import CAvro
import Glibc

/// The Avro C library this process loaded, for `herald version` and bug reports: callers above
/// HeraldAvro never import the C module themselves.
public enum AvroCLibrary {
    /// Avro C has no version function: name the shared object the process mapped, after showing
    /// it works by parsing a schema with it.
    public static func describeLoaded() throws(AvroError) -> String {
        try AvroCSchemaCheck.validate("\"string\"")
        // The dynamic loader's view of this process names the exact file it mapped.
        guard let line = mappedFiles().split(separator: "\n").first(where: { $0.contains("/libavro.so") }),
              let path = line.split(separator: " ", omittingEmptySubsequences: true).last
        else {
            return "linked statically (no shared libavro mapped)"
        }
        return "\(path.split(separator: "/").last ?? path) (\(path))"
    }

    /// `/proc/self/maps`, read to its end (procfs reports a size of 0, so no single-read shortcut).
    private static func mappedFiles() -> String {
        let descriptor = open("/proc/self/maps", O_RDONLY)
        guard descriptor >= 0 else { return "" }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
