import Foundation
public import Logging

/// Structured logs: one logfmt line per event on stderr (`ts=… level=info logger=herald.registry
/// msg="…" kafka.topic=herald._schemas`), which log shippers parse without configuration.
public struct LogfmtLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        var line = "ts=\(Date().formatted(.iso8601)) level=\(event.level) logger=\(Self.quoted(label)) msg=\(Self.quoted(event.message.description))"
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(Self.quoted(value.description))"
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Values are quoted only when they must be, as logfmt readers expect.
    static func quoted(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.isNewline }
        guard needsQuotes else { return value }
        let escaped = value
            .replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"\(escaped)\""
    }
}

public enum HeraldLogging {
    /// Installs logfmt logging for the process at `level`; call once, from `main`.
    public static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { LogfmtLogHandler(label: $0, level: level) }
    }
}
