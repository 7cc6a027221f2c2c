/// Connection settings shared by every Herald Kafka client.
///
/// A curated set of options with defaults that work against a single local broker, plus
/// `properties`, a pass-through for any librdkafka property (applied last, so it wins).
public struct KafkaConfiguration: Sendable {
    /// `host:port` of one or more brokers used to discover the cluster. Default `127.0.0.1:9092`.
    public var bootstrapServers: [String]
    /// Reported to brokers for logs and quotas. Default `herald`.
    public var clientID: String
    /// Upper bound on every blocking call (metadata, commits, transaction calls, admin requests,
    /// offset queries): the call fails with `.timedOut` instead of hanging. Default 30 s.
    public var requestTimeout: Duration
    /// How long a produced record may wait for acknowledgement, retries included, before its
    /// delivery fails with `.messageTimedOut` (`message.timeout.ms`). Default 30 s.
    public var deliveryTimeout: Duration
    /// Transport security and authentication. Default `.plaintext`.
    public var security: Security
    /// The compacted topic where incarnating transactional producers record which incarnation of
    /// their transactional id is current (`TransactionalProducer.incarnating`). Default
    /// `herald.transactional-ids`.
    public var transactionalIDLedgerTopic: String
    /// The longest a consumer leaves a partition it has caught up with before fetching it again;
    /// zero fetches again at once (librdkafka's behaviour, right for Kafka, which holds a caught-up
    /// fetch open for the consumer's fetch wait). The local broker answers a caught-up fetch at
    /// once, so an idle consumer would fetch it continuously: instead each caught-up partition
    /// rests, from 1 ms doubling while its fetches find nothing, up to this (`IdleFetchSchedule`).
    /// A record written by this process ends the rest at once (`writeSignal`); one written
    /// elsewhere waits up to this long while its partition is idle. Default 250 ms.
    public var idleFetchBackoff: Duration
    /// Links this client with the others made from configurations with the same signal: a consumer
    /// resting a caught-up partition fetches it at once when one of them has written to it. Default
    /// `.process`, every client of this process.
    public var writeSignal: LocalWriteSignal
    /// The largest record a client produces (`message.max.bytes`, set explicitly rather than left
    /// at librdkafka's default): a larger one fails at once with `.messageSizeTooLarge`-style
    /// errors, so stages check against it before writing. Default 1 MiB (Kafka's broker default).
    public var maxMessageBytes: Int
    /// How much each consumer prefetches and each producer buffers (`BufferBounds`). Default `BufferBounds()`.
    public var buffers: BufferBounds
    /// Any librdkafka property (see librdkafka's CONFIGURATION.md), applied after everything else.
    public var properties: [String: String]

    public init(
        bootstrapServers: [String] = ["127.0.0.1:9092"],
        clientID: String = "herald",
        requestTimeout: Duration = .seconds(30),
        deliveryTimeout: Duration = .seconds(30),
        security: Security = .plaintext,
        transactionalIDLedgerTopic: String = "herald.transactional-ids",
        idleFetchBackoff: Duration = .milliseconds(250),
        maxMessageBytes: Int = 1 << 20,
        writeSignal: LocalWriteSignal = .process,
        buffers: BufferBounds = BufferBounds(),
        properties: [String: String] = [:]
    ) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.requestTimeout = requestTimeout
        self.deliveryTimeout = deliveryTimeout
        self.security = security
        self.transactionalIDLedgerTopic = transactionalIDLedgerTopic
        self.idleFetchBackoff = idleFetchBackoff
        self.maxMessageBytes = maxMessageBytes
        self.writeSignal = writeSignal
        self.buffers = buffers
        self.properties = properties
    }
}

extension KafkaConfiguration {
    /// How clients protect and authenticate their broker connections.
    ///
    /// Backed by a private enum so further mechanisms can be added without breaking callers.
    public struct Security: Sendable, Hashable {
        enum Backing: Sendable, Hashable {
            case plaintext
            case tls(TLS)
            case sasl(SASL, tls: TLS?)
        }

