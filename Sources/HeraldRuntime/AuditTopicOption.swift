public import ArgumentParser

/// `--audit-topic`, declared once for every service that records administrative changes
/// (the registry, the router and delivery).
public struct AuditTopicOption: ParsableArguments, Sendable {
    @Option(name: .customLong("audit-topic"), help: "Topic every administrative change is recorded in (who, what, when, outcome). Env: HERALD_AUDIT_TOPIC.")
    public var topic = HeraldEnvironment.string("audit-topic", default: AuditLog.defaultTopic)

    public init() {}
}
