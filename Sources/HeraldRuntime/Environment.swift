import Foundation

/// Every option is also an environment variable: `HERALD_` + the option's name in upper case with
/// dashes as underscores (`--kafka-brokers` → `HERALD_KAFKA_BROKERS`). The flag wins over the
/// variable, the variable over the built-in default.
public enum HeraldEnvironment {
    /// The environment variable for an option name such as `kafka-brokers`.
    public static func variableName(forOption option: String) -> String {
        "HERALD_" + option.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    public static func string(_ option: String, default fallback: String) -> String {
        ProcessInfo.processInfo.environment[variableName(forOption: option)] ?? fallback
    }

    public static func int(_ option: String, default fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[variableName(forOption: option)].flatMap { Int($0) } ?? fallback
    }

    public static func bool(_ option: String, default fallback: Bool) -> Bool {
        switch ProcessInfo.processInfo.environment[variableName(forOption: option)]?.lowercased() {
        case "1", "true", "yes", "on": true
        case "0", "false", "no", "off": false
        default: fallback
        }
    }
}
