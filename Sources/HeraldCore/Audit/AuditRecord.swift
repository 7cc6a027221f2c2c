public import Foundation

/// One administrative change, as the `herald.audit` topic keeps it: who (the API key id), what
/// (the action and its target), when, and whether it took effect.
///
/// Encoding: a JSON object with exactly the members `v` (format version, 1), `time` (RFC 3339 UTC
/// with milliseconds), `service`, `key_id`, `action`, `target`, `outcome` (`succeeded` or
/// `failed`) and `detail`, keys sorted — stable, so other tools can read the topic.
public struct AuditRecord: Sendable, Hashable {
    /// The key id recorded when the service runs with authentication off: no key was checked.
    public static let authenticationOff = "(authentication off)"
    public static let formatVersion = 1

    public enum Outcome: String, Sendable, Hashable, CaseIterable {
        /// The change was stored.
        case succeeded
        /// The change passed validation but storing it failed (for instance Kafka unreachable):
        /// it may or may not have taken effect.
        case failed
    }

    public var time: Date
    /// `registry`, `router` or `delivery`.
    public var service: String
    /// The API key id the call was authenticated with, or `authenticationOff`.
    public var keyID: String
    /// What was done, `<thing>.<verb>`: `schema.register`, `subject.delete`, `version.delete`,
    /// `config.set`, `config.delete`, `mode.set`, `mode.delete`, `route.create`, `route.update`,
    /// `route.delete`, `endpoint.create`, `endpoint.update`, `endpoint.rotate_secret`, `endpoint.delete`,
    /// `endpoint.test` (a test event sent; `detail` holds its answer).
    public var action: String
    /// What it was done to: a subject (empty for the global config or mode), a route id, an endpoint id.
    public var target: String
    public var outcome: Outcome
    /// What the change set or answered (`version=3 id=12`, `compatibility=FULL`), or the error.
    public var detail: String

    public init(time: Date, service: String, keyID: String?, action: String, target: String, outcome: Outcome, detail: String = "") {
        self.time = time
        self.service = service
        self.keyID = keyID ?? Self.authenticationOff
        self.action = action
        self.target = target
        self.outcome = outcome
        self.detail = detail
    }

    public struct Malformed: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The JSON encoding.
    public func encoded() -> [UInt8] {
        let object: [String: Any] = [
            "v": Self.formatVersion, "time": Self.format(time), "service": service, "key_id": keyID, "action": action,
            "target": target, "outcome": outcome.rawValue, "detail": detail,
        ]
        // Only strings and an integer: serialization cannot fail.
        return Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    /// Reads the JSON encoding; every member is required.
    public init(decoding bytes: [UInt8]) throws(Malformed) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw Malformed(description: "audit record: not a JSON object")
        }
        guard let version = object["v"] as? Int, version == Self.formatVersion else {
            throw Malformed(description: "audit record: v: expected \(Self.formatVersion), got \(object["v"].map { "\($0)" } ?? "nothing")")
        }
        func string(_ name: String) throws(Malformed) -> String {
            guard let value = object[name] as? String else { throw Malformed(description: "audit record: \(name): missing or not a string") }
            return value
        }
        guard let time = Self.parse(try string("time")) else { throw Malformed(description: "audit record: time: not RFC 3339 UTC with milliseconds") }
        guard let outcome = Outcome(rawValue: try string("outcome")) else {
            throw Malformed(description: "audit record: outcome: expected one of \(Outcome.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.init(time: time, service: try string("service"), keyID: try string("key_id"), action: try string("action"),
                  target: try string("target"), outcome: outcome, detail: try string("detail"))
    }

    /// `2026-03-01T12:00:00.123Z`.
    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    public static func parse(_ text: String) -> Date? {
        try? Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).parse(text)
    }
}
