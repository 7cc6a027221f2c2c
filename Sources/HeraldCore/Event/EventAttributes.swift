/// The CloudEvents 1.0 context attributes of one Herald event (docs/API.md, Events), as plain values.
///
/// `subject` and `dataSchema` use the empty string for "absent", as proto3 strings do, so a
/// `herald.v1.Event` maps onto this type field by field. `(source, id)` identifies an event.
public struct EventAttributes: Hashable, Sendable {
    public var id: String
    public var source: String
    public var type: String
    public var subject: String
    /// When the event happened; `nil` lets the producer stamp its own clock before publishing.
    public var time: EventTimestamp?
    public var dataSchema: String
    /// CloudEvents extension attributes by name (lower-case `a`–`z`, `0`–`9`).
    public var extensions: [String: String]

    public init(
        id: String,
        source: String,
        type: String,
        subject: String = "",
        time: EventTimestamp? = nil,
        dataSchema: String = "",
        extensions: [String: String] = [:]
    ) {
        self.id = id
        self.source = source
        self.type = type
        self.subject = subject
        self.time = time
        self.dataSchema = dataSchema
        self.extensions = extensions
    }
}

/// A rejected attribute: `field` is the path the caller sees (`event.source`, `header ce_time`).
public struct EventAttributeError: Error, Hashable, CustomStringConvertible {
    public let field: String
    public let reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}