        let backing: Backing

        /// No encryption, no authentication (local development).
        public static let plaintext = Security(backing: .plaintext)

        /// TLS to the brokers, optionally with a client certificate.
        public static func tls(_ tls: TLS = TLS()) -> Security { Security(backing: .tls(tls)) }

        /// SASL authentication, over TLS when `tls` is given.
        public static func sasl(_ sasl: SASL, tls: TLS? = TLS()) -> Security { Security(backing: .sasl(sasl, tls: tls)) }
    }

    /// TLS files in PEM format; `nil` means librdkafka's default (the system trust store, no client certificate).
    public struct TLS: Sendable, Hashable {
        public var caLocation: String?
        public var certificateLocation: String?
        public var keyLocation: String?
        public var keyPassword: String?

        public init(caLocation: String? = nil, certificateLocation: String? = nil, keyLocation: String? = nil, keyPassword: String? = nil) {
            self.caLocation = caLocation
            self.certificateLocation = certificateLocation
            self.keyLocation = keyLocation
            self.keyPassword = keyPassword
        }
    }

    /// SASL credentials for one mechanism.
    public struct SASL: Sendable, Hashable {
        public struct Mechanism: Sendable, Hashable {
            let name: String
            public static let plain = Mechanism(name: "PLAIN")
            public static let scramSHA256 = Mechanism(name: "SCRAM-SHA-256")
            public static let scramSHA512 = Mechanism(name: "SCRAM-SHA-512")
        }

        public var mechanism: Mechanism
        public var username: String
        public var password: String

        public init(mechanism: Mechanism, username: String, password: String) {
            self.mechanism = mechanism
            self.username = username
            self.password = password
        }
    }
}

extension KafkaConfiguration {
    /// librdkafka properties common to every client kind.
    var clientProperties: [String: String] { clientProperties(adding: [:]) }

    /// The common properties with `kindProperties` (one client kind's) over them, and `properties`
    /// over both.
    func clientProperties(adding kindProperties: [String: String]) -> [String: String] {
        var result: [String: String] = [
            "bootstrap.servers": bootstrapServers.joined(separator: ","),
            "client.id": clientID,
            "socket.timeout.ms": String(max(10, requestTimeout.milliseconds)),
            // Logs are delivered through the client's own poll thread (see RDKafkaClient).
            "log.queue": "true",
            // The local broker ignores fetch size limits (docs/ARCHITECTURE.md §7): accept whatever it sends.
            "receive.message.max.bytes": "1000000000",
            "message.max.bytes": String(maxMessageBytes),
        ]
        result.merge(security.properties) { _, new in new }
        result.merge(kindProperties) { _, new in new }
        result.merge(properties) { _, new in new }
        return result
    }
}

extension KafkaConfiguration.Security {
    var properties: [String: String] {
        switch backing {
        case .plaintext:
            return ["security.protocol": "plaintext"]
        case .tls(let tls):
            return tls.properties.merging(["security.protocol": "ssl"]) { _, new in new }
        case .sasl(let sasl, let tls):
            var result = tls?.properties ?? [:]
            result["security.protocol"] = tls == nil ? "sasl_plaintext" : "sasl_ssl"
            result["sasl.mechanisms"] = sasl.mechanism.name
            result["sasl.username"] = sasl.username
            result["sasl.password"] = sasl.password
            return result
        }
    }
}

extension KafkaConfiguration.TLS {
    var properties: [String: String] {
        var result: [String: String] = [:]
        result["ssl.ca.location"] = caLocation
        result["ssl.certificate.location"] = certificateLocation
        result["ssl.key.location"] = keyLocation
        result["ssl.key.password"] = keyPassword
        return result
    }
}

extension Duration {
    /// Whole milliseconds, clamped to librdkafka's `int` timeouts.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        let total = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int(min(max(total, 0), Int64(Int32.max)))
    }
}
