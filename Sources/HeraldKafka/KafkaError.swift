/// An error reported by librdkafka or by Herald's binding around it.
///
/// `code` is open-ended (new librdkafka versions add codes), so it is a struct of static constants
/// rather than an enum. The three classification flags come from librdkafka itself and drive how
/// callers recover: retry (`isRetriable`), abort the open transaction (`requiresAbort`), or
/// discard the client (`isFatal`).
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A Kafka protocol error code (positive) or a librdkafka local error code (negative).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// A newer producer with the same `transactional.id` took over: this producer is unusable.
        public static let fenced = Code(rawValue: -144)
        /// No broker could be reached, or the connection broke.
        public static let transportFailure = Code(rawValue: -195)
        /// A TLS handshake with a broker failed (e.g. its certificate did not verify against the CA).
        public static let tlsFailure = Code(rawValue: -181)
        /// A broker refused the client's SASL credentials or mechanism.
        public static let authenticationFailure = Code(rawValue: -169)
        /// All brokers are down.
        public static let allBrokersDown = Code(rawValue: -187)
        /// A blocking operation did not finish within its timeout.
        public static let timedOut = Code(rawValue: -185)
        /// A record was not acknowledged within the delivery timeout.
        public static let messageTimedOut = Code(rawValue: -192)
        /// The topic does not exist (locally known or reported by the broker).
        public static let unknownTopic = Code(rawValue: 3)
        /// The partition does not exist in the topic.
        public static let unknownPartition = Code(rawValue: -190)
        /// The topic already exists.
        public static let topicAlreadyExists = Code(rawValue: 36)
        /// The operation is not valid in the client's current state (e.g. a transaction already open).
        public static let invalidState = Code(rawValue: -172)
        /// A configuration property or argument was rejected.
        public static let invalidArgument = Code(rawValue: -186)
        /// The client was closed.
        public static let closed = Code(rawValue: -197)
        /// The local producer queue is full.
        public static let queueFull = Code(rawValue: -184)
        /// The record was purged from the queue before delivery (producer closing or transaction aborted).
        public static let purged = Code(rawValue: -152)
        /// The record is larger than the broker or client allows.
        public static let messageTooLarge = Code(rawValue: 10)
        /// The consumer's group generation is stale (it was rebalanced out); its offsets were not committed.
        public static let staleGeneration = Code(rawValue: 22)
        /// A fatal error of the client that is not one of the more specific codes.
        public static let fatal = Code(rawValue: -150)

        public var description: String { KafkaError.name(of: self) }
    }

    public let code: Code
    /// librdkafka's human-readable explanation, with Herald's context where it adds any.
    public let message: String
    /// The client that raised it can no longer be used; create a new one.
    public let isFatal: Bool
    /// The same operation may succeed if tried again.
    public let isRetriable: Bool
    /// The open transaction cannot commit and must be aborted.
    public let requiresAbort: Bool

    public init(code: Code, message: String, isFatal: Bool = false, isRetriable: Bool = false, requiresAbort: Bool = false) {
        self.code = code
        self.message = message
        self.isFatal = isFatal
        self.isRetriable = isRetriable
        self.requiresAbort = requiresAbort
    }

    public var description: String {
        var flags: [String] = []
        if isFatal { flags.append("fatal") }
        if isRetriable { flags.append("retriable") }
        if requiresAbort { flags.append("requires abort") }
        let suffix = flags.isEmpty ? "" : " [\(flags.joined(separator: ", "))]"
        return "KafkaError(\(code)): \(message)\(suffix)"
    }
}
